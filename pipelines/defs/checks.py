"""Asset checks shown in the UI: failures are explained, and nothing staged was left unloaded."""


import dagster as dg

from pipelines.core import staging
from pipelines.defs.resources import WarehouseResource


@dg.asset_check(asset="documents", description="Every failed or partial document says why.")
def failures_explained(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT source_path FROM documents WHERE status <> 'ok' AND coalesce(trim(error), '') = ''"
        ).fetchall()
        failed = con.execute("SELECT count(*) FROM documents WHERE status = 'failed'").fetchone()[0]
    return dg.AssetCheckResult(
        passed=not rows,
        metadata={"unexplained": dg.MetadataValue.json([r[0] for r in rows[:50]]), "failed_documents": failed},
    )


@dg.asset_check(
    asset="documents",
    description="Every staged document was loaded (none waits in warehouse/staging/).",
)
def staging_drained(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    waiting = staging.staged_files(warehouse.staging_dir)
    return dg.AssetCheckResult(
        passed=not waiting,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"waiting": dg.MetadataValue.json([p.name for p in waiting[:50]])},
    )
