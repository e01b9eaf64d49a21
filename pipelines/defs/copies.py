"""Access copies as an asset, partitioned like `document` (one partition per source file): the
PDF/A-2b copy of each file's document with OCR'd pages, written beside the warehouse (access/)
and recorded in `access_copies` (pipelines/core/publish/copies.py). A copy whose inputs have
not changed is not built again; a document without OCR'd pages needs none (its file is its own
access copy); one that cannot be made is recorded as failed with its reason, and the rest go on."""

from collections import Counter

import dagster as dg

from pipelines.config import PIPELINE_VERSION
from pipelines.core.publish import copies
from pipelines.defs.documents import key_to_path, source_file_partitions
from pipelines.defs.resources import WarehouseResource


@dg.asset(
    partitions_def=source_file_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    code_version=f"{PIPELINE_VERSION}+copies{copies.COPY_VERSION}",
    deps=["documents", "pages"],
    group_name="access",
    kinds={"pdf"},
)
def access_copies(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """PDF/A-2b access copies: the original page images with an invisible, searchable text layer
    (the text in force), the title, date and authors in force in the XMP."""
    out_dir = warehouse.location.home / "access"
    con = warehouse.read()
    if con is None:
        raise dg.Failure("no warehouse yet: ingest the files first")
    with con:
        ids, unknown = copies.documents_at(con, [key_to_path(k) for k in context.partition_keys])
        for path in unknown:
            context.log.warning(f"{path}: not in the warehouse (not loaded yet): no copy")
        outcomes = copies.make_copies(con, out_dir, ids)
    built = [o.built for o in outcomes if o.built is not None]
    if built:
        with warehouse.write() as writer:
            copies.record(writer, built)
    for outcome in outcomes:
        if outcome.action == "failed":
            context.log.warning(f"{outcome.document_id}: no copy: {outcome.detail}")
    counts = Counter(o.action for o in outcomes)
    return dg.MaterializeResult(metadata={
        "folder": str(out_dir),
        **{action.replace(" ", "_"): n for action, n in sorted(counts.items())},
        "copies": dg.MetadataValue.json([
            {"document_id": o.document_id, "action": o.action, "path": str(o.path) if o.path else None,
             "detail": o.detail} for o in outcomes[:50]]),
    })
