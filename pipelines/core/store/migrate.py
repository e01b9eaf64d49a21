"""Moving a DuckDB warehouse of schema 4 or 5 (``warehouse/archive.duckdb``) into the DuckLake
warehouse, checked row for row.

The old file is attached read-only and never changed. In one transaction of the new warehouse
(which must be empty): every table of the old one is copied column by column (DuckLake refuses
the old key constraints, so ``COPY FROM DATABASE`` cannot be used), the search index is built
from the copied search rows (the old one lived in the full-text-search extension's own schemas,
which stay behind), every copied table is compared with the original, both ways, as multisets
of whole rows (a copy that is not exact is rolled back, naming the table), and the migration is
recorded as the first load. Last, the search cache is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.config import PIPELINE_VERSION
from pipelines.core.store import duplicates, migrations, search, search_cache
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import Location

OLD = "old_warehouse"


class MigrationError(RuntimeError):
    """The old warehouse cannot be migrated as it is, or the copy is not exact."""


@dataclass
class MigrationReport:
    old_version: int
    snapshot_id: int | None = None
    tables: dict[str, int] = field(default_factory=dict)
    articles: int = 0
    cache: str = ""


doc_key_sql = search.doc_key_sql


def migrate(old_file: Path, location: Location) -> MigrationReport:
    """The caller holds the writer lock of ``location``."""
    old_file = Path(old_file).resolve()
    with wh.connect(location) as con:
        try:
            con.execute(f"ATTACH {wh.sql_literal(str(old_file))} AS {OLD} (READ_ONLY)")
        except duckdb.Error as exc:
            raise MigrationError(f"cannot open {old_file} as a DuckDB database: {str(exc).splitlines()[0]}") from exc
        try:
            report = MigrationReport(_old_version(con, old_file))
            _check_empty(con, location)
            _copy(con, report)
            report.snapshot_id = wh.current_snapshot(con)
        finally:
            con.execute(f"DETACH {OLD}")
        report.cache = search_cache.refresh(con, location, rebuild=True).describe()
    return report


def _old_tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", [OLD]
    ).fetchall()}


def _old_version(con, old_file: Path) -> int:
    if "schema_info" not in _old_tables(con):
        raise MigrationError(f"{old_file} is not a warehouse of this pipeline (it has no schema_info table)")
    row = con.execute(f"SELECT value FROM {OLD}.main.schema_info WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version not in migrations.MIGRATABLE:
        raise MigrationError(
            f"{old_file} has schema version {version}; `archive migrate` moves versions "
            f"{', '.join(map(str, migrations.MIGRATABLE))}"
            + (": open it once with the pipeline of that time to upgrade it first" if version < min(migrations.MIGRATABLE) else "")
        )
    return version


def _check_empty(con, location: Location) -> None:
    filled = {t: n for t in ("files", "documents", "loads") if (n := con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])}
    if filled:
        raise MigrationError(
            f"the warehouse at {location.describe()} is not empty ({', '.join(f'{n} {t}' for t, n in filled.items())}): "
            "migrate into a new folder (--warehouse)"
        )


def _columns(con, database: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' AND table_name = ? "
        "ORDER BY column_index", [database, table]
    ).fetchall()]


def _copy(con, report: MigrationReport) -> None:
    present = _old_tables(con)
    now = wh.utcnow()
    with wh.transaction(con):
        for table in migrations.COPIED_TABLES:
            if table not in present:
                continue  # run_documents is new in version 5
            new = _columns(con, wh.ALIAS, table)
            old = set(_columns(con, OLD, table))
            missing = [c for c in old if c not in new]
            if missing:
                raise MigrationError(f"{table} has columns this pipeline does not know: {', '.join(missing)}")
            columns = ", ".join(f'"{c}"' for c in new if c in old)
            con.execute(f"INSERT INTO {wh.ALIAS}.main.{table} ({columns}) SELECT {columns} FROM {OLD}.main.{table}")
            report.tables[table] = con.execute(f"SELECT count(*) FROM {OLD}.main.{table}").fetchone()[0]
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE b_search AS
            SELECT {doc_key_sql('f.article_id')} AS doc, f.article_id, f.document_id, f.text AS folded, e.text AS exact
            FROM {OLD}.main.search_folded f JOIN {OLD}.main.search_exact e USING (article_id)
        """)
        for table in report.tables:  # inside the transaction: a copy that is not exact is never committed
            _compare(con, table)
        report.articles = con.execute("SELECT count(*) FROM temp.b_search").fetchone()[0]
        search.stage_batch(con, "temp.b_search")
        search.remove_documents(con, None)
        search.insert_staged(con)
        for statement in duplicates.BACKFILL:  # near-identical articles linked, as an upgrade to version 8 does
            con.execute(statement)
        load_id = 1
        snapshot = wh.current_snapshot(con) + 1
        con.execute(f"CALL {wh.ALIAS}.set_commit_message('archive migrate', ?)", [f"migrated from {OLD}"])
        con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, snapshot, "migrate", now, wh.utcnow(), report.tables.get("documents", 0),
             report.tables.get("files", 0), report.tables.get("articles", 0), 0, PIPELINE_VERSION],
        )
    for name in ("search", *search.BATCH_TABLES):
        con.execute(f"DROP TABLE IF EXISTS temp.b_{name}")


def _compare(con, table: str) -> None:
    """Every row of the old table is in the new one as many times, and nothing else."""
    columns = ", ".join(f'"{c}"' for c in _columns(con, OLD, table))
    for left, right, what in ((OLD, wh.ALIAS, "missing from"), (wh.ALIAS, OLD, "not in the original, found in")):
        differing = con.execute(
            f"SELECT count(*) FROM (SELECT {columns} FROM {left}.main.{table} EXCEPT ALL SELECT {columns} FROM {right}.main.{table})"
        ).fetchone()[0]
        if differing:
            raise MigrationError(f"{table}: {differing} row(s) {what} the migrated warehouse")
