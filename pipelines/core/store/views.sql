-- Analyst views (docs/warehouse.md). Recreated by every writing connection, so they always
-- match this pipeline's tables.

-- One row per article: its document, dates, places and people flattened.
CREATE OR REPLACE VIEW v_articles AS
SELECT
    a.article_id,
    a.document_id,
    d.source_path,
    d.file_name,
    d.media_type,
    d.masthead,
    d.issue_number,
    d.issue_date,
    a.seq,
    a.title,
    a.published_date,
    a.date_end,
    a.date_precision,
    a.date_source,
    a.date_text,
    a.location,
    coalesce((SELECT list(DISTINCT p.province_name_legacy ORDER BY p.province_name_legacy) FROM article_places p
              WHERE p.article_id = a.article_id AND p.province_name_legacy IS NOT NULL), []) AS provinces,
    coalesce((SELECT list(DISTINCT p.province_name_2025 ORDER BY p.province_name_2025) FROM article_places p
              WHERE p.article_id = a.article_id AND p.province_name_2025 IS NOT NULL), []) AS provinces_2025,
    a.authors,
    coalesce((SELECT list(pp.name ORDER BY pp.span_start) FROM article_people pp
              WHERE pp.article_id = a.article_id AND pp.role = 'photo'), []) AS photographers,
    coalesce((SELECT list(pp.name ORDER BY pp.span_start) FROM article_people pp
              WHERE pp.article_id = a.article_id AND pp.role = 'source'), []) AS sources,
    a.page_start,
    a.page_end,
    a.body,
    a.duplicate_of
FROM articles a
JOIN documents d USING (document_id);

-- One row per distinct text: the articles that are not a near-identical copy of an earlier one
-- (articles.duplicate_of, pipelines/core/store/duplicates.py), with how many copies each has.
-- What to count and search: the counting views below and `archive search` use it.
CREATE OR REPLACE VIEW v_articles_unique AS
SELECT
    v.* EXCLUDE (duplicate_of),
    coalesce(c.copies, 0) AS copies,
    coalesce(c.copy_ids, []) AS copy_ids
FROM v_articles v
LEFT JOIN (SELECT duplicate_of AS article_id, count(*) AS copies, list(article_id ORDER BY article_id) AS copy_ids
           FROM articles WHERE duplicate_of IS NOT NULL GROUP BY duplicate_of) c USING (article_id)
WHERE v.duplicate_of IS NULL;

-- People credited, with how many articles (distinct texts: copies are not counted) and over which dates.
CREATE OR REPLACE VIEW v_people AS
SELECT
    pp.name,
    pp.role,
    any_value(pp.title) AS title,
    any_value(pp.kind) AS kind,
    count(DISTINCT pp.article_id) AS articles,
    min(a.published_date) AS first_date,
    max(a.published_date) AS last_date
FROM article_people pp
JOIN articles a USING (article_id)
WHERE a.duplicate_of IS NULL
GROUP BY pp.name, pp.role;

-- Provinces named by articles, in both systems, with how many articles (distinct texts) name each.
CREATE OR REPLACE VIEW v_places AS
SELECT
    p.province_code_legacy,
    p.province_name_legacy,
    p.province_code_2025,
    p.province_name_2025,
    count(DISTINCT p.article_id) AS articles,
    count(DISTINCT p.article_id) FILTER (WHERE p.role = 'venue') AS as_venue,
    min(a.published_date) AS first_date,
    max(a.published_date) AS last_date
FROM article_places p
JOIN articles a USING (article_id)
WHERE (p.province_code_legacy IS NOT NULL OR p.province_code_2025 IS NOT NULL) AND a.duplicate_of IS NULL
GROUP BY ALL;

-- Ingestion health, one row per document: how it was read and how well.
CREATE OR REPLACE VIEW v_ingestion_health AS
SELECT
    d.document_id,
    d.source_path,
    d.file_name,
    d.media_type,
    d.status,
    d.error,
    d.page_count,
    coalesce(list(DISTINCT p.method ORDER BY p.method) FILTER (WHERE p.method IS NOT NULL), []) AS methods,
    count(p.page_number) FILTER (WHERE p.method = 'ocr') AS ocr_pages,
    count(p.page_number) FILTER (WHERE p.method = 'failed') AS failed_pages,
    round(avg(p.confidence), 1) AS mean_ocr_confidence,
    round(avg(p.quality), 3) AS mean_quality,
    count(p.flags) AS flagged_pages,
    (SELECT count(*) FROM articles a WHERE a.document_id = d.document_id) AS articles,
    d.ingested_at,
    d.pipeline_version
FROM documents d
LEFT JOIN pages p USING (document_id)
GROUP BY ALL;
