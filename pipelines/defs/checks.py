"""Asset checks shown in the UI, per batch: failures are explained, nothing staged was left,
no article is loaded twice, and how complete the metadata is. A failing check is a warning
(except an unexplained failure): it never loses a document. Checks read the warehouse's last
snapshot, as any reader: never blocked by a load."""

import contextlib

import dagster as dg

from pipelines.core.store import staging
from pipelines.defs.resources import WarehouseResource


@contextlib.contextmanager
def _reading(warehouse: WarehouseResource):
    con = warehouse.read()
    if con is None:
        raise dg.Failure(f"no warehouse at {warehouse.location.describe()} yet: nothing has been loaded")
    with con:
        yield con

# Below these shares of articles with a date / place / author, completeness warns.
MIN_SHARES = {"date": 0.5, "place": 0.3, "author": 0.3}


@dg.asset_check(asset="documents", description="Every failed or partial document says why.")
def failures_explained(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with _reading(warehouse) as con:
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
    description="Every staged document was loaded (none waits in warehouse/staging/, none was set aside as unreadable).",
)
def staging_drained(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    waiting = staging.staged_files(warehouse.staging_dir)
    rejected = staging.rejected_files(warehouse.staging_dir)
    return dg.AssetCheckResult(
        passed=not waiting and not rejected,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"waiting": dg.MetadataValue.json([p.name for p in waiting[:50]]),
                  "rejected": dg.MetadataValue.json([{"file": p.name, "reason": r} for p, r in rejected[:50]])},
    )


@dg.asset_check(asset="articles", description="No article is loaded twice (the same text in two documents: copies the "
                                              "loader linked to their first, articles.duplicate_of).")
def no_duplicate_articles(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with _reading(warehouse) as con:
        duplicates = duplicate_articles(con)
    return dg.AssetCheckResult(
        passed=not duplicates,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"duplicates": len(duplicates), "examples": dg.MetadataValue.json(duplicates[:20])},
    )


def duplicate_articles(con) -> list[dict]:
    """Groups of an article and its copies in other documents, as the loader links them
    (``articles.duplicate_of``: the same text, near enough, in two documents): the links are
    read, not the bodies, so the check costs what the copies are, not what the archive is."""
    copies = con.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]
    if not copies:
        return []
    rows = con.execute(
        """
        WITH copies AS (SELECT document_id, duplicate_of AS first FROM articles WHERE duplicate_of IS NOT NULL),
        firsts AS (SELECT article_id AS first, document_id, title FROM articles
                   WHERE article_id IN (SELECT first FROM copies)),
        members AS (SELECT first, document_id FROM copies UNION ALL SELECT first, document_id FROM firsts)
        SELECT any_value(f.title), list(DISTINCT d.file_name ORDER BY d.file_name)
        FROM members m JOIN firsts f USING (first) JOIN documents d ON d.document_id = m.document_id
        GROUP BY m.first
        ORDER BY m.first
        """
    ).fetchall()
    return [{"title": r[0], "files": r[1]} for r in rows]


@dg.asset_check(asset="articles", description="Share of articles with a date, a place and an author.")
def metadata_completeness(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with _reading(warehouse) as con:
        shares = completeness(con)
    low = [f"{field} {share:.0%} < {MIN_SHARES[field]:.0%}" for field, share in shares.items() if share is not None and share < MIN_SHARES[field]]
    return dg.AssetCheckResult(
        passed=not low,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(low) or "complete enough",
        metadata={f"share_with_{field}": share for field, share in shares.items()},
    )


def completeness(con) -> dict[str, float | None]:
    total, dated, placed, authored = con.execute(
        """
        SELECT count(*), count(published_date), count(*) FILTER (WHERE location IS NOT NULL OR EXISTS (
                   SELECT 1 FROM article_places p WHERE p.article_id = a.article_id)),
               count(*) FILTER (WHERE len(authors) > 0)
        FROM articles a
        """
    ).fetchone()
    if not total:
        return {"date": None, "place": None, "author": None}
    return {"date": dated / total, "place": placed / total, "author": authored / total}
