import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.core.models import Article, Extraction, Page, PersonRef, PlaceRef, Word
from pipelines.core.store import extensions, migrations, search
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import LocationError, parse
from pipelines.core.store.migrate import MigrationError, doc_key_sql, migrate
from tests.helpers import fts_reference


def extraction(document_id: str, body: str = "Nội dung", status: str = "ok") -> Extraction:
    return Extraction(
        document_id=document_id,
        media_type="text/plain",
        status=status,
        pages=[Page(page_number=1, method="text", text=body, engine="plain text (utf-8)")],
        articles=[Article(seq=1, title="TIN", body=body, page_start=1, page_end=1,
                          published_date=dt.date(2014, 5, 22), date_text="Ngày 22/ 5/ 2014",
                          location="Hà Nội", authors=["Hồng Vân"])],
    )


def row(path: str, document_id: str, size: int = 10) -> wh.FileRow:
    return wh.FileRow(path, document_id, size, dt.datetime(2024, 1, 1))


def test_schema_is_created_and_versioned(warehouse_dir):
    con = wh.connect(warehouse_dir)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (str(migrations.LATEST),)
    assert wh.counts(con) == {"files": 0, "documents": 0, "pages": 0, "articles": 0}


def test_loading_a_document_twice_replaces_its_rows(warehouse_dir):
    con = wh.connect(warehouse_dir)
    for body in ("một", "hai"):
        wh.load_document(con, extraction("d1", body), source_path="/raw/a.txt", byte_size=3,
                         pipeline_version="t", file_rows=[row("/raw/a.txt", "d1")])
    assert wh.counts(con) == {"files": 1, "documents": 1, "pages": 1, "articles": 1}
    assert con.execute("SELECT body, authors, published_date FROM articles").fetchone() == (
        "hai", ["Hồng Vân"], dt.date(2014, 5, 22))


