"""The loader: everything staged → the warehouse, in one DuckLake transaction."""

import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.config import PIPELINE_VERSION
from pipelines.core.store import search_cache, staging
from pipelines.core.store import warehouse as wh
from pipelines.defs.abandoned import tag_process
from pipelines.defs.resources import WarehouseResource

TABLES = {
    "files": "One row per path ever ingested.",
    "documents": "One row per distinct file content (SHA-256), with its status and the reason of any failure.",
    "pages": "Each page's text, the method that read it and why, and the OCR confidence.",
    "articles": "Articles with title, body, date, place and authors.",
}
SNAPSHOT_TAG = "archive/snapshot_id"
LOAD_TAG = "archive/load_id"


@dataclass
class LoadOutcome:
    result: wh.LoadResult
    staged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (staged file, why)
    cache: str = ""


def load_staged(warehouse: WarehouseResource, run_id: str | None = None, log=None) -> LoadOutcome:
    """Load every staged document and path (this run's, other runs', any a crashed run left)
    in one transaction, under the writer lock. A staged file goes only once its rows are
    committed, and only if nobody staged it again meanwhile; one that cannot be read is set
    aside with its reason (staging/rejected/), and its file, not in the warehouse, is read
    again by the next ingestion. Then the search cache follows the new snapshot."""
    warehouse.staging_dir.mkdir(parents=True, exist_ok=True)  # also where a load works, staged or not
    with warehouse.write() as con:
        paths = staging.staged_files(warehouse.staging_dir)
        signatures = {p: _signature(p) for p in paths}
        outcome = LoadOutcome(wh.LoadResult(None, None), staged=len(paths))

        def items():
            for path in reversed(paths):  # newest first: a later staging of a path wins
                try:
                    yield staging.read_staged(path)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    reason = f"cannot read the staged result: {type(exc).__name__}: {exc}"
                    staging.reject(path, reason)
                    signatures.pop(path, None)
                    outcome.rejected.append((path.name, reason))
                    if log:
                        log.warning(f"{path.name}: {reason}")

        outcome.result = wh.load_batch(con, items(), pipeline_version=PIPELINE_VERSION, run_id=run_id,
                                       work_dir=warehouse.staging_dir)
        for path, signature in signatures.items():
            if _signature(path) == signature:  # not staged again while this load ran
                path.unlink(missing_ok=True)
        outcome.cache = search_cache.refresh(con, warehouse.location).describe()
    return outcome


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, description=text, deps=["document"], group_name="warehouse", kinds={"duckdb"})
        for name, text in TABLES.items()
    ],
    pool="duckdb_writer",
)
def warehouse_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load every staged document and path in one DuckLake transaction (one snapshot, recorded
    in `loads` and in this run's tags), with the search index in the same transaction.
    Readers keep reading the previous snapshot until it commits; nothing is copied."""
    tag_process(context)  # while it holds the loader's slot: if this process dies, the slot is freed
    started = time.perf_counter()
    outcome = load_staged(warehouse, run_id=context.run.run_id, log=context.log)
    load_seconds = round(time.perf_counter() - started, 2)
    result = outcome.result
    with warehouse.read() as con:
        totals = wh.counts(con)
    if result.load_id is not None:
        context.instance.add_run_tags(context.run.run_id, {LOAD_TAG: str(result.load_id), SNAPSHOT_TAG: str(result.snapshot_id)})
    context.log.info(
        f"loaded {result.documents} documents and {result.paths} paths"
        + (f" as load {result.load_id} (snapshot {result.snapshot_id})" if result.load_id is not None else ": nothing changed")
        + f"; search cache: {outcome.cache}"
    )
    for name in TABLES:
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={
                "rows": totals[name],
                "load_seconds": load_seconds,
                "documents_loaded": result.documents,
                "paths_recorded": result.paths,
                "load_id": result.load_id,
                "snapshot_id": result.snapshot_id,
                "staged_rejected": dg.MetadataValue.json([{"file": f, "reason": r} for f, r in outcome.rejected]),
            },
        )
