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


def test_one_ingestion_hashes_a_file_once_however_often_it_scans(tmp_path, monkeypatch):
    import hashlib

    from pipelines.core.runtime import plan

    path = write(tmp_path / "ban-tin.pdf", b"%PDF-1.4 " + b"x" * 5000)
    hashed = []
    real = files.sha256_file
    monkeypatch.setattr(files, "sha256_file", lambda p, *a, **k: hashed.append(p) or real(p, *a, **k))
    first = plan.scan_file(path, known={})
    second = plan.scan_file(path, known={})  # the read-ahead, then the run's own scans
    assert hashed == [path]
    assert first == second and first.document_id == hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.media_type == "application/pdf"


def test_a_file_rewritten_with_its_old_size_and_time_is_hashed_again(tmp_path):
    import hashlib
    import os
    import time

    from pipelines.core.runtime import plan

    path = write(tmp_path / "ban-tin.pdf", b"%PDF-1.4 " + b"a" * 5000)
    before = plan.scan_file(path, known={})
    stat = path.stat()
    time.sleep(0.05)  # past the file system's clock tick, so the change time moves
    path.write_bytes(b"%PDF-1.4 " + b"b" * 5000)  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old modification time put back
    after = plan.scan_file(path, known={})
    assert after.document_id == hashlib.sha256(path.read_bytes()).hexdigest() != before.document_id
