-- Analyst views (docs/warehouse.md). Recreated by every writing connection, so they always
-- match this pipeline's tables.

-- Archivists' corrections (corrections.py): one row per thread (one field of one article or page),
-- its latest row, where it applies in the warehouse as it is now, and its state:
--   applied   the target is there and the extractor still gives the value the correction replaced;
--   conflict  a re-read changed the extracted value under it: it still applies, a reviewer confirms it;
--   orphaned  the target is gone (the article disappeared at a re-segmentation, the file is gone): it
--             applies nowhere, and stays listed until a reviewer attaches it elsewhere or reverts it;
--   reverted  withdrawn: the extractor's value stands.
-- An article is found again by its title and the opening of its body (folded: no diacritics, case or
-- spacing), in the same document, or in the document now at the same path if the file's bytes changed.
-- (Distances and lengths in bytes of the folded text, as levenshtein counts. corrections.py resolves
-- one document's corrections the same way in Python, for the reading room; a test keeps them equal.)
CREATE OR REPLACE VIEW v_corrections AS
WITH latest AS (
    SELECT c.*, trim(regexp_replace(replace(strip_accents(lower(coalesce(c.article_title, ''))), 'đ', 'd'), '\s+', ' ', 'g')) AS n_title, trim(regexp_replace(replace(strip_accents(lower(coalesce(c.article_opening, ''))), 'đ', 'd'), '\s+', ' ', 'g')) AS n_opening
    FROM corrections c
    QUALIFY row_number() OVER (PARTITION BY c.thread_id ORDER BY c.corrected_at DESC, c.correction_id DESC) = 1
),
home AS (
    SELECT l.thread_id,
           CASE WHEN l.document_id IN (SELECT document_id FROM documents) THEN l.document_id
                ELSE (SELECT max(f.document_id) FROM files f WHERE f.source_path = l.source_path) END AS document_id
    FROM latest l
),
candidates AS (
    SELECT l.thread_id, a.article_id, a.seq, l.article_seq, l.n_title, l.n_opening,
           trim(regexp_replace(replace(strip_accents(lower(coalesce(a.title, ''))), 'đ', 'd'), '\s+', ' ', 'g')) AS a_title, trim(regexp_replace(replace(strip_accents(lower(coalesce(left(a.body, 300), ''))), 'đ', 'd'), '\s+', ' ', 'g')) AS a_opening
    FROM latest l JOIN home h USING (thread_id) JOIN articles a ON a.document_id = h.document_id
    WHERE l.target = 'article'
),
scored AS (
    SELECT thread_id, article_id, seq, article_seq,
           n_title <> '' AND a_title = n_title AS same_title,
           CASE WHEN n_title <> '' AND a_title <> '' THEN jaro_winkler_similarity(a_title, n_title) ELSE 0 END AS title_similarity,
           CASE WHEN n_opening = '' AND a_opening = '' THEN 1.0
                ELSE 1 - levenshtein(a_opening, n_opening) / greatest(strlen(a_opening), strlen(n_opening))::DOUBLE END
               AS opening_similarity
    FROM candidates
),
found AS (
    SELECT thread_id, article_id,
           CASE WHEN same_title AND opening_similarity >= 0.6 THEN 'same'
                WHEN same_title THEN 'title'
                WHEN opening_similarity >= 0.8 THEN 'opening'
                WHEN title_similarity >= 0.93 AND opening_similarity >= 0.5 THEN 'similar' END AS matched_by,
           CASE WHEN same_title AND opening_similarity >= 0.6 THEN 1 WHEN same_title THEN 2
                WHEN opening_similarity >= 0.8 THEN 3 WHEN title_similarity >= 0.93 AND opening_similarity >= 0.5 THEN 4
           END AS tier,
           opening_similarity, abs(seq - coalesce(article_seq, seq)) AS distance
    FROM scored
),
best AS (
    SELECT * FROM found WHERE tier IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY thread_id ORDER BY tier, opening_similarity DESC, distance, article_id) = 1
),
placed AS (
    SELECT l.*, h.document_id AS home_document_id, b.article_id AS current_article_id, b.matched_by,
           a.published_date AS a_date, a.title AS a_title, a.location AS a_location, coalesce(a.authors, []) AS a_authors,
           a.page_start AS a_page,
           coalesce((SELECT list(DISTINCT p.province_name_legacy ORDER BY p.province_name_legacy) FROM article_places p
                     WHERE p.article_id = b.article_id AND p.province_name_legacy IS NOT NULL), []) AS a_provinces,
           pg.text AS pg_text, pg.page_number AS pg_number
    FROM latest l
    JOIN home h USING (thread_id)
    LEFT JOIN best b USING (thread_id)
    LEFT JOIN articles a ON a.article_id = b.article_id
    LEFT JOIN pages pg ON l.target = 'page' AND pg.document_id = h.document_id AND pg.page_number = l.page_number
)
SELECT
    thread_id,
    correction_id,
    CASE WHEN action = 'revert' THEN 'reverted'
         WHEN (target = 'article' AND current_article_id IS NULL) OR (target = 'page' AND pg_number IS NULL) THEN 'orphaned'
         WHEN CASE field
                  WHEN 'title' THEN extracted_value IS DISTINCT FROM a_title
                  WHEN 'location' THEN extracted_value IS DISTINCT FROM a_location
                  WHEN 'published_date' THEN TRY_CAST(extracted_value AS DATE) IS DISTINCT FROM a_date
                  WHEN 'authors' THEN coalesce(from_json(extracted_value, '["VARCHAR"]'), []) IS DISTINCT FROM a_authors
                  WHEN 'provinces' THEN coalesce(from_json(extracted_value, '["VARCHAR"]'), []) IS DISTINCT FROM a_provinces
                  WHEN 'text' THEN coalesce(extracted_value, '') IS DISTINCT FROM coalesce(pg_text, '')
              END THEN 'conflict'
         ELSE 'applied' END AS state,
    target,
    field,
    value,
    value_detail,
    extracted_value,
    CASE WHEN target = 'page' THEN pg_text
         WHEN current_article_id IS NULL THEN NULL
         ELSE CASE field WHEN 'title' THEN a_title WHEN 'location' THEN a_location
                         WHEN 'published_date' THEN CAST(a_date AS VARCHAR)
                         WHEN 'authors' THEN to_json(a_authors)::VARCHAR
                         WHEN 'provinces' THEN to_json(a_provinces)::VARCHAR END
    END AS current_extracted_value,
    CASE WHEN target = 'page' AND pg_number IS NULL THEN NULL
         WHEN target = 'article' AND current_article_id IS NULL THEN NULL
         ELSE home_document_id END AS document_id,
    current_article_id AS article_id,
    CASE WHEN target = 'page' THEN pg_number ELSE a_page END AS page_number,
    matched_by,
    document_id AS recorded_document_id,
    article_id AS recorded_article_id,
    page_number AS recorded_page_number,
    article_title,
    article_opening,
    source_path,
    action,
    reviewer,
    corrected_at,
    note
