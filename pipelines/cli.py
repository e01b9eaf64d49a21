"""`archive`: the command line. It runs the Dagster definitions in-process and formats results.

    archive ingest [PATH ...]     read files and folders into the warehouse (default: raw/)
    archive status                counts by status and the latest failures, with reasons
    archive sql "SELECT ..."      query the warehouse (table, csv or json)
    archive search "words"        ranked articles, with or without diacritics
    archive shell                 the DuckDB command line on the warehouse (read-only)
    archive export DIR            every table and view as files (or --duckdb FILE: one database)
    archive maintain              merge small files, expire old snapshots (also a Dagster job)
    archive migrate OLD.duckdb    move a warehouse of schema 4 or 5 into the DuckLake warehouse
    archive ui                    the Dagster UI on the same definitions and run history
    archive review                the reading room: review and correct extracted values in a browser
    archive corrections export|import   move reviewers' corrections between warehouses (CSV, JSON)
    archive pdf [PATH ...|--all]  PDF/A-2b access copies: the scans with an invisible, searchable text layer

On a deployment (deploy/, docs/scaling.md):
    archive code-server           the definitions served once to the daemon, the UI and submit
    archive daemon                Dagster's daemon for the deployment (queue, retries, sensors)
    archive worker                a Celery worker taking reading steps (one at a time)
    archive submit [PATH ...]     ingest through the deployment: one run per worker, on the workers
    archive cluster [PATH ...]    all of it on this machine: PostgreSQL, Redis, daemon, UI, two workers

Readers (sql, search, status, verify, export, shell) read the warehouse's last committed
snapshot: never blocked by an ingestion, never showing half of one.

Exit codes: 0 success; 1 some files failed (each recorded with its reason) or the run failed;
2 usage errors (bad option, missing path, bad SQL).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import gc
import json
import os
import shutil
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.config import Settings, load_settings
from pipelines.core.models import PAGE_METHODS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Digitize bulletin files into a DuckLake warehouse and query it.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)
out = Console()
err = Console(stderr=True)

WarehouseOption = Annotated[
    Optional[str],
    typer.Option("--warehouse", "-w", help="Warehouse folder, catalog.sqlite, or ducklake:postgres:… "
                 "(default: warehouse/ or $ARCHIVE_WAREHOUSE).", show_default=False),
]
SnapshotOption = Annotated[
    Optional[int],
    typer.Option("--snapshot", help="Read the warehouse as of this snapshot (a load's snapshot_id in `loads`).", min=0),
]
ExcelOption = Annotated[
    bool,
    typer.Option("--excel", help="CSV for Excel: starts with a UTF-8 byte order mark so that diacritics show "
                 "(implies CSV)."),
]


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _settings(warehouse: str | None) -> Settings:
    return load_settings().with_warehouse(warehouse)


def _location(warehouse: str | None):
    from pipelines.core.store.location import LocationError, from_settings

    try:
        return from_settings(_settings(warehouse))
    except LocationError as exc:
        raise _usage_error(str(exc))


def _reader(warehouse: str | None, snapshot: int | None = None, quiet: bool = False):
    """A read-only session at the warehouse's last committed snapshot (or ``snapshot``): never
    blocked by, and never showing half of, an ingestion that is running. A file made by
    `archive export --duckdb` is read as it is."""
    import duckdb

    from pipelines.core.store import warehouse as wh

    export = _export_file(warehouse)
    if export is not None:
        err.print(f"[dim]warehouse {warehouse} (an export)[/dim]", highlight=False, soft_wrap=True)
        return export
    location = _location(warehouse)
    if not quiet:
        _say_location(location)
    try:
        return wh.connect(location, read_only=True, snapshot=snapshot)
    except FileNotFoundError as exc:
        raise _usage_error(str(exc))
    except (wh.WarehouseError, duckdb.Error) as exc:
        message = str(exc).strip()
        if snapshot is not None and "snapshot" in message.lower():
            raise _usage_error(f"no snapshot {snapshot} in this warehouse (expired, or not yet made): {message}")
        raise _fail(f"cannot open the warehouse: {message}")


def _say_location(location) -> None:
    err.print(f"[dim]warehouse {location.describe()}[/dim]", highlight=False, soft_wrap=True)


def _export_file(warehouse: str | None):
    """A self-contained export (`archive export --duckdb`), opened read-only; None otherwise."""
    if not warehouse or not str(warehouse).endswith(".duckdb") or not Path(warehouse).is_file():
        return None
    import duckdb

    from pipelines.core.store import migrations

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        version = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
    except duckdb.Error:
        version = None
    if version and int(version[0]) >= migrations.LATEST:
        return con
    con.close()
    return None


def _say_error(message: str, label: str = "error:") -> None:
    """An error on one line however long (paths are never cut), never read as markup."""
    err.print(Text.assemble((label, "red"), " ", message), soft_wrap=True)


def _usage_error(message: str) -> typer.Exit:
    _say_error(message)
    return typer.Exit(code=2)


def _fail(message: str) -> typer.Exit:
    _say_error(message)
    return typer.Exit(code=1)


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files and folders (default: raw/).", show_default=False)] = None,
    warehouse: WarehouseOption = None,
    workers: Annotated[Optional[int], typer.Option(help="Documents read at once (default: one per core).", min=1)] = None,
    fail_on_any: Annotated[bool, typer.Option("--fail-on-any", help="Exit 1 if any file under PATHS is failed or partly read, in this run or an earlier one.")] = False,
) -> None:
    """Ingest files and folders into the warehouse. Unchanged files are skipped. Exits 1 when a
    file failed in this run (old failures are listed by `archive status`, or with --fail-on-any)."""
    settings = _settings(warehouse)
    roots = [p.expanduser().absolute() for p in (paths or [settings.raw_dir])]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise _usage_error("no such file or folder: " + ", ".join(missing))
    if workers:
        os.environ["ARCHIVE_WORKERS"] = str(workers)
        settings = _settings(warehouse)
    from pipelines.core.runtime import readahead
    from pipelines.core.runtime import workers as reading_workers

    reading_workers.start_early()  # the readers load on another core while Dagster loads here
    _say_where(settings, roots)
    with _ingestion_lock(settings) as locked:
        # Reading starts now, on the other cores, while this one loads Dagster and plans the
        # run; the run's `document` asset takes what was read (runtime/readahead.py).
        ahead = readahead.start(roots, settings) if locked else None
        try:
            from pipelines.defs.runner import (
                run_ingest,  # Dagster loads only for commands that need it
            )

            report = run_ingest(settings, roots, progress=_progress(), on_wait=_say_waiting)
        finally:
            if ahead is not None:
                ahead.close()
    _print_ingest_report(report)
    raise typer.Exit(code=_exit_code(report, fail_on_any))


@contextlib.contextmanager
def _ingestion_lock(settings: Settings):
    """The warehouse's ingestion lock, taken by the command before anything is read (waiting,
    and saying so, while another ingestion runs); yields False when the warehouse setting
    cannot even be placed (the run then says what is wrong, as it always has)."""
    from pipelines.core.runtime.locks import ingest_lock
    from pipelines.core.store.location import LocationError, from_settings

    try:
        home = from_settings(settings).home
        home.mkdir(parents=True, exist_ok=True)
    except (LocationError, OSError):
        yield False
        return
    with ingest_lock(home, _say_waiting):
        yield True


def _exit_code(report, fail_on_any: bool = False) -> int:
    """1 when the run failed or a file failed in it; old failures only with --fail-on-any, so
    that a nightly job does not alert forever about a file nobody can fix."""
    if not report.success or report.failures:
        return 1
    if fail_on_any and (report.partial or report.earlier_failures):
        return 1
    return 0


def _describe(settings: Settings) -> str:
    from pipelines.core.store.location import LocationError, from_settings

    try:
        return from_settings(settings).describe()
    except LocationError:
        return settings.warehouse


def _say_where(settings: Settings, roots: list[Path] | None = None) -> None:
    """Which warehouse (and files) a command uses: run from another folder, nothing is implicit."""
    where = f"warehouse {_describe(settings)}"
    if roots is not None:
        where += " · files " + ", ".join(str(r) for r in roots)
    err.print(f"[dim]{where}[/dim]", highlight=False, soft_wrap=True)


@app.command()
def reprocess(
    all_documents: Annotated[bool, typer.Option("--all", help="Every document.")] = False,
    since: Annotated[Optional[str], typer.Option(help="Documents whose files were first seen on or after DATE (YYYY-MM-DD).")] = None,
    method: Annotated[Optional[str], typer.Option(help="Documents with a page read by this method (ocr, text, legacy-tcvn3, …).")] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Read documents again with the current extractor. By default, the stale ones: those
    read by another pipeline version."""
    import datetime as dt

    from pipelines.config import PIPELINE_VERSION
    from pipelines.defs.runner import run_ingest

    settings = _settings(warehouse)
    if method and method not in PAGE_METHODS:
        raise _usage_error(f"unknown method {method!r}: use one of {', '.join(PAGE_METHODS)}")
    where, params = [], []
    if since:
        try:
            params.append(dt.date.fromisoformat(since))
        except ValueError:
            raise _usage_error(f"--since takes a date as YYYY-MM-DD, not {since!r}")
        where.append("f.seen_at >= ?")
    if method:
        where.append("d.document_id IN (SELECT document_id FROM pages WHERE method = ?)")
        params.append(method)
    if not (all_documents or since or method):
        where.append("d.pipeline_version <> ?")
        params.append(PIPELINE_VERSION)
    con = _reader(warehouse)
    sql_text = "SELECT DISTINCT f.source_path FROM files f JOIN documents d USING (document_id)"
    if where:
        sql_text += " WHERE " + " AND ".join(where)
    paths = [Path(r[0]) for r in con.execute(sql_text + " ORDER BY 1", params).fetchall()]
    con.close()
    present = [p for p in paths if p.exists()]
    if len(present) < len(paths):
        err.print(f"{len(paths) - len(present)} file(s) no longer on disk are left as they are.")
    if not present:
        out.print("Nothing to reprocess.")
        raise typer.Exit(code=0)
    out.print(f"Reprocessing {len(present)} file(s) with pipeline {PIPELINE_VERSION}.")
    report = run_ingest(settings, present, progress=_progress(), reprocess=True, on_wait=_say_waiting)
    _print_ingest_report(report)
    raise typer.Exit(code=_exit_code(report))


