"""The same code with a PostgreSQL catalog (ARCHIVE_WAREHOUSE=ducklake:postgres:…), as a deployment
on several machines would run it: loads, readers, time travel, search and its cache,
maintenance. Runs against a throwaway PostgreSQL cluster when the server's programs are
installed (skipped otherwise)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.store import maintain, search, search_cache
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import parse
from pipelines.deploy import servers
from tests.helpers import lake_worker


@pytest.fixture(scope="module")
def server():
    """A throwaway PostgreSQL cluster on 127.0.0.1 (pipelines/deploy/servers.py, shared with the
    cluster test and `make cluster-demo`)."""
    missing = [name for name in servers.missing_programs() if name != "redis-server"]
    if missing:
        pytest.skip(f"PostgreSQL's server programs are not installed ({', '.join(missing)})")
    postgres = servers.start_postgres(["archive"])
    try:
        yield f"ducklake:postgres:{postgres.libpq('archive')}"
    finally:
        postgres.stop()


def test_the_same_code_on_a_postgresql_catalog(server, tmp_path, monkeypatch):
    data, state = tmp_path / "shared-data", tmp_path / "state"
    monkeypatch.setenv("ARCHIVE_WAREHOUSE", server)
    monkeypatch.setenv("ARCHIVE_DATA_PATH", str(data))
    monkeypatch.setenv("ARCHIVE_STATE_DIR", str(state))
    location = parse(server, data_path=str(data), state_dir=state)
    with wh.connect(location) as con:
        first = wh.load_batch(con, [lake_worker.document(n) for n in range(4)], pipeline_version="t")
        wh.load_batch(con, [lake_worker.document(n) for n in range(4, 10)], pipeline_version="t")
        assert search_cache.refresh(con, location).state in ("rebuilt", "updated")
    assert list(data.rglob("*.parquet"))  # the data files are in the shared data path
    with wh.connect(location, read_only=True) as con:
        assert wh.counts(con) == {"files": 10, "documents": 10, "pages": 20, "articles": 10}
        assert con.execute(f"SELECT count(*) FROM documents AT (VERSION => {first.snapshot_id})").fetchone() == (4,)
        expected = [(h.article_id, h.score) for h in search.search(con, "hội nghị thư viện lần thứ 7")]
    with search_cache.Searcher(location) as searcher:
        assert [(h.article_id, h.score) for h in searcher.search("hội nghị thư viện lần thứ 7")] == expected
        assert searcher.last_used == "cache"
    with wh.connect(location) as con:
        report = maintain.maintain(con, location, 30)
    assert report.files_after <= report.files_before
    # the command line, through the settings alone
    status = CliRunner().invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "10 files, 10 documents, 20 pages, 10 articles" in status.output