FROM placed;

-- The values in force of each corrected article field (applied or in conflict), one row per article.
CREATE OR REPLACE VIEW v_article_corrections AS
SELECT
    article_id,
    list(DISTINCT field ORDER BY field) AS fields,
    bool_or(field = 'title') AS has_title,
    arg_max_null(value, corrected_at) FILTER (WHERE field = 'title') AS title,
    bool_or(field = 'published_date') AS has_date,
    TRY_CAST(arg_max_null(value, corrected_at) FILTER (WHERE field = 'published_date') AS DATE) AS published_date,
    bool_or(field = 'location') AS has_location,
    arg_max_null(value, corrected_at) FILTER (WHERE field = 'location') AS location,
    bool_or(field = 'authors') AS has_authors,
    from_json(arg_max_null(value, corrected_at) FILTER (WHERE field = 'authors'), '["VARCHAR"]') AS authors,
    bool_or(field = 'provinces') AS has_provinces,
    from_json(arg_max_null(value_detail, corrected_at) FILTER (WHERE field = 'provinces'),
              '[{"code_legacy": "VARCHAR", "name_legacy": "VARCHAR", "code_2025": "VARCHAR", "name_2025": "VARCHAR"}]')
        AS provinces
FROM v_corrections
WHERE target = 'article' AND state IN ('applied', 'conflict')
GROUP BY article_id;