def test_a_changed_file_replaces_the_old_document_and_keeps_shared_bytes(warehouse_dir):
    con = wh.connect(warehouse_dir)
    wh.load_document(con, extraction("old"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                     file_rows=[row("/raw/a.txt", "old"), row("/raw/copy.txt", "old")])
    wh.load_document(con, extraction("new"), source_path="/raw/a.txt", byte_size=4, pipeline_version="t",
                     file_rows=[row("/raw/a.txt", "new", 4)])
    # the old bytes are still at copy.txt: their document stays
    assert sorted(r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()) == ["new", "old"]
    wh.load_document(con, extraction("newer"), source_path="/raw/copy.txt", byte_size=5, pipeline_version="t",
                     file_rows=[row("/raw/copy.txt", "newer", 5)])
    assert sorted(r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()) == ["new", "newer"]
    assert con.execute("SELECT count(*) FROM articles WHERE document_id = 'old'").fetchone() == (0,)


def test_record_files_changes_nothing_the_second_time(warehouse_dir):
    con = wh.connect(warehouse_dir)
    rows = [row("/raw/a.txt", "d1"), row("/raw/b.txt", "d1")]
    assert wh.record_files(con, rows) == 2
    first = con.execute("SELECT * FROM files ORDER BY source_path").fetchall()
    assert wh.record_files(con, rows) == 0
    assert con.execute("SELECT * FROM files ORDER BY source_path").fetchall() == first


def test_a_bad_batch_is_refused_whole_and_leaves_the_previous_version(warehouse_dir):
    con = wh.connect(warehouse_dir)
    wh.load_document(con, extraction("d1", "cũ"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                     file_rows=[row("/raw/a.txt", "d1")])
    broken = extraction("d1", "mới")
    broken.articles.append(broken.articles[0])  # two articles with one key: DuckLake has no constraint to stop it
    with pytest.raises(wh.LoadError, match="two articles numbered 1"):
        wh.load_batch(con, [wh.LoadItem(extraction("d2"), "/raw/b.txt", 3, [row("/raw/b.txt", "d2")]),
                            wh.LoadItem(broken, "/raw/a.txt", 3)], pipeline_version="t")
    with pytest.raises(wh.LoadError, match="status 'done' is not one of ok, partial, failed"):
        wh.load_document(con, extraction("d3", status="done"), source_path="/raw/c.txt", byte_size=3, pipeline_version="t")
    assert con.execute("SELECT body FROM articles").fetchall() == [("cũ",)]
    assert wh.counts(con) == {"files": 1, "documents": 1, "pages": 1, "articles": 1}
    assert con.execute("SELECT count(*) FROM loads").fetchone() == (1,)


def test_a_batch_is_one_transaction_one_snapshot_and_one_loads_row(warehouse_dir):
    con = wh.connect(warehouse_dir)
    before = wh.current_snapshot(con)
    result = wh.load_batch(con, [wh.LoadItem(extraction(f"d{n}"), f"/raw/{n}.txt", 3, [row(f"/raw/{n}.txt", f"d{n}")],
                                             run_id="run-1", read_seconds=0.5) for n in range(5)],
                           pipeline_version="t", run_id="load-run")
    assert (result.load_id, result.snapshot_id, result.documents, result.paths, result.articles) == (1, before + 1, 5, 5, 5)
    assert wh.current_snapshot(con) == before + 1
    assert con.execute("SELECT load_id, snapshot_id, run_id, documents, paths, articles, replaced FROM loads").fetchall() == [
        (1, before + 1, "load-run", 5, 5, 5, 0)]
    assert con.execute("SELECT count(*), min(run_id) FROM run_documents").fetchone() == (5, "run-1")
    # nothing new: nothing committed, no snapshot
    assert wh.load_batch(con, [wh.LoadItem(None, file_rows=[row("/raw/0.txt", "d0")])], pipeline_version="t").load_id is None
    assert wh.current_snapshot(con) == before + 1


def test_the_first_of_a_document_or_a_path_in_a_batch_wins(warehouse_dir):
    con = wh.connect(warehouse_dir)
    newest, older = extraction("d1", "mới"), extraction("d1", "cũ")
    wh.load_batch(con, [wh.LoadItem(newest, "/raw/a.txt", 3, [row("/raw/a.txt", "d1", 4)]),
                        wh.LoadItem(older, "/raw/a.txt", 3, [row("/raw/a.txt", "d1", 3)])], pipeline_version="t")
    assert con.execute("SELECT body FROM articles").fetchall() == [("mới",)]
    assert con.execute("SELECT byte_size FROM files").fetchall() == [(4,)]


def test_time_travel_returns_the_earlier_counts(warehouse_dir):
    con = wh.connect(warehouse_dir)
    first = wh.load_document(con, extraction("d1"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                             file_rows=[row("/raw/a.txt", "d1")])
    wh.load_batch(con, [wh.LoadItem(extraction(f"e{n}"), f"/raw/e{n}.txt", 3, [row(f"/raw/e{n}.txt", f"e{n}")])
                        for n in range(3)], pipeline_version="t")
    wh.load_document(con, extraction("d1", "khác"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t")
    assert wh.counts(con)["documents"] == 4
    (snapshot,) = con.execute("SELECT snapshot_id FROM loads WHERE load_id = ?", [first.load_id]).fetchone()
    assert snapshot == first.snapshot_id
    assert con.execute(f"SELECT count(*) FROM documents AT (VERSION => {snapshot})").fetchone() == (1,)
    assert con.execute(f"SELECT body FROM articles AT (VERSION => {snapshot})").fetchall() == [("Nội dung",)]
    con.close()
    with wh.connect(warehouse_dir, read_only=True, snapshot=snapshot) as old:  # a whole database as of load 1
        assert wh.counts(old) == {"files": 1, "documents": 1, "pages": 1, "articles": 1}
        assert old.execute("SELECT count(*) FROM loads").fetchone() == (1,)
    with wh.connect(warehouse_dir, read_only=True) as now:
        assert wh.counts(now)["documents"] == 4


def test_a_newer_schema_is_refused(warehouse_dir):
    con = wh.connect(warehouse_dir)
    con.execute("UPDATE schema_info SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(wh.SchemaError, match="schema version 99, newer than this pipeline's"):
        wh.connect(warehouse_dir)
    with pytest.raises(wh.SchemaError, match="schema version 99"):
        wh.connect(warehouse_dir, read_only=True)


def test_a_catalog_lost_beside_its_data_files_is_refused_not_started_afresh(warehouse_dir):
    with wh.connect(warehouse_dir) as con:
        wh.load_document(con, extraction("d1"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                         file_rows=[row("/raw/a.txt", "d1")])
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (warehouse_dir / name).unlink(missing_ok=True)
    with pytest.raises(wh.WarehouseError, match="catalog.sqlite is missing but .* holds .* data file"):
        wh.connect(warehouse_dir)
    assert not (warehouse_dir / "catalog.sqlite").exists()  # nothing made in its place


def test_a_catalog_listing_data_files_that_are_gone_is_refused(warehouse_dir):
    with wh.connect(warehouse_dir) as con:
        wh.load_document(con, extraction("d1"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                         file_rows=[row("/raw/a.txt", "d1")])
        (path,) = con.execute("SELECT data_file FROM ducklake_list_files('wh', 'articles')").fetchone()
    Path(path).unlink()
    with pytest.raises(wh.WarehouseError, match="lists 1 data file.*that are not in"):
        wh.connect(warehouse_dir)


def test_warehouse_settings_name_folders_catalogs_or_postgres_never_a_duckdb_file(tmp_path):
    folder = parse(tmp_path / "wh")
    assert (folder.sqlite_file, folder.data_path, folder.home) == (tmp_path / "wh" / "catalog.sqlite", f"{tmp_path / 'wh' / 'data'}/", tmp_path / "wh")
    assert parse(f"ducklake:sqlite:{tmp_path / 'x' / 'catalog.sqlite'}").home == tmp_path / "x"
    pg = parse("ducklake:postgres:dbname=archive host=db", data_path="s3://bucket/archive", state_dir=tmp_path / "state")
    assert (pg.kind, pg.attach_uri, pg.data_path, pg.staging_dir) == (
        "postgres", "ducklake:postgres:dbname=archive host=db", "s3://bucket/archive/", tmp_path / "state" / "staging")
    with pytest.raises(LocationError, match="ARCHIVE_DATA_PATH"):
        parse("ducklake:postgres:dbname=archive")
    with pytest.raises(LocationError, match="archive migrate"):
        duckdb.connect(str(tmp_path / "archive.duckdb")).close()
        parse(tmp_path / "archive.duckdb")


def test_the_search_key_is_the_same_in_python_and_in_sql():
    ids = ["d1-1", "c0ffee" * 10 + "-12", "unreadable:ab-1", "Thư viện-3"]
    con = duckdb.connect()
    assert [r[0] for r in con.execute(f"SELECT {doc_key_sql('id')} FROM (SELECT unnest(?) AS id, generate_subscripts(?, 1) AS n) ORDER BY n",
                                      [ids, ids]).fetchall()] == [wh.article_doc(i) for i in ids]


# --- `archive migrate`: a schema-5 DuckDB file into the DuckLake warehouse ----------------------


def make_old_warehouse(path: Path, tmp_path: Path, version: int = 5) -> None:
    """A DuckDB file as version 5 wrote it (schema_v5.sql, the extension's index beside the
    tables), filled by loading real extractions (in a scratch warehouse) and copying them."""
    scratch = tmp_path / "scratch"
    with wh.connect(scratch) as con:
        wh.load_batch(con, [wh.LoadItem(extraction(f"d{n}", f"Thư viện tỉnh số {n} tổ chức hội thảo."), f"/raw/{n}.txt", 3,
                                        [row(f"/raw/{n}.txt", f"d{n}"), row(f"/raw/copy-{n}.txt", f"d{n}")],
                                        run_id="run-old", read_seconds=1.5) for n in range(6)], pipeline_version="0.0.9")
        ocr = extraction("scan")
        ocr.pages[0].words = [Word("Hội", 91.5, 1, 2, 3, 4), Word("nghị", -1, 5, 6, 7, 8)]
        ocr.articles[0].places = [PlaceRef("Hà Nội", "venue", (1, 7), 0.9, "01", "Hà Nội", "01", "Hà Nội")]
        ocr.articles[0].people = [PersonRef("Hồng Vân", "author", "text", None, "person", None, (10, 18), 0.8)]
        wh.load_document(con, ocr, source_path="/raw/scan.tif", byte_size=9, pipeline_version="0.0.9",
                         file_rows=[row("/raw/scan.tif", "scan")], run_id="run-old")
    old = duckdb.connect(str(path))
    old.execute((Path(__file__).parents[1] / "data" / "schema_v5.sql").read_text(encoding="utf-8"))
    old.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [str(version)])
    old.close()
    with wh.connect(scratch, read_only=True) as lake:
        lake.execute(f"ATTACH '{path}' AS old")
        for table in migrations.COPIED_TABLES:
            columns = ", ".join(f'"{c[0]}"' for c in lake.execute(f"DESCRIBE old.main.{table}").fetchall())
            lake.execute(f"INSERT INTO old.main.{table} ({columns}) SELECT {columns} FROM wh.main.{table}")
        lake.execute("DETACH old")
    old = extensions.connect(str(path))
    fts_reference.rebuild_indexes(old)  # the old file carried the extension's schemas: they stay behind
    old.close()


def test_migrate_moves_a_schema_5_file_row_for_row_and_its_search_ranks_the_same(tmp_path):
    old_file = tmp_path / "archive.duckdb"
    make_old_warehouse(old_file, tmp_path)
    before = old_file.read_bytes()
    target = wh.location_of(tmp_path / "new")
    report = migrate(old_file, target)
    assert old_file.read_bytes() == before  # only read
    assert report.old_version == 5 and report.articles == 7 and report.tables["files"] == 13
    assert report.cache.startswith("rebuilt")
    with wh.connect(target, read_only=True) as con, duckdb.connect(str(old_file), read_only=True) as old:
        for table in migrations.COPIED_TABLES:  # the old columns (later versions add columns: duplicate_of)
            columns = ", ".join(f'"{c[0]}"' for c in old.execute(f"DESCRIBE {table}").fetchall())
            assert sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr) == \
                sorted(old.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr), table
        assert con.execute("SELECT load_id, run_id, documents, files FROM (SELECT *, paths AS files FROM loads)").fetchall() == [
            (1, "migrate", 7, 13)]
        for query in ("thư viện", "Thư viện tỉnh số 3", "hoi thao", "Hà Nội", "zzz"):
            expected = fts_reference.reference_search(old, query, limit=100)  # the old file's own index
            assert [(h.article_id, h.score) for h in search.search(con, query, limit=100, pairs=False, unique=False)] \
                == expected, query


def test_migrate_refuses_an_old_version_a_filled_warehouse_and_what_is_not_a_warehouse(tmp_path):
    old_file = tmp_path / "archive.duckdb"
    make_old_warehouse(old_file, tmp_path)
    migrate(old_file, wh.location_of(tmp_path / "new"))
    with pytest.raises(MigrationError, match="is not empty"):
        migrate(old_file, wh.location_of(tmp_path / "new"))
    v1 = tmp_path / "v1.duckdb"
    with duckdb.connect(str(v1)) as con:
        con.execute((Path(__file__).parents[1] / "data" / "schema_v1.sql").read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_info VALUES ('schema_version', '1')")
    with pytest.raises(MigrationError, match="schema version 1; `archive migrate` moves versions 4, 5"):
        migrate(v1, wh.location_of(tmp_path / "other"))
    stranger = tmp_path / "stranger.duckdb"
    duckdb.connect(str(stranger)).close()
    with pytest.raises(MigrationError, match="not a warehouse of this pipeline"):
        migrate(stranger, wh.location_of(tmp_path / "other"))


def test_the_data_files_read_from_the_catalog_are_those_ducklake_lists(warehouse_dir):
    con = wh.connect(warehouse_dir)
    wh.load_batch(con, [wh.LoadItem(extraction(d), f"/raw/{d}.txt", 3, [row(f"/raw/{d}.txt", d)]) for d in ("d1", "d2")],
                  pipeline_version="t")
    wh.load_document(con, extraction("d1", "khác"), source_path="/raw/d1.txt", byte_size=3, pipeline_version="t")  # deletes
    listed = set()
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh'").fetchall():
        for data_file, delete_file in con.execute("SELECT data_file, delete_file FROM ducklake_list_files('wh', ?)", [table]).fetchall():
            listed |= {p for p in (data_file, delete_file) if p}
    found = wh.data_files(con, wh.location_of(warehouse_dir))
    assert any(p.endswith("-delete.parquet") for p in found)
    assert sorted(found) == sorted(listed)