def _say_waiting() -> None:
    err.print("Another ingestion is writing this warehouse: waiting for it to finish…")


def _progress():
    from pipelines.defs.resources import Progress

    if not sys.stderr.isatty():
        return Progress()
    from pipelines.defs.progress import RichProgress

    # A duplicate of the terminal's descriptor: while a step runs, Dagster redirects file
    # descriptors 1 and 2 to capture the step's logs for the UI.
    terminal = os.fdopen(os.dup(sys.stderr.fileno()), "w", encoding="utf-8")
    return RichProgress(Console(file=terminal, force_terminal=True))


def _print_ingest_report(report) -> None:
    if not report.success:
        _say_error(report.run_error or "the run failed", "ingestion failed:")
        err.print(f"Run {report.run_id}: see its logs with `archive ui`.")
        return
    if report.abandoned:
        err.print(f"{len(report.abandoned)} earlier run(s) marked failed: the process running them ended before they "
                  f"did (killed or crashed); what they left unread was read now: {', '.join(report.abandoned)}",
                  soft_wrap=True, highlight=False)
    table = Table(title="Ingestion summary", show_header=False, title_justify="left")
    for label, value in report.summary_rows():
        table.add_row(label, str(value))
    out.print(table)
    if report.failures:
        out.print(f"[red]Failures ({len(report.failures)})[/red], each recorded in the warehouse with its reason:")
        for path, _status, reason in report.failures:
            out.print(f"  {path}\n      {reason}", soft_wrap=True, highlight=False, markup=False)
    if report.partial:
        out.print(f"[yellow]{len(report.partial)} document(s) partly read[/yellow]: see `archive status`.")
    if report.earlier_failures:
        out.print(f"{len(report.earlier_failures)} file(s) failed in an earlier run and were not read again "
                  "(`archive status` lists them; `archive reprocess` reads them again).")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query (DuckDB dialect).")],
    warehouse: WarehouseOption = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    snapshot: SnapshotOption = None,
    excel: ExcelOption = False,
) -> None:
    """Run a SQL query against the warehouse (read-only, its last snapshot) and print the result.
    In CSV, lists are JSON arrays (`["Hồng Vân"]`), as in `archive export --format csv`."""
    import duckdb

    if excel:
        format = Format.csv
    con = _reader(warehouse, snapshot)
    try:
        cursor = con.execute(query)
    except duckdb.Error as exc:
        raise _usage_error(str(exc).strip())
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchall() if columns else []
    _print_rows(columns, rows, format, excel=excel)


