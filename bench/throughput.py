"""Throughput of `archive ingest` against the reference tools, on the same pages, in one run.

    .venv/bin/python bench/throughput.py [--scans 48] [--pdfs 10] [--only scans|born-digital]

Scans: 48 distinct A4 pages at 300 dpi (Vietnamese articles drawn from the metadata test set
and the seed bulletin, each page with its own text, size of type, skew, blur and specks; every
third bi-level), given as 48 one-page PNG files and as one 48-page image-only PDF. Reference:
the plain `tesseract` command (`-l vie --psm 3`), one process per core, OMP_THREAD_LIMIT=1, on
the 48 PNGs, run before, between and after the pipeline's runs (their mean is the baseline).

Born-digital: N distinct 40-page bulletins (fpdf2, as the project's samples: titles, bylines,
justified body) and one 40-page two-column bulletin. References on the same PDFs: pypdfium2's
plain text extraction (`get_text_range`, every page) and poppler's `pdftotext`, each one
process per core, and `archive ingest` on an empty folder (its start-up).

Every `archive ingest` runs in a fresh process on a fresh warehouse and Dagster instance.
Times are wall seconds and CPU seconds (the process and everything it started); the machine
is shared, so the figures to compare are the ratios between runs of the same invocation.
Test data is built once into bench/results/throughput-data/. Writes bench/results/throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_result  # noqa: E402  (bench/ is on sys.path when run as a script)

DATA = ROOT / "bench" / "results" / "throughput-data"
ARCHIVE = Path(sys.executable).with_name("archive")
CORES = os.cpu_count() or 1


# --------------------------------------------------------------------------------- test data


def _pool() -> tuple[list[str], list[str], list[str]]:
    """Titles, body paragraphs and bylines of the 40 hand-written articles and the seed."""
    from pipelines.samples import _is_byline, seed_blocks

    data = json.loads((ROOT / "tests" / "data" / "metadata_eval.json").read_text(encoding="utf-8"))
    titles, paragraphs, bylines = [], [], []
    for issue in data["issues"]:
        for article in issue["articles"]:
            if article.get("title"):
                titles.append(article["title"])
            for p in article["text"].split("\n\n"):
                p = " ".join(p.split())
                if p and p != article.get("title"):
                    (bylines if _is_byline(p) else paragraphs).append(p)
    for block in seed_blocks((ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")):
        {"title": titles, "body": paragraphs, "byline": bylines}.get(block.kind, paragraphs).append(block.text)
    return titles, paragraphs, bylines


def _fits(blocks, dpi: int, body: float) -> bool:
    from PIL import Image, ImageDraw

    from pipelines.samples import _draw_blocks, _styles

    size = (round(8.27 * dpi), round(11.69 * dpi))
    try:
        _draw_blocks(ImageDraw.Draw(Image.new("L", size, 255)), blocks, size, dpi, _styles(16, body))
        return True
    except ValueError:
        return False


def _page_blocks(rng: random.Random, number: int, pool, body: float, dpi: int):
    """A masthead, a title, body paragraphs filling the page, a byline."""
    from pipelines.samples import Block

    titles, paragraphs, bylines = pool
    blocks = [Block(f"BẢN TIN HỘI THƯ VIỆN VIỆT NAM - Số {number}/20{10 + number % 12} - Trang {number}", "masthead"),
              Block(rng.choice(titles), "title")]
    byline = Block(rng.choice(bylines), "byline")
    order = paragraphs[:]
    rng.shuffle(order)
    for p in order:
        if _fits(blocks + [Block(p, "body"), byline], dpi, body):
            blocks.append(Block(p, "body"))
            continue
        words, low, high = p.split(), 0, len(p.split())  # the last paragraph, cut to what fits
        while low < high:
            middle = (low + high + 1) // 2
            if _fits(blocks + [Block(" ".join(words[:middle]), "body"), byline], dpi, body):
                low = middle
            else:
                high = middle - 1
        if low >= 8:
            blocks.append(Block(" ".join(words[:low]), "body"))
        break
    return blocks + [byline]


def scan_set(count: int, dpi: int = 300) -> tuple[list[Path], Path, list[str]]:
    """``count`` distinct page images (PNG), the same pages as one PDF, and their true texts."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    from pipelines.samples import render_page_image

    folder = DATA / f"scans-{count}"
    pngs = [folder / "png" / f"page-{i:02d}.png" for i in range(1, count + 1)]
    pdf = folder / f"scan{count}.pdf"
    truths = [folder / "truth" / f"page-{i:02d}.txt" for i in range(1, count + 1)]
    if not (pdf.exists() and all(p.exists() for p in pngs + truths)):
        print(f"building {count} scanned pages in {folder} (a few minutes, once)", flush=True)
        for sub in ("png", "truth"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        pool = _pool()
        merged = pdfium.PdfDocument.new()
        for i, (png, truth) in enumerate(zip(pngs, truths), start=1):
            rng = random.Random(1000 + i)
            body = (10, 11, 12)[i % 3]
            blocks = _page_blocks(rng, i, pool, body, dpi)
            image = render_page_image(blocks, dpi=dpi, body_size=body, skew_deg=round(rng.uniform(-1.5, 1.5), 2),
                                      blur=rng.choice((0.5, 0.8, 1.0)), noise=rng.choice((0.005, 0.01, 0.02)),
                                      bilevel=(i % 3 == 0), seed=i)
            image.save(png, dpi=(dpi, dpi))
            truth.write_text("\n\n".join(b.text for b in blocks) + "\n", encoding="utf-8")
            # stored as write_scanned_pdf stores pages: G4 when bi-level, else JPEG
            buffer = io.BytesIO()
            image.save(buffer, format="PDF", resolution=float(dpi), **({} if image.mode == "1" else {"quality": 75}))
            merged.import_pages(pdfium.PdfDocument(buffer.getvalue()))
            Image.Image.close(image)
        merged.save(str(pdf))
    return pngs, pdf, [t.read_text(encoding="utf-8") for t in truths]


def born_digital_set(count: int) -> list[Path]:
    """``count`` distinct 40-page bulletins and one 40-page two-column bulletin."""
    from fpdf import FPDF

    from pipelines.samples import FIXED_DATE, Block, find_font, write_text_pdf

    folder = DATA / f"born-digital-{count}"
    paths = [folder / f"text40-{i:02d}.pdf" for i in range(1, count + 1)] + [folder / "columns40.pdf"]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    titles, paragraphs, bylines = _pool()
    for i, path in enumerate(paths[:-1], start=1):
        rng, pages = random.Random(i), []
        while len(pages) < 40:
            order = paragraphs[:]
            rng.shuffle(order)
            blocks = [Block(f"BẢN TIN HỘI THƯ VIỆN VIỆT NAM - Số {i} - Trang {len(pages) + 1}", "masthead"),
                      Block(rng.choice(titles), "title")]
            size = 0
            for p in order:
                if size + len(p) > 2000:
                    break
                blocks.append(Block(p, "body"))
                size += len(p)
            pages.append(blocks + [Block(rng.choice(bylines), "byline")])
        write_text_pdf(path, pages)
    rng = random.Random(count + 1)
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("serif", "", str(find_font()))
    pdf.add_font("serif", "B", str(find_font(bold=True)))
    pdf.set_creation_date(FIXED_DATE)
    for _ in range(40):
        pdf.add_page()
        pdf.set_font("serif", "B", 16)
        pdf.set_xy(50, 50)
        pdf.cell(495, 24, rng.choice(titles)[:48], align="C")
        pdf.set_font("serif", "", 10)
        for x in (50, 315):
            text, order = "", paragraphs[:]
            rng.shuffle(order)
            for p in order:
                if len(text) + len(p) > 1700:
                    break
                text += p + "\n"
            pdf.set_xy(x, 100)
            pdf.multi_cell(230, 13, text.strip(), align="J")
    pdf.output(str(paths[-1]))
    return paths


# ------------------------------------------------------------------------------------ timing


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _adopt_orphans() -> None:
    """Become the subreaper of everything this process starts (Linux): a process an `archive`
    leaves behind (multiprocessing's forkserver, which reaps the readers) is then reparented to
    this one instead of init, and its CPU time, readers included, is counted once it is reaped."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap(deadline_s: float = 30.0) -> None:
    """Wait for the orphans of the last run to exit (their CPU then counts as our children's)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def timed(run) -> dict:
    """Wall and CPU seconds of ``run()``: the CPU of every process it started, the readers of
    an `archive ingest` included (they run under a forkserver the command leaves to exit by
    itself; see _adopt_orphans)."""
    load = os.getloadavg()[0]
    cpu, wall = _children_cpu(), time.perf_counter()
    extra = run() or {}
    wall_s = time.perf_counter() - wall
    _reap()
    return {"wall_s": round(wall_s, 2), "cpu_s": round(_children_cpu() - cpu, 2),
            "load_before": round(load, 1), **extra}


def in_parallel(commands: list[list[str]], env: dict | None = None) -> None:
    """Each command once, one process per core at a time."""
    def run(command):
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    with ThreadPoolExecutor(CORES) as pool:
        list(pool.map(run, commands))


def tesseract(pngs: list[Path], out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return timed(lambda: in_parallel([["tesseract", str(p), str(out / p.stem), "-l", "vie", "--psm", "3"] for p in pngs], env))


def ingest(paths: list[Path], work: Path) -> dict:
    """`archive ingest` in a fresh process, warehouse and Dagster instance."""
    work.mkdir(parents=True)
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster"), "ARCHIVE_WAREHOUSE": str(work / "warehouse")}

    window = []

    def run():
        window.append(time.time())
        done = subprocess.run([str(ARCHIVE), "ingest", *map(str, paths)], env=env, capture_output=True, text=True,
                              cwd=work)
        window.append(time.time())
        if done.returncode not in (0, 1):
            raise SystemExit(f"archive ingest failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return {}

    row = timed(run)
    row["phases"] = run_phases(work, *window)  # read after the timing: importing Dagster here is not the run's time
    return row


def run_phases(work: Path, started: float, ended: float) -> dict:
    """Wall seconds of an `archive ingest`, phase by phase, from its Dagster runs' start and end
    times: ``start_up`` (the process start to the first run's start), each run's own length in
    order (``read_files``, ``load_warehouse``), the gaps between them, and ``after`` (the last
    run's end to the process's exit). What does not overlap the reading shows here."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(work / "dagster")
    with dg.DagsterInstance.get() as instance:
        runs = sorted((r for r in instance.get_run_records() if r.start_time and r.end_time), key=lambda r: r.start_time)
    phases, last = {}, started
    for record in runs:
        name = record.dagster_run.job_name
        phases["start_up" if not phases else f"before_{name}"] = round(record.start_time - last, 2)
        phases[name] = round(record.end_time - record.start_time, 2)
        last = record.end_time
    phases["after"] = round(ended - last, 2)
    return phases


def warehouse_pages(work: Path) -> list[tuple[str, int, str, str]]:
    """(file name, page number, method, text) of every page the run loaded."""
    from pipelines.core.store import warehouse as wh

    with wh.connect(work / "warehouse", read_only=True) as con:
        return con.execute("SELECT d.file_name, p.page_number, p.method, p.text FROM pages p JOIN documents d "
                           "USING (document_id) ORDER BY d.file_name, p.page_number").fetchall()


def run_stages(work: Path) -> dict:
    """The stage times the read run recorded on its `files_read` check, and the load's."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(work / "dagster")
    with dg.DagsterInstance.get() as instance:
        figures = {}
        records = instance.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.ASSET_CHECK_EVALUATION), limit=50)
        for record in records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data
            if evaluation.check_name == "files_read" and "stage_seconds" in evaluation.metadata:
                figures = dict(evaluation.metadata["stage_seconds"].value)
        records = instance.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION), limit=200)
        for record in records:
            metadata = record.event_log_entry.asset_materialization.metadata
            if "load_seconds" in metadata:
                figures["load"] = metadata["load_seconds"].value
        return figures


