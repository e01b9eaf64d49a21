"""Access copies of the shared corpus's real Vietnamese scans (written by others, not in the
repository): every copy is made, PDF/A-2b, with the source's images at their pixel size and
the warehouse's text. Needs ../shared/corpus; skips with a message elsewhere."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from pipelines.core.text.metrics import cer
from tests.conftest import needs_tesseract, open_warehouse, shared_path

pytestmark = [pytest.mark.corpus, pytest.mark.slow, needs_tesseract,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")]
ARCHIVE = Path(sys.executable).with_name("archive")


def test_real_scans_get_searchable_pdfa_copies_and_stay_untouched(tmp_path):
    folder = shared_path("corpus", "vietnamese")
    names = ["vietsample2.png", "vietsample1.tif", "vietsample1.pdf"]
    hashes = {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names}
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "ARCHIVE_WAREHOUSE": str(tmp_path / "wh"),
           "OMP_THREAD_LIMIT": "1"}
    ingested = subprocess.run([str(ARCHIVE), "ingest", *(str(folder / n) for n in names)], env=env,
                              capture_output=True, text=True, timeout=1800)
    assert ingested.returncode in (0, 1), ingested.stderr
    made = subprocess.run([str(ARCHIVE), "pdf", "--all"], env=env, capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout + made.stderr
    with open_warehouse(tmp_path / "wh") as con:
        rows = con.execute(
            """SELECT d.file_name, d.media_type, c.path, c.status, c.pdfa_part,
                      (SELECT string_agg(text, ' ' ORDER BY page_number) FROM v_pages p
                       WHERE p.document_id = d.document_id AND p.method = 'ocr') AS text
               FROM access_copies c JOIN documents d USING (document_id)""").fetchall()
    assert rows
    for name, media_type, path, status, pdfa_part, text in rows:
        assert status == "ok" and pdfa_part == "2b", (name, status)
        copied = subprocess.run(["pdftotext", "-raw", path, "-"], capture_output=True, text=True).stdout
        assert cer(" ".join(text.split()), " ".join(copied.split())) <= 0.01, name
        if media_type.startswith("image/"):
            with Image.open(folder / name) as source, pikepdf.open(path) as pdf:
                image = next(x for x in pdf.pages[0].Resources.XObject.values() if x.Subtype == "/Image")
                assert (int(image.Width), int(image.Height)) == source.size
    assert {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in names} == hashes
