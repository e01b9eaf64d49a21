"""Schema versions and how to upgrade an older warehouse in place.

A new warehouse gets the latest schema (schema.sql) at once. An older one gets, in one
transaction, the statements of each version after its own; tables new in a version come from
schema.sql (CREATE TABLE IF NOT EXISTS), so a version lists only changes to existing tables.
Rows are never dropped: columns are added, never renamed or removed.
"""

LATEST = 5

UPGRADES: dict[int, list[str]] = {
    # 2: page routing recorded as data (scan path), OCR words (new table ocr_words).
    2: [
        "ALTER TABLE pages ADD COLUMN IF NOT EXISTS text_layer_chars INTEGER",
        "ALTER TABLE pages ADD COLUMN IF NOT EXISTS quality DOUBLE",
        "ALTER TABLE pages ADD COLUMN IF NOT EXISTS cleanup VARCHAR",
        "ALTER TABLE pages ADD COLUMN IF NOT EXISTS dpi INTEGER",
    ],
    # 3: search tables (new; filled from the existing articles by warehouse.ensure_schema).
    3: [],
    # 4: legacy-encoding repair kept auditable, mastheads, article evidence; article_places and
    #    article_people are new tables.
    4: [
        "ALTER TABLE pages ADD COLUMN IF NOT EXISTS original_text VARCHAR",
        "ALTER TABLE pages ADD COLUMN IF NOT EXISTS flags VARCHAR",
        "ALTER TABLE documents ADD COLUMN IF NOT EXISTS masthead VARCHAR",
        "ALTER TABLE documents ADD COLUMN IF NOT EXISTS issue_number VARCHAR",
        "ALTER TABLE documents ADD COLUMN IF NOT EXISTS issue_date DATE",
        "ALTER TABLE documents ADD COLUMN IF NOT EXISTS issue_date_precision VARCHAR",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS date_end DATE",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS date_precision VARCHAR",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS date_source VARCHAR",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS date_confidence DOUBLE",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS date_span_start INTEGER",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS date_span_end INTEGER",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS location_confidence DOUBLE",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS location_span_start INTEGER",
        "ALTER TABLE articles ADD COLUMN IF NOT EXISTS location_span_end INTEGER",
    ],
    # 5: run_documents (new table): what each run read, so a run's figures come from the
    #    warehouse and not from Dagster's event metadata.
    5: [],
}