# ------------------------------------------------------------------------------------ scans


def bench_scans(count: int, work: Path) -> dict:
    from pipelines.core.text.metrics import cer

    pngs, pdf, truths = scan_set(count)
    runs = []

    def baseline(label):
        row = tesseract(pngs, work / label)
        texts = [(work / label / f"{p.stem}.txt").read_text(encoding="utf-8") for p in pngs]
        row.update(what=f"tesseract CLI x{CORES}", cer=round(sum(cer(t, x) for t, x in zip(truths, texts)) / count, 5))
        runs.append(row)
        print(json.dumps(row), flush=True)

    def pipeline(label, paths, what):
        row = ingest(paths, work / label)
        pages = warehouse_pages(work / label)
        texts = ["\n\n".join(text for name, _n, _m, text in pages if name == p.name) for p in pngs] if len(paths) > 1 \
            else [text for _name, _n, _m, text in pages]
        row.update(what=what, pages=len(pages), methods=sorted({m for *_x, m, _t in pages}),
                   cer=round(sum(cer(t, x) for t, x in zip(truths, texts)) / count, 5), stages=run_stages(work / label))
        runs.append(row)
        print(json.dumps(row), flush=True)

    baseline("tesseract-1")
    pipeline("ingest-files", pngs, f"archive ingest: {count} one-page PNG files")
    baseline("tesseract-2")
    pipeline("ingest-pdf", [pdf], f"archive ingest: one {count}-page PDF")
    baseline("tesseract-3")
    base = [r for r in runs if r["what"].startswith("tesseract")]
    base_wall = sum(r["wall_s"] for r in base) / len(base)
    base_cpu = sum(r["cpu_s"] for r in base) / len(base)
    summary = {"pages": count, "cores": CORES, "baseline_pages_per_min": round(60 * count / base_wall, 1),
               "baseline_cpu_s_per_page": round(base_cpu / count, 3), "runs": runs}
    for row in runs:
        if row["what"].startswith("archive"):
            row["pages_per_min"] = round(60 * count / row["wall_s"], 1)
            row["x_tesseract_wall"] = round(base_wall / row["wall_s"], 3)
            row["x_tesseract_cpu"] = round(base_cpu / row["cpu_s"], 3)
    files, one = runs[1], runs[3]
    summary["files_vs_pdf_wall"] = round(files["wall_s"] / one["wall_s"], 3)
    summary["files_vs_pdf_cpu"] = round(files["cpu_s"] / one["cpu_s"], 3)
    return summary