-- One row per article: its document, dates, places and people flattened.
CREATE OR REPLACE VIEW v_articles AS
WITH extracted AS (
    SELECT
        a.*,
        coalesce((SELECT list(DISTINCT p.province_name_legacy ORDER BY p.province_name_legacy) FROM article_places p
                  WHERE p.article_id = a.article_id AND p.province_name_legacy IS NOT NULL), []) AS x_provinces,
        coalesce((SELECT list(DISTINCT p.province_name_2025 ORDER BY p.province_name_2025) FROM article_places p
                  WHERE p.article_id = a.article_id AND p.province_name_2025 IS NOT NULL), []) AS x_provinces_2025
    FROM articles a
)
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
    CASE WHEN c.has_title THEN c.title ELSE a.title END AS title,
    CASE WHEN c.has_date THEN c.published_date ELSE a.published_date END AS published_date,
    CASE WHEN c.has_date THEN NULL ELSE a.date_end END AS date_end,
    CASE WHEN c.has_date THEN (CASE WHEN c.published_date IS NULL THEN NULL ELSE 'day' END) ELSE a.date_precision END
        AS date_precision,
    CASE WHEN c.has_date THEN 'review' ELSE a.date_source END AS date_source,
    CASE WHEN c.has_date THEN NULL ELSE a.date_text END AS date_text,
    CASE WHEN c.has_location THEN c.location ELSE a.location END AS location,
    CASE WHEN c.has_provinces THEN coalesce(list_sort(list_distinct([p.name_legacy FOR p IN c.provinces])), [])
         ELSE a.x_provinces END AS provinces,
    CASE WHEN c.has_provinces THEN coalesce(list_sort(list_distinct([p.name_2025 FOR p IN c.provinces])), [])
         ELSE a.x_provinces_2025 END AS provinces_2025,
    CASE WHEN c.has_authors THEN coalesce(c.authors, []) ELSE a.authors END AS authors,
    coalesce((SELECT list(pp.name ORDER BY pp.span_start) FROM article_people pp
              WHERE pp.article_id = a.article_id AND pp.role = 'photo'), []) AS photographers,
    coalesce((SELECT list(pp.name ORDER BY pp.span_start) FROM article_people pp
              WHERE pp.article_id = a.article_id AND pp.role = 'source'), []) AS sources,
    a.page_start,
    a.page_end,
    a.body,
    c.article_id IS NOT NULL AS corrected,               -- a reviewer's value is in force for some field
    coalesce(c.fields, []) AS corrected_fields,
    a.title AS extracted_title,                            -- the extractor's values, as in `articles`
    a.published_date AS extracted_published_date,
    a.location AS extracted_location,
    a.authors AS extracted_authors,
    a.x_provinces AS extracted_provinces,
    a.x_provinces_2025 AS extracted_provinces_2025,
    a.duplicate_of                                         -- the earlier copy of this text, if any
FROM extracted a
JOIN documents d USING (document_id)
LEFT JOIN v_article_corrections c USING (article_id);

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
WITH credited AS (
    SELECT pp.article_id, pp.name, pp.role, pp.title, pp.kind FROM article_people pp
    WHERE pp.role <> 'author' OR pp.article_id NOT IN (SELECT article_id FROM v_article_corrections WHERE has_authors)
    UNION ALL
    SELECT c.article_id, unnest(c.authors), 'author', NULL, NULL FROM v_article_corrections c WHERE c.has_authors
)
SELECT
    pp.name,
    pp.role,
    any_value(pp.title) AS title,
    any_value(pp.kind) AS kind,
    count(DISTINCT pp.article_id) AS articles,
    min(a.published_date) AS first_date,
    max(a.published_date) AS last_date
FROM credited pp
JOIN v_articles a USING (article_id)
WHERE a.duplicate_of IS NULL
GROUP BY pp.name, pp.role;

-- Provinces named by articles, in both systems, with how many articles (distinct texts) name each.
CREATE OR REPLACE VIEW v_places AS
WITH named AS (
    SELECT p.article_id, p.role, p.province_code_legacy, p.province_name_legacy, p.province_code_2025, p.province_name_2025
    FROM article_places p
    WHERE p.article_id NOT IN (SELECT article_id FROM v_article_corrections WHERE has_provinces)
    UNION ALL
    SELECT c.article_id,
           CASE WHEN EXISTS (SELECT 1 FROM article_places v WHERE v.article_id = c.article_id AND v.role = 'venue'
                             AND v.province_code_legacy = c.province.code_legacy) THEN 'venue' ELSE 'mentioned' END,
           c.province.code_legacy, c.province.name_legacy, c.province.code_2025, c.province.name_2025
    FROM (SELECT article_id, unnest(provinces) AS province FROM v_article_corrections WHERE has_provinces) c
)
SELECT
    p.province_code_legacy,
    p.province_name_legacy,
    p.province_code_2025,
    p.province_name_2025,
    count(DISTINCT p.article_id) AS articles,
    count(DISTINCT p.article_id) FILTER (WHERE p.role = 'venue') AS as_venue,
    min(a.published_date) AS first_date,
    max(a.published_date) AS last_date
FROM named p
JOIN v_articles a USING (article_id)
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

-- One row per page: its text as corrected by a reviewer where one did, the extractor's beside it.
CREATE OR REPLACE VIEW v_pages AS
SELECT
    p.document_id,
    d.file_name,
    p.page_number,
    p.method,
    CASE WHEN c.thread_id IS NOT NULL THEN coalesce(c.value, '') ELSE p.text END AS text,
    p.confidence,
    p.quality,
    p.flags,
    p.engine,
    p.reason,
    p.error,
    c.thread_id IS NOT NULL AS corrected,
    p.text AS extracted_text
FROM pages p
JOIN documents d USING (document_id)
LEFT JOIN (
    SELECT document_id, page_number, arg_max_null(thread_id, corrected_at) AS thread_id, arg_max_null(value, corrected_at) AS value
    FROM v_corrections WHERE target = 'page' AND field = 'text' AND state IN ('applied', 'conflict')
    GROUP BY document_id, page_number
) c ON c.document_id = p.document_id AND c.page_number = p.page_number;
