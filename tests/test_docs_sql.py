"""docs/warehouse.md's search in SQL runs offline as documented: through `archive shell -c`,
and in the plain duckdb command line after the documented LOAD block, with the network cut
(a network namespace of its own, where `unshare` allows it), ranking as `archive search` does."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.core.models import Article, Extraction, Page
from pipelines.core.store import extensions, search
from pipelines.core.store import warehouse as wh

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "warehouse.md"
ARCHIVE = Path(sys.executable).with_name("archive")


def block(marker: str) -> str:
    match = re.search(rf"<!-- {marker}:[^>]*-->\n```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"no ```sql block after <!-- {marker}: … --> in {DOC}"
    return match.group(1)


def offline(command: list[str]) -> list[str]:
    """The command in a network namespace of its own (no network at all), when allowed here."""
    if shutil.which("unshare"):
        for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
            if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
                return [*prefix, *command]
    return command  # no namespaces: the documented settings still forbid a download


def rows(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def make_warehouse(tmp_path: Path) -> Path:
    texts = {
        "a": ("Đà Nẵng mở phòng đọc", "Thư viện thành phố Đà Nẵng mở phòng đọc mới cho thiếu nhi trong dịp hè."),
        "b": ("Năng lực phục vụ", "Năm nay thư viện huyện đã có thêm kinh phí và năng lực phục vụ tăng rõ rệt."),
        "c": ("Hội sách", "Hội sách Đà Nẵng thu hút đông đảo bạn đọc, từ học sinh đến người cao tuổi, trong ba ngày."),
    }
    warehouse = tmp_path / "wh"
    with wh.connect(warehouse) as con:
        for key, (title, body) in texts.items():
            wh.load_document(con, Extraction(key, "text/plain", "ok", pages=[Page(1, "text", body)],
                                             articles=[Article(1, title, body, 1, 1)]),
                             source_path=f"/raw/{key}.txt", byte_size=1, pipeline_version="t")
        expected = [h.title for h in search.search(con, "da nang")]
    return warehouse, expected


def test_the_documented_search_runs_in_archive_shell_offline(tmp_path):
    warehouse, expected = make_warehouse(tmp_path)
    done = subprocess.run(offline([str(ARCHIVE), "shell", "-w", str(warehouse), "-csv", "-c", block("search-sql")]),
                          capture_output=True, text=True, timeout=180, cwd=tmp_path, env=dict(os.environ, HOME=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert [r["title"] for r in rows(done.stdout)] == expected
    assert expected[:2] == ["Đà Nẵng mở phòng đọc", "Hội sách"]


def test_the_documented_load_lets_the_plain_duckdb_cli_search_offline(tmp_path):
    import duckdb_cli

    warehouse, expected = make_warehouse(tmp_path)
    location = wh.location_of(warehouse)
    load = block("load-sql")
    assert "LOAD ducklake" in load and "autoinstall_known_extensions = false" in load
    load = re.sub(r"extension_directory = '[^']*'", f"extension_directory = '{extensions.extension_directory()}'", load)
    load = load.replace("'ducklake:sqlite:warehouse/catalog.sqlite'", f"'{location.attach_uri}'")
    binary = Path(duckdb_cli.__file__).with_name("duckdb")
    done = subprocess.run(offline([str(binary), "-csv", "-c", load + block("search-sql")]),
                          capture_output=True, text=True, timeout=180, cwd=tmp_path, env=dict(os.environ, HOME=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert [r["title"] for r in rows(done.stdout)] == expected
