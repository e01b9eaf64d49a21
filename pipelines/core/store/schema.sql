-- The warehouse contract (docs/warehouse.md), as DuckLake tables. Later versions add tables and
-- columns; they never rename or drop these.
--
-- DuckLake has no key or check constraints: the keys marked "key" below are kept unique by the
-- loader (pipelines/core/store/warehouse.py), which replaces a document's rows as a whole in one
-- transaction, and which checks documents.status itself.

CREATE TABLE IF NOT EXISTS schema_info (
    key   VARCHAR NOT NULL,              -- key
    value VARCHAR NOT NULL
);

-- One row per path ever ingested, whatever became of it.
CREATE TABLE IF NOT EXISTS files (
    source_path  VARCHAR NOT NULL,       -- key
    document_id  VARCHAR NOT NULL,      -- SHA-256 of the bytes (see documents)
    byte_size    BIGINT,
    modified_at  TIMESTAMP,             -- the file's mtime, UTC
    seen_at      TIMESTAMP NOT NULL     -- when ingestion first saw these bytes at this path (UTC)
);

-- One row per distinct content: the same bytes at two paths are one document.
CREATE TABLE IF NOT EXISTS documents (
    document_id      VARCHAR NOT NULL,     -- key: SHA-256 of the file's bytes
    source_path      VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    media_type       VARCHAR NOT NULL,
    byte_size        BIGINT,
    page_count       INTEGER NOT NULL,
    status           VARCHAR NOT NULL,     -- 'ok' | 'partial' | 'failed'
    error            VARCHAR,              -- why it failed or is partial, for a person to read
    ingested_at      TIMESTAMP NOT NULL,   -- UTC
    pipeline_version VARCHAR NOT NULL,
    masthead         VARCHAR,              -- the issue's masthead as written, e.g. 'BẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 2/2014'
    issue_number     VARCHAR,              -- '2/2014'
    issue_date       DATE,                 -- first day of the stated period
    issue_date_precision VARCHAR           -- 'day' | 'month' | 'quarter' | 'year'
);

CREATE TABLE IF NOT EXISTS pages (
    document_id VARCHAR NOT NULL,
    page_number INTEGER NOT NULL,          -- 1-based
    method      VARCHAR NOT NULL,          -- 'text' | 'ocr' | 'empty' | 'failed'
    text        VARCHAR NOT NULL,          -- NFC, paragraphs separated by a blank line
    char_count  INTEGER NOT NULL,
    confidence  DOUBLE,                    -- mean OCR word confidence 0-100; NULL for text layers
    engine      VARCHAR,                   -- e.g. 'pdfplumber 0.11.10', 'tesseract 5.3.0 (vie)'
    reason      VARCHAR,                   -- why this method was used
    error       VARCHAR,                   -- why the page could not be read
    text_layer_chars INTEGER,              -- non-blank characters in the PDF text layer (NULL: no PDF)
    quality     DOUBLE,                    -- text-quality score 0-1 of the text layer, when scored
    cleanup     VARCHAR,                   -- image clean-up steps applied before OCR
    dpi         INTEGER,                   -- resolution of the image OCR read
    original_text VARCHAR,                 -- the text as extracted when a repair changed it (legacy encodings)
    flags       VARCHAR                    -- warnings for a reviewer
);                                         -- key: (document_id, page_number)

-- Every OCR word with its confidence and its box on the page image (pixels at pages.dpi):
-- any OCR'd value can be traced back to the pixels it came from.
CREATE TABLE IF NOT EXISTS ocr_words (
    document_id VARCHAR NOT NULL,
    page_number INTEGER NOT NULL,
    word_number INTEGER NOT NULL,          -- reading order on the page, 1-based
    text        VARCHAR NOT NULL,
    confidence  DOUBLE,                    -- 0-100; -1 when Tesseract gives none
    "left"      INTEGER,
    top         INTEGER,
    width       INTEGER,
    height      INTEGER
);

CREATE TABLE IF NOT EXISTS articles (
    article_id     VARCHAR NOT NULL,       -- key: '<document_id>-<seq>'
    document_id    VARCHAR NOT NULL,
    seq            INTEGER NOT NULL,       -- 1-based order in the document
    title          VARCHAR,
    body           VARCHAR NOT NULL,
    published_date DATE,                   -- NULL when the text states no date
    date_text      VARCHAR,                -- the words the date came from
    location       VARCHAR,                -- the venue as written
    authors        VARCHAR[],
    page_start     INTEGER,
    page_end       INTEGER,
    date_end       DATE,                   -- for ranges
    date_precision VARCHAR,                -- 'day' | 'month' | 'quarter' | 'year'
    date_source    VARCHAR,                -- 'text' | 'text+issue_year' | 'issue'
    date_confidence DOUBLE,
    date_span_start INTEGER,               -- offsets in body of the words the date came from
    date_span_end   INTEGER,
    location_confidence DOUBLE,
    location_span_start INTEGER,
    location_span_end   INTEGER,
    duplicate_of   VARCHAR                 -- the article_id of the first near-identical article, in another document (schema 8)
);

