"""Schema versions and how to upgrade an older warehouse in place.

A new warehouse gets the latest schema (schema.sql) at once. An older one gets, in one
transaction, the statements of each version after its own; tables new in a version come from
schema.sql (CREATE TABLE IF NOT EXISTS), so a version lists only changes to existing tables.
Rows are never dropped: columns are added, never renamed or removed.
"""

LATEST = 3

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
}
