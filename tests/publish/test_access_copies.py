"""Access copies end to end: files made here with known text are ingested (OCR), then
`archive pdf` makes their copies. What a reader gets is checked with poppler (pdftotext,
pdfimages) and pikepdf: the text, the images, where the words are, the PDF/A metadata, the
text page of a mixed PDF, nothing rebuilt on a second run, the raw files untouched."""

from __future__ import annotations

import hashlib
import html
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from pipelines import samples
from pipelines.core.text.metrics import cer
from tests.conftest import needs_tesseract, open_warehouse

pytestmark = [needs_tesseract,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")]

ARCHIVE = Path(sys.executable).with_name("archive")
TEXT = """TIN HOẠT ĐỘNG

Hội nghị Ban Chấp hành Hội Thư viện Việt Nam

Ngày 22/5/2014, tại Viện Thông tin Khoa học Xã hội, Hội Thư viện Việt Nam đã tổ chức hội nghị Ban Chấp hành lần thứ ba. Các đại biểu đã thảo luận về kế hoạch phát triển thư viện công cộng ở các tỉnh miền núi phía Bắc, về việc số hóa tài liệu quý hiếm và về chương trình bồi dưỡng nghiệp vụ cho cán bộ thư viện cấp huyện.

Tin, ảnh: Hồng Vân"""
SKEW = 3.0


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(ARCHIVE), *args], env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Raw files (upright, upside down, skewed at 200 dpi, a TIFF, a scanned PDF, a mixed PDF),
    ingested; their copies made once."""
    base = tmp_path_factory.mktemp("access")
    raw = base / "raw"
    blocks = samples.seed_blocks(TEXT)
    upright = samples.render_page_image(blocks, dpi=200)
    upright.save(raw / "upright.png" if raw.mkdir() is None else None, dpi=(200, 200))
    upright.rotate(180).save(raw / "upside-down.png", dpi=(200, 200))
    samples.render_page_image(blocks, dpi=200, skew_deg=SKEW).save(raw / "skewed.png", dpi=(200, 200))
    samples.write_scanned_tiff(raw / "scan.tif", [blocks], dpi=300)
    samples.write_scanned_pdf(raw / "scan.pdf", [blocks], dpi=300)
    text_pdf = samples.write_text_pdf(base / "text.pdf", [samples.seed_blocks("Lời giới thiệu\n\nBản tin này giới thiệu hoạt động của các thư viện tỉnh trong năm.")])
    with pikepdf.open(text_pdf) as mixed, pikepdf.open(raw / "scan.pdf") as scan:
        mixed.pages.extend(scan.pages)
        mixed.save(raw / "mixed.pdf")
    env = {**os.environ, "DAGSTER_HOME": str(base / "dagster"), "ARCHIVE_WAREHOUSE": str(base / "wh"),
           "OMP_THREAD_LIMIT": "1"}
    hashes = {p.name: sha(p) for p in raw.iterdir()}
    done = run("ingest", str(raw), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    first = run("pdf", "--all", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    with open_warehouse(base / "wh") as con:
        rows = con.execute(
            """SELECT d.file_name, c.path, c.status, c.pages, c.pdfa_part, c.sha256, d.document_id
               FROM access_copies c JOIN documents d USING (document_id)""").fetchall()
    copies = {r[0]: {"path": Path(r[1]), "status": r[2], "pages": r[3], "pdfa": r[4], "sha256": r[5], "id": r[6]}
              for r in rows}
    return {"base": base, "raw": raw, "env": env, "hashes": hashes, "first": first.stdout, "copies": copies}


def page_text(archive, name: str, page: int = 1) -> str:
    with open_warehouse(archive["base"] / "wh") as con:
        return con.execute("SELECT p.text FROM v_pages p JOIN documents d USING (document_id) "
                           "WHERE d.file_name = ? AND p.page_number = ?", [name, page]).fetchone()[0]


def pdftotext(path: Path, page: int = 1, *extra: str) -> str:
    return subprocess.run(["pdftotext", *extra, "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    return " ".join(text.split())


def word_boxes(path: Path) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    """Centres (points from the top left) of the words that occur once on page 1, and the page size."""
    out = pdftotext(path, 1, "-bbox")
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    found: dict[str, list] = {}
    for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out):
        found.setdefault(html.unescape(word), []).append(((float(x0) + float(x1)) / 2, (float(y0) + float(y1)) / 2))
    return {w: c[0] for w, c in found.items() if len(c) == 1 and len(w) >= 4}, (float(size[1]), float(size[2]))


def images(page) -> list:
    return [x for x in page.Resources.XObject.values() if x.Subtype == "/Image"]


def test_every_ocr_document_gets_a_pdfa_copy_and_text_documents_none(archive):
    copies = archive["copies"]
    assert set(copies) == {"upright.png", "upside-down.png", "skewed.png", "scan.tif", "scan.pdf", "mixed.pdf"}
    for name, copy in copies.items():
        assert copy["status"] == "ok" and copy["pdfa"] == "2b", (name, copy)
        assert copy["path"].parent == archive["base"] / "wh" / "access"
        assert sha(copy["path"]) == copy["sha256"]
    assert copies["mixed.pdf"]["pages"] == 2


def test_the_copy_text_is_the_warehouse_text(archive):
    for name in ("scan.tif", "scan.pdf", "upright.png"):
        copied = squash(pdftotext(archive["copies"][name]["path"], 1, "-raw"))
        stored = squash(page_text(archive, name))
        assert cer(stored, copied) <= 0.01, (name, stored, copied)
    # the default (layout) mode too, on a straight page
    assert cer(squash(page_text(archive, "scan.tif")), squash(pdftotext(archive["copies"]["scan.tif"]["path"]))) <= 0.01
    assert "Hội Thư viện Việt Nam" in pdftotext(archive["copies"]["scan.tif"]["path"])  # NFC, searchable as typed


def test_page_images_are_the_sources_own(archive):
    raw, copies = archive["raw"], archive["copies"]
    for name in ("upright.png", "upside-down.png", "skewed.png", "scan.tif"):
        with Image.open(raw / name) as source, pikepdf.open(copies[name]["path"]) as pdf:
            (image,) = images(pdf.pages[0])
            assert (int(image.Width), int(image.Height)) == source.size, name
    with pikepdf.open(raw / "scan.pdf") as source, pikepdf.open(copies["scan.pdf"]["path"]) as pdf:
        (before,) = images(source.pages[0])
        (after,) = images(pdf.pages[0])
        assert after.read_raw_bytes() == before.read_raw_bytes()  # not even re-encoded


def test_the_text_page_of_a_mixed_pdf_is_kept_as_it_is(archive):
    with pikepdf.open(archive["raw"] / "mixed.pdf") as source, pikepdf.open(archive["copies"]["mixed.pdf"]["path"]) as pdf:
        assert pdf.pages[0].Contents.read_bytes() == source.pages[0].Contents.read_bytes()
        assert "/FArchiveOCR" not in pdf.pages[0].Resources.Font
        assert "/FArchiveOCR" in pdf.pages[1].Resources.Font
    path = archive["copies"]["mixed.pdf"]["path"]
    assert pdftotext(path, 1) == pdftotext(archive["raw"] / "mixed.pdf", 1)
    assert "Hội Thư viện Việt Nam" in pdftotext(path, 2)


def _check_moved(expected_of, copy_path: Path, upright_path: Path) -> None:
    upright, size = word_boxes(upright_path)
    moved, moved_size = word_boxes(copy_path)
    assert moved_size == pytest.approx(size, abs=1)
    common = set(upright) & set(moved)
    assert len(common) >= 10, sorted(moved)
    for word in common:
        x, y = expected_of(*upright[word], size)
        assert abs(moved[word][0] - x) <= 0.01 * size[0] and abs(moved[word][1] - y) <= 0.01 * size[1], word


def test_words_of_an_upside_down_page_lie_on_their_ink(archive):
    """The page OCR turned upright: each word of the copy is where the same word of the upright
    scan is, turned half a turn about the page centre."""
    def expected(x, y, size):
        return size[0] - x, size[1] - y

    with open_warehouse(archive["base"] / "wh") as con:
        steps = con.execute("SELECT p.cleanup FROM pages p JOIN documents d USING (document_id) "
                            "WHERE d.file_name = 'upside-down.png'").fetchone()[0]
    assert "orientation:180" in steps
    _check_moved(expected, archive["copies"]["upside-down.png"]["path"], archive["copies"]["upright.png"]["path"])


def test_words_of_a_skewed_page_lie_on_their_ink(archive):
    """The page drawn tilted SKEW degrees (as Pillow turns it, about its centre, anticlockwise):
    each word's centre is the upright scan's, turned the same way."""
    theta = math.radians(SKEW)

    def expected(x, y, size):
        cx, cy = size[0] / 2, size[1] / 2
        return (cx + (x - cx) * math.cos(theta) + (y - cy) * math.sin(theta),
                cy - (x - cx) * math.sin(theta) + (y - cy) * math.cos(theta))

    with open_warehouse(archive["base"] / "wh") as con:
        steps = con.execute("SELECT p.cleanup FROM pages p JOIN documents d USING (document_id) "
                            "WHERE d.file_name = 'skewed.png'").fetchone()[0]
    assert "deskew" in steps and "upsample:200->300" in steps
    _check_moved(expected, archive["copies"]["skewed.png"]["path"], archive["copies"]["upright.png"]["path"])


def test_xmp_declares_pdfa_2b_with_the_title_and_an_output_intent(archive):
    with open_warehouse(archive["base"] / "wh") as con:
        title = con.execute("SELECT title FROM v_articles a JOIN documents d USING (document_id) "
                            "WHERE d.file_name = 'scan.tif' ORDER BY seq LIMIT 1").fetchone()[0]
    with pikepdf.open(archive["copies"]["scan.tif"]["path"]) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == title
        assert meta["dc:creator"] == ["Hồng Vân"]
        assert str(pdf.docinfo["/Title"]) == title
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and int(intent.DestOutputProfile.N) == 3
        assert pdf.trailer.ID and not pdf.is_encrypted
        for name, font in pdf.pages[0].Resources.Font.items():
            assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor, name


def test_running_again_builds_nothing_and_raw_files_are_untouched(archive):
    stamps = {name: c["path"].stat().st_mtime_ns for name, c in archive["copies"].items()}
    again = run("pdf", "--all", env=archive["env"])
    assert again.returncode == 0, again.stderr
    assert "built" not in again.stdout and again.stdout.count("up to date") >= len(stamps)
    assert {name: c["path"].stat().st_mtime_ns for name, c in archive["copies"].items()} == stamps
    assert {p.name: sha(p) for p in archive["raw"].iterdir()} == archive["hashes"]


def test_corrections_flow_into_the_copy(archive):
    from pipelines.core.store import corrections
    from pipelines.core.store import warehouse as wh

    copy = archive["copies"]["scan.tif"]
    with wh.connect(archive["base"] / "wh") as con:
        text = con.execute("SELECT text FROM pages WHERE document_id = ? AND page_number = 1", [copy["id"]]).fetchone()[0]
        article = con.execute("SELECT article_id, title FROM articles WHERE document_id = ? ORDER BY seq LIMIT 1",
                              [copy["id"]]).fetchone()
        corrections.save(con, field="text", value=text.replace("Hồng Vân", "Hồng Vân Nguyễn"), expected=text,
                         reviewer="test", document_id=copy["id"], page_number=1)
        corrections.save(con, field="title", value="Hội nghị Ban Chấp hành (đã sửa)", expected=article[1],
                         reviewer="test", article_id=article[0])
    done = run("pdf", str(archive["raw"] / "scan.tif"), env=archive["env"])
    assert done.returncode == 0 and "built" in done.stdout, done.stdout + done.stderr
    assert "Hồng Vân Nguyễn" in pdftotext(copy["path"], 1, "-raw")
    with pikepdf.open(copy["path"]) as pdf:
        meta = pdf.open_metadata()
        assert "(đã sửa)" in (meta["dc:title"] + (meta.get("dc:description") or ""))


def test_a_raw_file_changed_since_ingestion_is_a_recorded_failure(archive, tmp_path):
    moved = archive["raw"] / "upright.png"
    keep = tmp_path / "keep.png"
    shutil.copy2(moved, keep)
    try:
        moved.write_bytes(b"not the same bytes")
        done = run("pdf", str(moved), "--force", env=archive["env"])
    finally:
        shutil.copy2(keep, moved)
    assert done.returncode == 1
    assert "changed since it was read" in done.stdout
    with open_warehouse(archive["base"] / "wh") as con:
        status, note = con.execute("SELECT status, note FROM access_copies WHERE document_id = ?",
                                   [archive["copies"]["upright.png"]["id"]]).fetchone()
    assert status == "failed" and "changed since it was read" in note


def test_the_dagster_asset_makes_the_same_copies(archive):
    """`access_copies`, one partition per source file as `document`: up to date copies are not rebuilt."""
    import dagster as dg

    from pipelines.defs.copies import access_copies
    from pipelines.defs.documents import path_to_key
    from pipelines.defs.resources import WarehouseResource

    key = path_to_key(archive["raw"] / "scan.pdf")
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("source_files", [key])
        result = dg.materialize([access_copies], partition_key=key, instance=instance,
                                resources={"warehouse": WarehouseResource(path=str(archive["base"] / "wh"))})
        assert result.success
        metadata = result.asset_materializations_for_node("access_copies")[0].metadata
    assert metadata["up_to_date"].value == 1 and "built" not in metadata


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_legacy_encoded_pdf_gets_a_unicode_text_layer(tmp_path, encoding):
    """The TCVN3/VNI glyphs stay as they were drawn; the copy's text is the repaired Unicode."""
    from pipelines.core.text.encodings import as_text_layer, encode_tcvn3, encode_vni
    from tests.runtime.test_legacy_pipeline import LINES, legacy_pdf

    encode = encode_tcvn3 if encoding == "tcvn3" else encode_vni
    raw = tmp_path / "raw"
    raw.mkdir()
    source = legacy_pdf(raw / f"{encoding}.pdf", [as_text_layer(encode(line)) for line in LINES[:20]])
    before = sha(source)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "ARCHIVE_WAREHOUSE": str(tmp_path / "wh")}
    assert run("ingest", str(raw), env=env).returncode == 0
    done = run("pdf", str(source), env=env)
    assert done.returncode == 0 and "built" in done.stdout, done.stdout + done.stderr
    with open_warehouse(tmp_path / "wh") as con:
        path, pdfa_part, text, method = con.execute(
            "SELECT c.path, c.pdfa_part, p.text, p.method FROM access_copies c JOIN v_pages p USING (document_id) "
            "WHERE p.page_number = 1").fetchone()
    assert method == f"legacy-{encoding}" and pdfa_part == "2b"
    copied = pdftotext(Path(path))
    assert cer(squash(text), squash(copied)) <= 0.01, copied
    assert "Hội Thư viện Việt Nam" in copied and "ViÖt" not in copied
    with pikepdf.open(source) as original, pikepdf.open(path) as pdf:
        contents = [c.read_bytes() for c in pdf.pages[0].Contents]
        assert original.pages[0].Contents.read_bytes() in contents  # the glyphs drawn as before
    assert sha(source) == before