-- Each article's MinHash signature: BANDS values of its normalized body's three-word shingles,
-- one row each (pipelines/core/store/duplicates.py). Articles sharing most values are
-- near-identical; a load looks up only its own articles' values. Too short an article has none.
CREATE TABLE IF NOT EXISTS article_signatures (
    article_id  VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    band        TINYINT NOT NULL,          -- 0 … 15
    key         BIGINT NOT NULL            -- the least hash of band's function over the shingles
);

-- Places an article names: its venue and the provinces it mentions, in both systems.
CREATE TABLE IF NOT EXISTS article_places (
    article_id  VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,          -- as written
    role        VARCHAR NOT NULL,          -- 'venue' | 'mentioned'
    span_start  INTEGER,                   -- offsets in articles.body
    span_end    INTEGER,
    confidence  DOUBLE,
    province_code_legacy VARCHAR,          -- the 63-province system (before July 2025)
    province_name_legacy VARCHAR,
    province_code_2025   VARCHAR,          -- the 34-province system
    province_name_2025   VARCHAR
);

-- People and organizations credited by an article: authors, photographers, cited sources.
CREATE TABLE IF NOT EXISTS article_people (
    article_id   VARCHAR NOT NULL,
    document_id  VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    role         VARCHAR NOT NULL,         -- 'author' | 'photo' | 'source'
    contribution VARCHAR,                  -- 'text+photo' for "Tin, ảnh:", …
    title        VARCHAR,                  -- 'TS.', 'ThS.', …
    kind         VARCHAR,                  -- 'person' | 'organization'
    affiliation  VARCHAR,
    span_start   INTEGER,
    span_end     INTEGER,
    confidence   DOUBLE
);

