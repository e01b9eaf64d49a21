from pathlib import Path

from pipelines.core.read import files


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_media_type_comes_from_the_bytes_not_the_name(tmp_path):
    png = write(tmp_path / "really-a-png.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    pdf = write(tmp_path / "scan.bin", b"%PDF-1.4\n%...")
    late_header = write(tmp_path / "late.pdf", b"garbage before the header\n%PDF-1.7\n")
    tiff = write(tmp_path / "page.TIF", b"II*\x00" + b"\0" * 8)
    text = write(tmp_path / "note.txt", "Hội Thư viện".encode())
    junk = write(tmp_path / "random.pdf", bytes(range(256)))
    assert files.sniff_media_type(png) == "image/png"
    assert files.sniff_media_type(pdf) == "application/pdf"
    assert files.sniff_media_type(late_header) == "application/pdf"
    assert files.sniff_media_type(tiff) == "image/tiff"
    assert files.sniff_media_type(text) == "text/plain"
    assert files.sniff_media_type(junk) is None


def test_reasons_for_unreadable_files_are_plain_sentences(tmp_path):
    assert files.unsupported_reason(tmp_path / "x.pdf", 0) == "empty file (0 bytes)"
    assert "no PDF header" in files.unsupported_reason(tmp_path / "x.pdf", 10)
    assert "'.docx' files are not read" in files.unsupported_reason(tmp_path / "x.docx", 10)


def test_discover_walks_folders_and_reports_missing_paths(tmp_path):
    a = write(tmp_path / "in" / "a b.txt", b"x")
    b = write(tmp_path / "in" / "sub" / "Thư viện.pdf", b"%PDF-")
    found, problems = files.discover([tmp_path / "in", tmp_path / "nope"])
    assert found == sorted([a, b])
    assert problems == [(tmp_path / "nope", "no such file or folder")]


def test_sha256_matches_hashlib(tmp_path):
    import hashlib

    data = b"bulletin" * 100_000
    path = write(tmp_path / "f", data)
    assert files.sha256_file(path, chunk_size=4096) == hashlib.sha256(data).hexdigest()


def test_one_file_is_read_per_new_document(tmp_path):
    from pipelines.core.runtime.plan import ScannedFile, documents_to_read

    files_ = [ScannedFile("/a", 1, None, "d1"), ScannedFile("/b", 1, None, "d1"), ScannedFile("/c", 1, None, "d2"),
              ScannedFile("/d", 1, None, "d3", unchanged=True)]
    assert [f.source_path for f in documents_to_read(files_, known_documents={"d2"})] == ["/a"]
    assert [f.source_path for f in documents_to_read(files_, known_documents=set())] == ["/a", "/c"]