def csv_cell(value) -> str:
    """One CSV cell: lists and other nested values as JSON (one format everywhere), NULL empty."""
    if value is None:
        return ""
    value = _plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)  # as DuckDB's to_json
    return value


def _print_rows(columns: list[str], rows: list[tuple], format: Format, excel: bool = False) -> None:
    if format is Format.csv:
        if excel:
            sys.stdout.write("\ufeff")
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
    elif format is Format.json:
        json.dump([dict(zip(columns, (_plain(v) for v in row))) for row in rows], sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        cells = [["" if v is None else _short(_plain(v)) for v in row] for row in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        if sum(widths) + 3 * len(columns) + 1 <= out.width:
            table = Table(show_lines=False)
            for column in columns:
                table.add_column(column, overflow="fold")
            for row in cells:
                table.add_row(*row)
            out.print(table)
        else:  # too wide for the terminal: one record after another, nothing cut mid-word
            for number, row in enumerate(cells, start=1):
                record = Table.grid(padding=(0, 2))
                record.add_column(style="bold", no_wrap=True)
                record.add_column(overflow="fold")
                for column, value in zip(columns, row):
                    record.add_row(column, value)
                out.print(f"[dim]── row {number} ──[/dim]")
                out.print(record)
        out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _short(value, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find, with or without diacritics.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="Articles to show.", min=1)] = 10,
    warehouse: WarehouseOption = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Find articles, ranked (BM25); diacritics, 'đ' and tone placement are folded; words found
    side by side rank first; copies of an article are shown once; words no article has are named."""
    from pipelines.core.store import search_cache
    from pipelines.core.store.search import search as find

    export = _export_file(warehouse)
    if export is not None:
        hits = find(export, query, limit)
    else:
        location = _location(warehouse)
        _say_location(location)
        with search_cache.Searcher(location, lambda: _reader(warehouse, quiet=True)) as searcher:
            hits = searcher.search(query, limit)
    unmatched = getattr(hits, "unmatched", [])
    note = f"No article has: {', '.join(unmatched)}" if unmatched else ""
    if format is not Format.table:
        if note:
            _say_error(note + " (the hits match the other words)" if hits else note, label="note:")
        columns = ["score", "title", "published_date", "location", "source_path", "snippet", "article_id"]
        _print_rows(columns, [(round(h.score, 3), h.title, h.published_date, h.location, h.source_path, h.snippet, h.article_id) for h in hits], format)
        return
    if note:
        out.print(f"[yellow]{note}[/yellow]" + (" — the hits below match the other words." if hits else "."),
                  highlight=False, soft_wrap=True)
    if not hits:
        out.print("No article matches.")
        return
    for rank, hit in enumerate(hits, start=1):
        out.print(f"[bold]{rank}. {hit.title or '(untitled)'}[/bold]  [dim]score {hit.score:.2f}[/dim]", highlight=False)
        details = " · ".join(str(v) for v in (hit.published_date, hit.location) if v)
        if details:
            out.print(f"   {details}", highlight=False)
        out.print(f"   {hit.snippet}", highlight=False, markup=False)
        out.print(f"   [dim]{hit.source_path}[/dim]", highlight=False)


@app.command()
def verify(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Folders to check (default: raw/).", show_default=False)] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Confirm every raw file is in the warehouse with the same bytes (SHA-256); list those
    that are not ingested, changed since, or gone."""
    from pipelines.core.store.verify import verify as check

    settings = _settings(warehouse)
    roots = [p.expanduser().absolute() for p in (paths or [settings.raw_dir])]
    con = _reader(warehouse)
    result = check(con, roots)
    out.print(f"{result.checked} file(s) checked against {_location(warehouse).describe()}.")
    for label, items in (("not ingested", result.not_ingested), ("changed since ingestion", result.changed),
                         ("recorded but gone", result.missing)):
        if items:
            out.print(f"[yellow]{len(items)} {label}:[/yellow]")
            for item in items:
                out.print(f"  {item}", soft_wrap=True, highlight=False, markup=False)
    for path, reason in result.unreadable:
        out.print(f"  cannot read {path}: {reason}", soft_wrap=True, highlight=False, markup=False)
    if result.ok:
        out.print("Every file is represented and unchanged.")
    raise typer.Exit(code=0 if result.ok else 1)


MANY_FILES = 500  # past this many data files, reads slow down noticeably: `archive status` says so


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


@app.command()
def export(
    directory: Annotated[Optional[Path], typer.Argument(help="Folder to write into (created if missing).", show_default=False)] = None,
    format: Annotated[Optional[ExportFormat], typer.Option("--format", "-f", help="File format [default: parquet].",
                                                           show_default=False)] = None,
    duckdb_file: Annotated[Optional[Path], typer.Option("--duckdb", help="Write one self-contained DuckDB file instead: "
                                                       "every table, view and the search index.", show_default=False)] = None,
    warehouse: WarehouseOption = None,
    snapshot: SnapshotOption = None,
    excel: ExcelOption = False,
) -> None:
    """Write every table and view of the warehouse to DIR, one file each (Parquet keeps the
    types, dates and lists; CSV writes lists as JSON arrays, `["Hồng Vân"]`), or with --duckdb
    one DuckDB file that `duckdb FILE`, `archive sql -w FILE` and `archive search -w FILE` read
    as they are."""
    from pipelines.core.store.export import export_all, export_duckdb

    if (directory is None) == (duckdb_file is None):
        raise _usage_error("give a folder, or --duckdb FILE (one of the two)")
    if excel and (duckdb_file is not None or format is ExportFormat.parquet):
        raise _usage_error("--excel writes CSV files: not with --duckdb or --format parquet")
    format = ExportFormat.csv if excel else format or ExportFormat.parquet
    con = _reader(warehouse, snapshot)
    if duckdb_file is not None:
        if duckdb_file.exists():
            raise _usage_error(f"{duckdb_file} exists: give a new file name")
        written = export_duckdb(con, duckdb_file)
        out.print(f"{len(written)} tables and views → {duckdb_file}", highlight=False)
        for name, rows in written:
            out.print(f"  {name}: {rows} rows", highlight=False)
        return
    written = export_all(con, directory, format.value, excel=excel)
    for name, path, rows in written:
        out.print(f"{name}: {rows} rows → {path}", highlight=False)


@app.command()
def status(warehouse: WarehouseOption = None, limit: Annotated[int, typer.Option(help="Failures to list.")] = 20) -> None:
    """Counts by status and method, and the latest failures with their reasons."""
    from pipelines.core.store import warehouse as wh

    con = _reader(warehouse)
    counts = wh.counts(con)
    last = con.execute("SELECT load_id, snapshot_id, committed_at FROM loads ORDER BY load_id DESC LIMIT 1").fetchone()
    where = str(warehouse) if _export_file(warehouse) is not None else _location(warehouse).describe()
    out.print(f"Warehouse: {where}" + (f" (snapshot {last[1]}, load {last[0]} at {str(last[2])[:19]} UTC)" if last else ""),
              highlight=False, soft_wrap=True)
    out.print("  " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    if _export_file(warehouse) is None:
        location = _location(warehouse)
        files = len(wh.data_files(con, location))
        snapshots = con.execute(f"SELECT count(*) FROM {wh.ALIAS}.snapshots()").fetchone()[0]
        out.print(f"  {files} data files, {snapshots} snapshots kept"
                  + ("; `archive maintain` merges the small files" if files > MANY_FILES else ""), highlight=False)
    by_status = Table(title="Documents by status", title_justify="left")
    for column in ("status", "documents", "pages", "last ingested (UTC)"):
        by_status.add_column(column)
    for row in con.execute(
        "SELECT status, count(*), sum(page_count), max(ingested_at) FROM documents GROUP BY status ORDER BY status"
    ).fetchall():
        by_status.add_row(*(str(v) for v in row))
    out.print(by_status)
    methods = con.execute("SELECT method, count(*) FROM pages GROUP BY method ORDER BY 2 DESC").fetchall()
    out.print("Pages by method: " + (", ".join(f"{m}: {n}" for m, n in methods) or "none"))
    failures = con.execute(
        """
        SELECT f.source_path, d.status, d.error, d.ingested_at
        FROM documents d JOIN files f USING (document_id)
        WHERE d.status <> 'ok'
        ORDER BY d.ingested_at DESC, f.source_path
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    if failures:
        table = Table(title=f"Latest failures (up to {limit})", title_justify="left")
        for column in ("file", "status", "reason", "when (UTC)"):
            table.add_column(column, overflow="fold")
        for path, state, error, when in failures:
            table.add_row(path, state, error or "", str(when)[:19])
        out.print(table)
    else:
        out.print("No failures.")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def shell(ctx: typer.Context, warehouse: WarehouseOption = None, snapshot: SnapshotOption = None) -> None:
    """The DuckDB command line (the pinned duckdb-cli) on the warehouse, read-only, with its
    extensions loaded from the installed packages: `SELECT * FROM v_articles` at its prompt.
    Arguments after the options go to duckdb, e.g. `archive shell -c "SELECT count(*) FROM articles"`."""
    from pipelines.core.store import extensions
    from pipelines.core.store import warehouse as wh

    location = _location(warehouse)
    if not location.exists():
        raise _usage_error(f"no warehouse at {location.describe()}: run `archive ingest` first")
    binary = _duckdb_cli()
    startup = "; ".join([
        f"SET extension_directory = {wh.sql_literal(str(extensions.extension_directory()))}",
        "SET autoinstall_known_extensions = false",
        "SET autoload_known_extensions = true",
        wh.attach_statement(location, read_only=True, snapshot=snapshot),
        f"USE {wh.ALIAS}",
    ]) + ";"
    os.execv(binary, [binary, "-cmd", startup, *ctx.args])


def _duckdb_cli() -> str:
    try:
        import duckdb_cli
    except ImportError:
        raise _fail("the DuckDB command line is not installed (package duckdb-cli): run `make setup`")
    binary = Path(duckdb_cli.__file__).with_name("duckdb")
    if not binary.exists():
        raise _fail(f"the DuckDB command line is missing from its package ({binary}): run `make setup`")
    return str(binary)


@app.command()
def maintain(
    retention_days: Annotated[Optional[float], typer.Option("--retention-days", help="Days of snapshots kept for time travel "
                                                            "(default: $ARCHIVE_SNAPSHOT_RETENTION_DAYS or 30).", min=0)] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Merge the warehouse's small files, expire snapshots older than the retention, delete
    files nobody needs, rebuild the search cache: what the `maintain_warehouse` job does.
    Loads wait for it; readers do not."""
    from pipelines.core.store import warehouse as wh
    from pipelines.defs.maintenance import run_maintenance
    from pipelines.defs.resources import WarehouseResource

    location = _location(warehouse)
    if not location.exists():
        raise _usage_error(f"no warehouse at {location.describe()}: run `archive ingest` first")
    try:
        report = run_maintenance(WarehouseResource(path=_settings(warehouse).warehouse), retention_days)
    except wh.WarehouseError as exc:
        raise _fail(str(exc))
    out.print(f"Maintained {location.describe()}: {report.summary()}.", highlight=False)


@app.command()
def migrate(
    old: Annotated[Path, typer.Argument(help="A DuckDB warehouse file of schema version 4 or 5 (archive.duckdb).")],
    warehouse: WarehouseOption = None,
) -> None:
    """Move an earlier DuckDB warehouse into the DuckLake warehouse (which must be empty), in
    one transaction, then check every table row for row. The old file is only read."""
    from pipelines.core.runtime.locks import writer_lock
    from pipelines.core.store import migrate as migration
    from pipelines.core.store import warehouse as wh

    if not old.is_file():
        raise _usage_error(f"no such file: {old}")
    location = _location(warehouse)
    location.home.mkdir(parents=True, exist_ok=True)
    try:
        with writer_lock(location.home, _say_waiting):
            report = migration.migrate(old, location)
    except (wh.WarehouseError, migration.MigrationError) as exc:
        raise _fail(str(exc))
    for table, rows in report.tables.items():
        out.print(f"  {table}: {rows} rows, identical", highlight=False)
    out.print(f"Migrated {old} (schema {report.old_version}) into {location.describe()} as snapshot "
              f"{report.snapshot_id}: {report.articles} articles indexed for search; search cache {report.cache}.",
              highlight=False)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    warehouse: WarehouseOption = None,
) -> None:
    """Start the Dagster UI and its daemon (sensors, schedules) on this warehouse's run history.
    Stops, with everything it started, on Ctrl-C or SIGTERM."""
    from pipelines.defs.supervise import supervise

    from pipelines.defs.history import write_workspace

    settings = _settings(warehouse)
    env = _dagster_env(settings)
    workspace = str(write_workspace(settings.dagster_home, settings.project_dir))
    bin_dir = Path(sys.executable).parent
    webserver = shutil.which("dagster-webserver", path=str(bin_dir)) or "dagster-webserver"
    daemon = shutil.which("dagster-daemon", path=str(bin_dir)) or "dagster-daemon"
    out.print(f"Dagster UI on http://{host}:{port} for {_describe(settings)} "
              f"(run history in {settings.dagster_home}); Ctrl-C stops it.")
    code = supervise([
        [webserver, "-w", workspace, "-h", host, "-p", str(port)],
        [daemon, "run", "-w", workspace],
    ], env=env)
    raise typer.Exit(code=code)


@app.command()
def review(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8018,
    host: Annotated[str, typer.Option(help="Address to listen on. Any other than the loopback requires the "
                                      "access token printed at start.")] = "127.0.0.1",
    reviewer: Annotated[Optional[str], typer.Option(help="Your name, recorded with each correction "
                                                    "(default: your login name; changeable in the page).")] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The reading room: a web app to review what was extracted and correct it. Corrections are
    kept apart from the extractor's values and applied again after every `archive reprocess`."""
    import getpass

    from pipelines.core.store import warehouse as wh
    from pipelines.review.app import MissingAsset
    from pipelines.review.data import Busy
    from pipelines.review.server import prepare, serve

    location = _location(warehouse)
    try:
        prepared = prepare(location, host, port, reviewer or getpass.getuser())
    except FileNotFoundError as exc:
        raise _usage_error(str(exc))
    except (wh.WarehouseError, Busy, MissingAsset) as exc:
        raise _fail(str(exc))
    out.print(f"Reading room on {prepared.url}", highlight=False, soft_wrap=True)
    if prepared.token:
        out.print(f"Access token (needed from other machines): {prepared.token}", highlight=False)
    out.print(f"Warehouse: {location.describe()} · Ctrl+C to stop", highlight=False)
    serve(prepared, host, port)


corrections_app = typer.Typer(help="Move reviewers' corrections between warehouses.", no_args_is_help=True)
app.add_typer(corrections_app, name="corrections")


class CorrectionsFormat(str, Enum):
    csv = "csv"
    json = "json"


def _corrections_format(path: Path, format: Optional[CorrectionsFormat]) -> str:
    if format is not None:
        return format.value
    if path.suffix.lower() in (".csv", ".json"):
        return path.suffix.lower()[1:]
    raise _usage_error(f"say --format csv or --format json for {path} (or name it .csv or .json)")


@corrections_app.command("export")
def corrections_export(
    file: Annotated[Path, typer.Argument(help="File to write (.csv or .json); '-' for standard output.")],
    format: Annotated[Optional[CorrectionsFormat], typer.Option("--format", "-f", help="csv or json (default: from the name).")] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Write every correction (the whole history: each save is a row) to a CSV or JSON file."""
    from pipelines.core.store import corrections

    if str(file) == "-":
        fmt = format.value if format is not None else "json"
    else:
        fmt = _corrections_format(file, format)
    con = _reader(warehouse)
    rows = corrections.export_rows(con)
    text = corrections.dumps(rows, fmt)
    if str(file) == "-":
        sys.stdout.write(text)
        return
    if file.exists():
        raise _usage_error(f"{file} exists: give a new file name")
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(f".{file.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, file)
    err.print(f"{len(rows)} correction row(s) → {file}", highlight=False)


@corrections_app.command("import")
def corrections_import(
    file: Annotated[Path, typer.Argument(help="A file written by `archive corrections export`.")],
    format: Annotated[Optional[CorrectionsFormat], typer.Option("--format", "-f", help="csv or json (default: from the name).")] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Add the corrections of FILE that this warehouse does not have yet (importing the same file
    twice adds nothing the second time). A bad row refuses the whole file; nothing is written."""
    from pipelines.core.runtime.locks import writer_lock
    from pipelines.core.store import corrections
    from pipelines.core.store import warehouse as wh

    if not file.is_file():
        raise _usage_error(f"no such file: {file}")
    fmt = _corrections_format(file, format)
    try:
        rows = corrections.loads(file.read_text(encoding="utf-8"), fmt)
    except UnicodeDecodeError:
        raise _usage_error(f"{file} is not UTF-8 text")
    except corrections.CorrectionError as exc:
        raise _usage_error(f"{file}: {exc}")
    location = _location(warehouse)
    if not location.exists():
        raise _usage_error(f"no warehouse at {location.describe()}: run `archive ingest` first")
    try:
        with writer_lock(location.home, _say_waiting):
            con = wh.connect(location)
            try:
                result = corrections.import_rows(con, rows)
                states = dict(con.execute("SELECT state, count(*) FROM v_corrections GROUP BY state").fetchall())
            finally:
                con.close()
    except corrections.CorrectionError as exc:
        raise _usage_error(f"{file}: {exc}")
    except wh.WarehouseError as exc:
        raise _fail(str(exc))
    out.print(f"{result.added} correction row(s) added, {result.already} already there.", highlight=False)
    out.print("Corrections now: " + (", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none"), highlight=False)


@app.command("pdf")
def pdf_copies(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Ingested files or folders whose documents get a copy.",
                                                          show_default=False)] = None,
    all_documents: Annotated[bool, typer.Option("--all", help="Every document with a page read by OCR.")] = False,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the copies (default: access/ beside "
                                                    "the warehouse).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Build again even the copies that are up to date.")] = False,
    warehouse: WarehouseOption = None,
) -> None:
    """Access copies: for each document with OCR'd pages, a PDF/A-2b file showing the original
    page images with an invisible, searchable text layer (the text in force, corrections
    included), recorded in `access_copies`. Copies up to date are not built again; raw files
    are only read. Exit 1 when a copy could not be made (each is listed with its reason)."""
    from pipelines.core.publish import copies
    from pipelines.core.runtime.locks import writer_lock
    from pipelines.core.store import warehouse as wh

    if bool(paths) == all_documents:
        raise _usage_error("give the files or folders to copy, or --all (not both)")
    missing = [p for p in paths or [] if not p.expanduser().exists()]
    if missing:
        raise _usage_error(f"no such file or folder: {missing[0]}")
    location = _location(warehouse)
    if not location.exists():
        raise _usage_error(f"no warehouse at {location.describe()}: run `archive ingest` first")
    target = (out_dir.expanduser() if out_dir else location.home / "access").absolute()
    con = _reader(warehouse)
    try:
        if all_documents:
            ids = copies.eligible_documents(con)
        else:
            ids, unknown = copies.documents_at(con, list(paths))
            if unknown:
                raise _usage_error(f"not ingested: {unknown[0]} (run `archive ingest` on it first)")
        err.print(f"[dim]copies → {target}[/dim]", highlight=False, soft_wrap=True)

        def say(outcome):
            name = outcome.path.name if outcome.path else outcome.document_id[:12]
            colour = {"built": "green", "failed": "red", "skipped": "dim"}.get(outcome.action, "")
            line = f"{outcome.action:>10}  {name}" + (f"  ({outcome.detail})" if outcome.detail else "")
            out.print(Text(line, style=colour), soft_wrap=True, highlight=False)

        outcomes = copies.make_copies(con, target, ids, force=force, on_done=say)
    finally:
        con.close()
    to_record = [o.built for o in outcomes if o.built is not None]
    if to_record:
        try:
            with writer_lock(location.home, _say_waiting):
                writer = wh.connect(location)
                try:
                    copies.record(writer, to_record)
                finally:
                    writer.close()
        except wh.WarehouseError as exc:
            raise _fail(str(exc))
    from collections import Counter

    counts = Counter(o.action for o in outcomes)
    out.print(", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "no document to copy",
              highlight=False)
    raise typer.Exit(code=1 if counts.get("failed") else 0)


@app.command("prune-runs")
def prune_runs(
    older_than: Annotated[Optional[float], typer.Option("--older-than", help="Days of run history to keep (default: $ARCHIVE_RUN_RETENTION_DAYS or 90).", min=0)] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Delete old runs from the Dagster run history (events, logs), keeping every run that
    holds a file's latest materialization. The warehouse is not touched."""
    from pipelines.defs.history import prune_runs as prune
    from pipelines.defs.maintenance import retention_days
    from pipelines.defs.runner import project_instance

    settings = _settings(warehouse)
    days = retention_days() if older_than is None else older_than
    instance = project_instance(settings)
    try:
        report = prune(instance, days)
    finally:
        instance.dispose()
    freed = (report.bytes_before - report.bytes_after) / 1e6
    out.print(f"Deleted {len(report.deleted)} run(s) older than {days:g} days from {settings.dagster_home}; "
              f"kept {report.kept_as_latest} that hold a file's latest materialization; {freed:.1f} MB freed.")


@app.command()
def worker(
    name: Annotated[Optional[str], typer.Option(help="The worker's name (default: archive-<pid>@<host>).")] = None,
    concurrency: Annotated[int, typer.Option(help="Steps run at once (processes).", min=1)] = 1,
    readers: Annotated[Optional[int], typer.Option(help="Documents read at once within a step (default: $ARCHIVE_WORKERS or one per core).", min=1)] = None,
) -> None:
    """A Celery worker for a deployment (ARCHIVE_EXECUTOR=celery): it takes the steps of reading
    runs from the broker ($ARCHIVE_CELERY_BROKER) and runs them here, one at a time per process,
    Tesseract single-threaded. Needs the deployment's settings (deploy/archive.env.example)."""
    import socket

    from pipelines.deploy.celery import QUEUE, broker_url

    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    if readers:
        env["ARCHIVE_WORKERS"] = str(readers)
    if not env.get("DAGSTER_HOME"):
        raise _usage_error("a worker writes to the deployment's run history: set $DAGSTER_HOME (deploy/dagster.yaml)")
    node = f"{name or f'archive-{os.getpid()}'}@{socket.gethostname()}"
    err.print(f"[dim]Celery worker {node} on {broker_url()}, queue {QUEUE}, {concurrency} process(es)[/dim]", highlight=False)
    command = [sys.executable, "-m", "celery", "-A", "pipelines.deploy.worker_app", "worker", "-Q", QUEUE,
               "-n", node, "--concurrency", str(concurrency), "--prefetch-multiplier", "1", "--pool", "prefork",
               "--without-gossip", "--without-mingle", "-l", "INFO"]
    os.execve(sys.executable, command, env)


@app.command("code-server")
def code_server_command(
    host: Annotated[Optional[str], typer.Option(help="Address to serve on (default: $ARCHIVE_CODE_SERVER_HOST or 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: $ARCHIVE_CODE_SERVER_PORT or 4266).")] = None,
) -> None:
    """The deployment's code server (deploy/workspace.yaml): the definitions loaded once for the
    daemon, the webserver and `archive submit`, and each run's process started from a process
    that has them imported. Start it on the daemon's machine before them; restart it after
    deploying new code."""
    from pipelines.deploy.code_server import command

    if not os.environ.get("DAGSTER_HOME"):
        raise _usage_error("the code server starts the deployment's runs: set $DAGSTER_HOME (deploy/dagster.yaml)")
    line = command(host, port)
    os.execv(line[0], line)


@app.command("daemon")
def daemon_command(
    workspace: Annotated[Optional[Path], typer.Option("--workspace", "-w", help="The workspace file (default: $DAGSTER_HOME/workspace.yaml, from deploy/workspace.yaml).")] = None,
) -> None:
    """The deployment's daemon: Dagster's `dagster-daemon run` (the run queue, retries, run
    monitoring, sensors, schedules) keeping one pooled connection to PostgreSQL instead of one
    per query. Start it on one machine, after the code server."""
    from pipelines.deploy.daemon import command

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise _usage_error("the daemon runs the deployment's queue: set $DAGSTER_HOME (deploy/dagster.yaml)")
    line = command(str(workspace or Path(home) / "workspace.yaml"))
    os.execv(line[0], line)


@app.command()
def submit(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files and folders (default: raw/).", show_default=False)] = None,
    files_per_run: Annotated[Optional[int], typer.Option(help="Files per reading run at most (default: $ARCHIVE_RUN_FILES, else one run per worker process, of at most 50 files).", min=1)] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every run.", min=1)] = 24 * 3600,
) -> None:
    """Ingest through the deployment ($DAGSTER_HOME with deploy/dagster.yaml): new and changed
    files become runs of a few files each, queued for the daemon, read on Celery workers
    (failed runs retried), then one loader run. Waits for them and reports."""
    from pipelines.deploy.submit import DeploymentError, submit_ingest

    settings = load_settings()
    roots = [p.expanduser().absolute() for p in (paths or [settings.raw_dir])]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise _usage_error("no such file or folder: " + ", ".join(missing))
    size = files_per_run or (int(os.environ["ARCHIVE_RUN_FILES"]) if os.environ.get("ARCHIVE_RUN_FILES", "").isdigit() else None)
    _say_where(settings, roots)
    try:
        report = submit_ingest(settings, roots, files_per_run=size, timeout_s=timeout, say=lambda m: err.print(m, highlight=False))
    except DeploymentError as exc:
        raise _fail(str(exc))
    out.print(f"{report.files} file(s), {report.to_read} read in {len(report.reading_runs)} run(s)"
              f"{f' ({len(report.retried)} retried)' if report.retried else ''}, loaded by run {report.load_run}; "
              f"warehouse: " + ", ".join(f"{n} {t}" for t, n in report.totals.items()) + f"; {report.seconds:.1f} s")
    if not report.success:
        raise _fail(f"run(s) failed: {', '.join(report.failed_runs)} (see the UI)")


@app.command()
def cluster(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Folders to ingest besides raw/samples/.", show_default=False)] = None,
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 3000,
    workers: Annotated[int, typer.Option(help="Celery workers to start.", min=1)] = 2,
    files_per_run: Annotated[Optional[int], typer.Option(help="Files per reading run at most (default: one run per worker).", min=1)] = None,
) -> None:
    """A deployment on this machine (`make cluster-demo`): PostgreSQL and Redis in a temporary
    folder on 127.0.0.1, the code server, the daemon, the web UI and Celery workers; ingests raw/samples/
    and PATHS through it, then waits until Ctrl-C, which stops everything it started."""
    import signal
    import tempfile
    import time

    from pipelines.deploy.cluster import start_cluster
    from pipelines.deploy.servers import ServerError, missing_programs

    settings = load_settings()
    roots = [(settings.project_dir / "raw" / "samples").absolute(), *[p.expanduser().absolute() for p in paths or []]]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise _usage_error("no such file or folder: " + ", ".join(missing))
    if missing_programs():
        raise _fail("missing programs: " + ", ".join(missing_programs()) + " (run `make setup` as root)")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    base = Path(tempfile.mkdtemp(prefix="archive-cluster-"))
    out.print(f"Starting PostgreSQL and Redis in {base} …")
    try:
        local = start_cluster(base, files_per_run=files_per_run)
    except ServerError as exc:
        raise _fail(str(exc))
    try:
        local.start_daemon()
        local.start_webserver(port)
        for n in range(workers):
            local.start_worker(f"worker{n + 1}", readers=1)
        local.wait_for_workers(workers)
        out.print(f"PostgreSQL on 127.0.0.1:{local.postgres.port}, Redis on 127.0.0.1:{local.redis.port}, "
                  f"{workers} Celery worker(s), daemon; logs in {base / 'logs'}")
        out.print(f"Dagster UI: http://127.0.0.1:{port}")
        command = [sys.executable, "-m", "pipelines.cli", "submit", *map(str, roots),
                   *(["--files-per-run", str(files_per_run)] if files_per_run else [])]
        import subprocess

        subprocess.run(command, env=local.env, check=False)
        out.print("\nThe deployment's settings, to run `archive` commands against it from another shell:")
        for key in ("DAGSTER_HOME", "ARCHIVE_DAGSTER_POSTGRES", "ARCHIVE_WAREHOUSE", "ARCHIVE_DATA_PATH",
                    "ARCHIVE_STATE_DIR", "ARCHIVE_EXECUTOR", "ARCHIVE_CELERY_BROKER", "ARCHIVE_CODE_SERVER_HOST",
                    "ARCHIVE_CODE_SERVER_PORT"):
            out.print(f"  export {key}='{local.env[key]}'", highlight=False, soft_wrap=True)
        out.print(f"\nThe UI is at http://127.0.0.1:{port}. Press Ctrl-C to stop every process started here "
                  "(or send SIGTERM to this one).")
        while all(s.alive() for s in local.services):
            time.sleep(1)
        dead = [s.name for s in local.services if not s.alive()]
        err.print(f"{', '.join(dead)} stopped: see {base / 'logs'}; stopping the rest")
    except KeyboardInterrupt:
        out.print("\nStopping …")
    finally:
        local.stop()
        shutil.rmtree(base, ignore_errors=True)
        out.print("Stopped: PostgreSQL, Redis, the code server, the daemon, the UI and the workers.")


def _dagster_env(settings: Settings) -> dict[str, str]:
    from pipelines.defs.history import set_dagster_env
    from pipelines.defs.runner import project_instance

    project_instance(settings).dispose()  # creates its dagster.yaml on first use
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(settings.dagster_home.resolve())
    env["ARCHIVE_WAREHOUSE"] = settings.warehouse
    set_dagster_env(env)
    return env


def main() -> None:
    try:
        app()
    finally:
        # The interpreter's last garbage collection walks every object the command made (Dagster
        # alone imports tens of thousands): 0.8-1.1 s after an ingestion's report, on this machine.
        # The process is ending; its objects are frozen out of that walk. atexit handlers and the
        # modules' own clean-up still run, and every connection and file was closed by its command.
        gc.freeze()


if __name__ == "__main__":
    main()