# ----------------------------------------------------------------------------- born-digital

PDFIUM_TEXT = """
import sys, pypdfium2 as pdfium
for path in sys.argv[1:]:
    document = pdfium.PdfDocument(path)
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    document.close()
"""


def bench_born_digital(count: int, work: Path) -> dict:
    pdfs = born_digital_set(count)
    import pypdfium2 as pdfium

    pages = sum(len(pdfium.PdfDocument(str(p))) for p in pdfs)
    empty = work / "empty"
    empty.mkdir(parents=True)
    runs = []

    def add(what, row):
        row.update(what=what, pages_per_s=round(pages / row["wall_s"], 1), cpu_ms_per_page=round(1000 * row["cpu_s"] / pages, 2))
        runs.append(row)
        print(json.dumps(row), flush=True)

    halves = [pdfs[i::CORES] for i in range(CORES)]
    for attempt in (1, 2):
        add(f"pdftotext x{CORES}", timed(lambda: in_parallel(
            [["sh", "-c", 'for f in "$@"; do pdftotext "$f" /dev/null; done', "_", *map(str, h)] for h in halves])))
        add(f"pypdfium2 get_text_range x{CORES}", timed(lambda: in_parallel(
            [[sys.executable, "-c", PDFIUM_TEXT, *map(str, h)] for h in halves])))
        add("archive ingest: an empty folder (start-up)", ingest([empty], work / f"startup-{attempt}"))
        row = ingest(pdfs, work / f"ingest-{attempt}")
        loaded = warehouse_pages(work / f"ingest-{attempt}")
        row.update(methods=sorted({m for *_x, m, _t in loaded}), pages_loaded=len(loaded), stages=run_stages(work / f"ingest-{attempt}"))
        add(f"archive ingest: {len(pdfs)} PDFs, {pages} pages", row)
    def mean(prefix, key):
        rows = [r for r in runs if r["what"].startswith(prefix)]
        return sum(r[key] for r in rows) / len(rows)

    ingest_wall, startup = mean("archive ingest: " + str(len(pdfs)), "wall_s"), mean("archive ingest: an empty", "wall_s")
    ingest_cpu = mean("archive ingest: " + str(len(pdfs)), "cpu_s")
    return {
        "pdfs": len(pdfs), "pages": pages, "cores": CORES,
        "pipeline_pages_per_s": round(pages / ingest_wall, 1),
        "pipeline_pages_per_s_after_startup": round(pages / max(0.01, ingest_wall - startup), 1),
        "x_pypdfium2_wall": round(mean("pypdfium2", "wall_s") / ingest_wall, 3),
        "x_pypdfium2_cpu": round(mean("pypdfium2", "cpu_s") / ingest_cpu, 3),
        "x_pdftotext_wall": round(mean("pdftotext", "wall_s") / ingest_wall, 3),
        "x_pdftotext_cpu": round(mean("pdftotext", "cpu_s") / ingest_cpu, 3),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=48, help="distinct scanned pages (default 48)")
    parser.add_argument("--pdfs", type=int, default=10, help="distinct 40-page born-digital PDFs (default 10)")
    parser.add_argument("--only", choices=("scans", "born-digital"))
    args = parser.parse_args()
    _adopt_orphans()
    result = {"cores": CORES}
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        if args.only != "born-digital":
            result["scans"] = bench_scans(args.scans, Path(tmp) / "scans")
            print(json.dumps({k: v for k, v in result["scans"].items() if k != "runs"}), flush=True)
        if args.only != "scans":
            result["born_digital"] = bench_born_digital(args.pdfs, Path(tmp) / "born-digital")
            print(json.dumps({k: v for k, v in result["born_digital"].items() if k != "runs"}), flush=True)
        shutil.rmtree(tmp, ignore_errors=True)
    write_result("throughput", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