-- Search rows behind `archive search` (see pipelines/core/store/search.py): each article's title,
-- place, authors and body, folded (no diacritics) and in Telex (diacritics as ASCII letters).
-- The BM25 index made from them is the search_* tables below.
CREATE TABLE IF NOT EXISTS search_folded (
    article_id  VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    text        VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS search_exact (
    article_id  VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    text        VARCHAR NOT NULL
);

-- What each run read: one row per document a run read and the loader loaded (the run ids are
-- Dagster's, as shown in `archive ui`). The documents table keeps the latest reading only.
CREATE TABLE IF NOT EXISTS run_documents (
    run_id        VARCHAR NOT NULL,
    document_id   VARCHAR NOT NULL,
    source_path   VARCHAR NOT NULL,        -- the path it was read from
    status        VARCHAR NOT NULL,        -- 'ok' | 'partial' | 'failed', as read by that run
    error         VARCHAR,
    page_count    INTEGER NOT NULL,
    article_count INTEGER NOT NULL,
    read_seconds  DOUBLE,                  -- time its worker took
    pipeline_version VARCHAR NOT NULL,
    loaded_at     TIMESTAMP NOT NULL       -- UTC
);                                         -- key: (run_id, document_id)

-- The BM25 index, kept up to date by each load in the same transaction as the articles: the
-- terms are the tokens of search_folded (idx 0) and search_exact (idx 1), cut as DuckDB's
-- full-text-search extension cuts them, and each two adjacent tokens of them, 'da nang' (idx 2
-- folded pairs, idx 3 exact pairs; schema 8). A load appends its own rows and never updates shared ones.
CREATE TABLE IF NOT EXISTS search_docs (
    doc         BIGINT NOT NULL,           -- key: a stable 64-bit hash of article_id
    article_id  VARCHAR NOT NULL,
    document_id VARCHAR NOT NULL,
    len_folded  INTEGER NOT NULL,          -- tokens in the folded text
    len_exact   INTEGER NOT NULL           -- tokens in the Telex text
);
CREATE TABLE IF NOT EXISTS search_postings (
    idx  TINYINT NOT NULL,                 -- 0 folded, 1 exact (Telex), 2 folded pairs, 3 exact pairs
    term VARCHAR NOT NULL,
    doc  BIGINT NOT NULL,
    tf   INTEGER NOT NULL,                 -- occurrences of the term in the article
    len  INTEGER NOT NULL                  -- the article's length in this index (saves a join)
);
-- Document frequencies and collection sizes as deltas (+ for articles added, - for articles
-- removed), summed when read; maintenance folds them into one row each.
CREATE TABLE IF NOT EXISTS search_df (
    idx  TINYINT NOT NULL,
    term VARCHAR NOT NULL,
    df   BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS search_stats (
    idx       TINYINT NOT NULL,
    docs      BIGINT NOT NULL,
    total_len BIGINT NOT NULL
);

-- One row per load: the DuckLake snapshot it committed, so that "the archive as of load 42" can
-- be read again with AT (VERSION => snapshot_id) while that snapshot is retained.
CREATE TABLE IF NOT EXISTS loads (
    load_id          BIGINT NOT NULL,      -- key: 1, 2, 3, … in commit order
    snapshot_id      BIGINT NOT NULL,      -- the DuckLake snapshot of this load's commit
    run_id           VARCHAR,              -- the Dagster run that loaded it
    started_at       TIMESTAMP NOT NULL,   -- UTC
    committed_at     TIMESTAMP NOT NULL,   -- UTC
    documents        INTEGER NOT NULL,     -- documents loaded (read by a run)
    paths            INTEGER NOT NULL,     -- files rows inserted or changed
    articles         INTEGER NOT NULL,     -- articles loaded
    replaced         INTEGER NOT NULL,     -- documents whose older rows were replaced or removed
    pipeline_version VARCHAR NOT NULL
);

-- Archivists' corrections (pipelines/core/store/corrections.py, docs/review.md): written by reviewers,
-- never by a load, so a re-read cannot lose them. Each save adds a row; the latest row of a thread (one
-- field of one article or page) is in force. v_corrections says where each applies now, and its state.
CREATE TABLE IF NOT EXISTS corrections (
    correction_id   VARCHAR NOT NULL,      -- key: a UUID, kept by export and import
    thread_id       VARCHAR NOT NULL,      -- one field of one target: its rows in order, the latest in force
    target          VARCHAR NOT NULL,      -- 'article' | 'page'
    document_id     VARCHAR NOT NULL,      -- the document it was made on
    source_path     VARCHAR,               -- that document's file then (followed if its bytes change)
    page_number     INTEGER,               -- the page (target 'page'); the article's first page
    article_id      VARCHAR,               -- the article then ('<document_id>-<seq>'; seq can change at a re-read)
    article_seq     INTEGER,
    article_title   VARCHAR,               -- its title and the start of its body as extracted then:
    article_opening VARCHAR,               --   how it is found again after a re-read (v_corrections)
    field           VARCHAR NOT NULL,      -- 'title' | 'published_date' | 'location' | 'authors' | 'provinces' | 'text'
    action          VARCHAR NOT NULL,      -- 'set' | 'revert' (the extractor's value stands again)
    extracted_value VARCHAR,               -- the extractor's value it replaces, as text (NULL: none)
    value           VARCHAR,               -- the corrected value: dates YYYY-MM-DD, lists as JSON arrays; NULL: none
    value_detail    VARCHAR,               -- JSON: what the value resolves to (provinces: codes and names, both systems)
    reviewer        VARCHAR NOT NULL,
    corrected_at    TIMESTAMP NOT NULL,    -- UTC
    note            VARCHAR
);

-- Access copies (pipelines/core/publish/, docs/access-copies.md): one row per copy written (schema 9).
-- A copy is PDF/A-2b with the original page images and an invisible text layer; it is rebuilt
-- when what it is made of (inputs) changes: the pipeline, the reading, the text or metadata in force.
CREATE TABLE IF NOT EXISTS access_copies (
    document_id      VARCHAR NOT NULL,     -- key, with path
    path             VARCHAR NOT NULL,     -- absolute path of the copy
    status           VARCHAR NOT NULL,     -- 'ok' | 'failed'
    sha256           VARCHAR,              -- of the copy's bytes (NULL when failed)
    pages            INTEGER,
    pdfa_part        VARCHAR,              -- '2b'; NULL when the source keeps it from PDF/A (note says why)
    note             VARCHAR,              -- why it failed, or what to know about it
    inputs           VARCHAR NOT NULL,     -- digest of what it was made of
    created_at       TIMESTAMP NOT NULL,   -- UTC
    pipeline_version VARCHAR NOT NULL
);
