"""The screenshot of the reading room's document view in docs/review.md, made with the real app.

    .venv/bin/python scripts/review_screenshot.py [--out docs/review-document-view.png]

Ingests the scanned sample (raw/samples/bulletin-2014-05-hoi-nghi-bch-scan.pdf) into a
temporary warehouse, corrects its author as a reviewer would, starts `archive review`'s app on a
free loopback port, opens the document in Debian's chromium (Playwright, never a downloaded
browser), clicks the date to show where it came from, and saves the page as PNG.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCAN = ROOT / "raw" / "samples" / "bulletin-2014-05-hoi-nghi-bch-scan.pdf"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "review-document-view.png")
    args = parser.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from pipelines.core.store import corrections as cx
    from pipelines.core.store.location import parse
    from pipelines.review.server import prepare

    work = Path(tempfile.mkdtemp(prefix="review-shot-"))
    (work / "raw").mkdir()
    shutil.copy(SCAN, work / "raw")
    env = dict(os.environ, DAGSTER_HOME=str(work / "dagster"))
    subprocess.run([str(Path(sys.executable).with_name("archive")), "ingest", str(work / "raw"), "-w", str(work / "wh")],
                   env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prepared = prepare(parse(work / "wh"), "127.0.0.1", port, "Nguyễn Thu Hà")
    with prepared.archive.read() as con:
        document_id, article_id = con.execute("SELECT document_id, article_id FROM articles").fetchone()
    prepared.archive.write(lambda con: cx.save(
        con, article_id=article_id, field="authors", value="Hồng Vân, Minh Anh", expected='["Hồng Vân"]',
        reviewer="Nguyễn Thu Hà", note="ảnh của Minh Anh"))
    server = uvicorn.Server(uvicorn.Config(prepared.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                profile, executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS,
                viewport={"width": 1400, "height": 900})
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/documents/{document_id}?page=1")
            page.locator(f"#f-{article_id}-published_date .value").click()
            page.locator("mark.active-ref").first.wait_for()
            page.evaluate("window.scrollTo(0, 0)")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        shrink(args.out)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        prepared.archive.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out}")
    return 0


def shrink(path: Path) -> None:
    """256 colours, no dithering: a screenshot of flat colours and text loses nothing visible and
    weighs half as much in the repository."""
    from PIL import Image

    with Image.open(path) as shot:
        palette = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
