"""Near-identical articles across documents: found at load time, linked, never deleted.

The same text often comes twice: a bulletin and a single-article PDF of one of its articles, a
text export and a scan of the same issue. Both rows are kept (each is what its file says); the
later one gets ``articles.duplicate_of`` = the ``article_id`` of the first, and analysts count
and search ``v_articles_unique`` (the articles whose ``duplicate_of`` is NULL).

How two articles are found alike without comparing every pair: each article's body is
normalized (lower case, no diacritics, 'đ' → 'd', what is not a letter or digit is a space),
cut into overlapping three-word shingles, and summarized by a MinHash signature of
``BANDS`` values (the least of each of ``BANDS`` hash functions over its shingles), stored one
row per value in ``article_signatures``. Two articles sharing at least ``MATCH`` of the
``BANDS`` values are candidates (MinHash estimates the share of shingles they have in common,
the Jaccard similarity); a candidate is a copy when at least ``SIMILARITY`` of the two bodies'
shingles are common, counted exactly on those two texts only (templated short news items share
many signature values by chance). Copies are near-identical: the same text with different line
breaks, tone-mark placement, hyphenation, a caption more or less, a few OCR misreadings. A load
computes the signatures of its own articles and looks up only their
values in ``article_signatures``: it costs what it adds, not the archive squared. Articles of
fewer than ``MIN_SHINGLES`` shingles are too short to tell and get no signature.

Which one is the first: an article already in the warehouse before one of the batch; within a
load, articles whose first was removed in that load (they were there earlier) before new ones,
then by article_id. When the first's document is replaced or removed, the articles that pointed
at it are looked at again in the same load, and one of them becomes the first (or they point at
another copy still there).

Everything here runs in SQL inside the load's transaction (``warehouse._commit_batch``), and the
same SQL fills a warehouse of an older schema once (``BACKFILL``, migrations version 8).
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np

BANDS = 16
MATCH = 8  # values shared out of BANDS to be a candidate (an estimated Jaccard similarity of 0.5)
SIMILARITY = 0.7  # a candidate is a copy when this share of the two bodies' shingles is common (checked exactly)
MIN_SHINGLES = 8
PRIME = (1 << 61) - 1  # hash functions (a·x + b) mod PRIME, as MinHash usually has them
# Fixed coefficients (from SHA-256, never to change: stored signatures depend on them).
_COEFFICIENTS = [
    (int.from_bytes(hashlib.sha256(f"duplicates a {k}".encode()).digest()[:8], "big") % (PRIME - 1) + 1,
     int.from_bytes(hashlib.sha256(f"duplicates b {k}".encode()).digest()[:8], "big") % PRIME)
    for k in range(BANDS)
]

# Temporary tables a load makes (b_<name>), dropped after it.
BATCH_TABLES = ("signatures", "removed_articles", "dup_candidates", "dup_matches", "dup_targets", "dup_shingles",
                "dup_stored")


def normalized_sql(column: str) -> str:
    """An article body as compared: lower case, no diacritics, 'đ' → 'd', words separated by one space."""
    return f"trim(regexp_replace(replace(strip_accents(lower({column})), 'đ', 'd'), '[^a-z0-9]+', ' ', 'g'))"


def shingles_sql(column: str) -> str:
    """The distinct three-word shingles of a body, normalized."""
    return (f"(SELECT list_distinct(list_transform(range(1, len(t) - 1), i -> t[i] || ' ' || t[i + 1] || ' ' || t[i + 2])) "
            f"FROM (SELECT string_split({normalized_sql(column)}, ' ') AS t))")


def similar_sql(left: str, right: str) -> str:
    """Two shingle lists share SIMILARITY of their union (Jaccard), exactly."""
    return (f"len(list_intersect({left}, {right})) >= {SIMILARITY} * "
            f"(len({left}) + len({right}) - len(list_intersect({left}, {right})))")


def _signature_sql(column: str) -> str:
    """The BANDS MinHash values of a body, as a list (NULL when it is too short): for each hash
    function k, the least (a_k·x + b_k) mod PRIME over its shingles x (an MD5 of the shingle)."""
    tokens = f"string_split({normalized_sql(column)}, ' ')"
    shingles = f"list_transform(range(1, len(t) - 1), i -> t[i] || ' ' || t[i + 1] || ' ' || t[i + 2])"
    hashes = f"list_transform(list_distinct(s), x -> (md5_number_lower(x) % {PRIME})::HUGEINT)"
    values = ", ".join(f"list_min(list_transform(h, x -> (x * {a} + {b}) % {PRIME}))::BIGINT" for a, b in _COEFFICIENTS)
    return f"""(SELECT CASE WHEN len(list_distinct(s)) >= {MIN_SHINGLES} THEN [{values}] END
                FROM (SELECT {hashes} AS h, s FROM (SELECT {shingles} AS s FROM (SELECT {tokens} AS t))))"""


def signatures_sql(articles: str) -> str:
    """article_signatures rows (article_id, document_id, band, key) of the articles in ``articles``."""
    return f"""
        SELECT article_id, document_id, (generate_subscripts(sig, 1) - 1)::TINYINT AS band,
               unnest(sig) AS key
        FROM (SELECT article_id, document_id, {_signature_sql('body')} AS sig FROM {articles}) WHERE sig IS NOT NULL
    """


# --- loading ----------------------------------------------------------------------------------


def stage_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Before the transaction: the signatures of the batch's articles (temp.b_articles).

    The same values as :func:`signatures_sql` (which fills older warehouses): the shingles and
    their hashes come from SQL, the BANDS minima from :func:`minhash` in 64-bit arithmetic.
    DuckDB's 128-bit products inside list lambdas took ~9 ms an article, most of a load."""
    tokens = f"string_split({normalized_sql('body')}, ' ')"
    shingles = "list_distinct(list_transform(range(1, len(t) - 1), i -> t[i] || ' ' || t[i + 1] || ' ' || t[i + 2]))"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_shingle_hashes AS
        SELECT article_id, document_id, list_transform(s, x -> md5_number_lower(x)) AS h
        FROM (SELECT article_id, document_id, {shingles} AS s
              FROM (SELECT article_id, document_id, {tokens} AS t FROM temp.b_articles))
        WHERE len(s) >= {MIN_SHINGLES}
    """)
    articles = con.execute("SELECT article_id, document_id, len(h) FROM temp.b_shingle_hashes ORDER BY article_id").fetchall()
    hashes = con.execute("""
        SELECT x FROM (SELECT article_id, unnest(h) AS x, generate_subscripts(h, 1) AS j FROM temp.b_shingle_hashes)
        ORDER BY article_id, j
    """).fetchnumpy()["x"]
    con.execute("DROP TABLE temp.b_shingle_hashes")
    keys: list[int] = []
    start = first = 0
    while start < len(articles):  # some articles at a time: the arrays stay in the cache
        stop, size = start, 0
        while stop < len(articles) and (stop == start or size + articles[stop][2] <= _CHUNK):
            size += articles[stop][2]
            stop += 1
        lengths = [n for _a, _d, n in articles[start:stop]]
        keys += minhash(np.asarray(hashes[first:first + size], dtype=np.uint64), lengths)
        start, first = stop, first + size
    sep = "\x1f"  # ids are the project's own (hex and digits); the separator cannot be in them
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_signatures AS
        SELECT * FROM (SELECT unnest(string_split($1, '{sep}')) AS article_id, unnest(string_split($2, '{sep}')) AS document_id,
                              unnest(string_split($3, ' ')::TINYINT[]) AS band, unnest(string_split($4, ' ')::BIGINT[]) AS key)
        WHERE $5 > 0 ORDER BY band, key
    """, [sep.join(a for a, _d, _n in articles for _k in range(BANDS)),
          sep.join(d for _a, d, _n in articles for _k in range(BANDS)),
          " ".join(str(k) for _a in articles for k in range(BANDS)), " ".join(map(str, keys)), len(keys)])


_CHUNK = 1 << 14  # shingle hashes per minhash call (16 × 8 bytes each, a few arrays of them)


_LOW32 = np.uint64((1 << 32) - 1)
_P = np.uint64(PRIME)
_A = np.array([a for a, _b in _COEFFICIENTS], dtype=np.uint64)[:, None]
_B = np.array([b for _a, b in _COEFFICIENTS], dtype=np.uint64)[:, None]


def minhash(hashes: np.ndarray, lengths: list[int]) -> list[int]:
    """For consecutive runs of ``lengths`` 64-bit shingle hashes (md5_number_lower), each run's
    BANDS values min((a_k·x + b_k) mod PRIME) over x = hash mod PRIME, run after run.

    Each 122-bit product a·x is cut into 32-bit pieces whose products fit 64 bits and folded
    with 2^61 ≡ 1 (mod PRIME): with a = a1·2^32 + a0 and x = x1·2^32 + x0,
    a·x ≡ 8·a1·x1 + (m >> 29) + (m mod 2^29)·2^32 + a0·x0 where m = a1·x0 + a0·x1. Every term
    is below 2^62 (a0·x0 is folded once first), so their sum fits 64 bits; one more fold and
    one subtraction leave the residue."""
    if not lengths:
        return []
    x = hashes % _P
    x1, x0 = (x >> np.uint64(32))[None, :], (x & _LOW32)[None, :]
    a1, a0 = _A >> np.uint64(32), _A & _LOW32
    total = (a1 * x1) << np.uint64(3)  # < 2^61
    m = a1 * x0
    m += a0 * x1  # < 2^62
    total += m >> np.uint64(29)
    m &= np.uint64((1 << 29) - 1)
    m <<= np.uint64(32)
    total += m
    low = a0 * x0  # < 2^64
    total += low & _P
    low >>= np.uint64(61)
    total += low
    total += _B  # < 2^61 + 2^62 + 2^61 + 2^61: under 2^64
    folded = total & _P
    total >>= np.uint64(61)
    folded += total  # < 2^61 + 8
    folded -= np.where(folded >= _P, _P, np.uint64(0))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.minimum.reduceat(folded, starts, axis=1).T.reshape(-1).tolist()


def note_removed(con: duckdb.DuckDBPyConnection, ids_table: str) -> None:
    """Inside the transaction, before the replaced documents' rows go: their articles' ids."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_removed_articles AS
        SELECT article_id FROM articles WHERE document_id IN (SELECT document_id FROM {ids_table})
    """)


def resolve(con: duckdb.DuckDBPyConnection, ids_table: str, any_removed: bool) -> int:
    """Inside the transaction, after the replaced documents' rows went and before the batch's
    articles are inserted: set ``duplicate_of`` of the batch's articles (in temp.b_articles) and
    of the articles whose first was removed (in ``articles``), and insert the batch's
    signatures. Returns how many of the batch's articles are copies."""
    orphans = []
    if any_removed and con.execute("SELECT count(*) FROM temp.b_removed_articles").fetchone()[0]:
        orphans = con.execute(f"""
            SELECT article_id, document_id FROM articles
            WHERE duplicate_of IN (SELECT article_id FROM temp.b_removed_articles)
              AND document_id NOT IN (SELECT document_id FROM {ids_table})
        """).fetchall()
    new = con.execute("SELECT count(*) FROM temp.b_signatures").fetchone()[0]
    if not new and not orphans:
        return 0
    # The candidates' signatures: the batch's, and the orphans' as stored.
    con.execute("CREATE OR REPLACE TEMP TABLE b_dup_candidates AS "
                "SELECT article_id, document_id, band, key, false AS earlier FROM temp.b_signatures")
    if orphans:
        con.execute("CREATE OR REPLACE TEMP TABLE b_orphans AS SELECT unnest(?::VARCHAR[]) AS article_id",
                    [[a for a, _d in orphans]])
        con.execute("""
            INSERT INTO temp.b_dup_candidates
            SELECT article_id, document_id, band, key, true FROM article_signatures
            WHERE article_id IN (SELECT article_id FROM temp.b_orphans)
        """)
        con.execute("DROP TABLE temp.b_orphans")
    # The candidates' shingles, to check the signatures' estimate exactly.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_dup_shingles AS
        SELECT article_id, {shingles_sql('body')} AS sh FROM temp.b_articles
        WHERE article_id IN (SELECT article_id FROM temp.b_dup_candidates)
    """)
    if orphans:
        con.execute(f"""
            INSERT INTO temp.b_dup_shingles
            SELECT article_id, {shingles_sql('body')} FROM articles
            WHERE article_id IN (SELECT article_id FROM temp.b_dup_candidates WHERE earlier)
        """)
    # Matches with the warehouse's articles (not candidates themselves; a stored match that is
    # itself a copy stands for its first). The signatures first, then the bodies of the stored
    # articles they point at, if any: reading the articles' bodies costs memory in proportion to
    # the table, and most loads have no candidate at all.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_dup_stored AS
        WITH stored AS (
            SELECT s.article_id, s.document_id, s.band, s.key FROM article_signatures s
            WHERE s.key IN (SELECT key FROM temp.b_dup_candidates)
              AND s.article_id NOT IN (SELECT article_id FROM temp.b_dup_candidates)
        )
        SELECT c.article_id, s.article_id AS other
        FROM temp.b_dup_candidates c JOIN stored s ON s.band = c.band AND s.key = c.key AND s.document_id <> c.document_id
        GROUP BY ALL HAVING count(*) >= {MATCH}
    """)
    first_in_warehouse = {}
    if con.execute("SELECT count(*) FROM temp.b_dup_stored").fetchone()[0]:
        first_in_warehouse = dict(con.execute(f"""
            WITH stored_articles AS (
                SELECT article_id, duplicate_of, body FROM articles WHERE article_id IN (SELECT other FROM temp.b_dup_stored)
            )
            SELECT m.article_id, min(coalesce(a.duplicate_of, a.article_id))
            FROM temp.b_dup_stored m JOIN stored_articles a ON a.article_id = m.other
            JOIN temp.b_dup_shingles c ON c.article_id = m.article_id
            WHERE {similar_sql('c.sh', shingles_sql('a.body'))}
            GROUP BY m.article_id
        """).fetchall())
    # Matches among the candidates.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_dup_matches AS
        WITH m AS (
            SELECT c.article_id, o.article_id AS other
            FROM temp.b_dup_candidates c JOIN temp.b_dup_candidates o
                 ON o.band = c.band AND o.key = c.key AND o.document_id <> c.document_id AND o.article_id <> c.article_id
            GROUP BY ALL HAVING count(*) >= {MATCH}
        )
        SELECT m.article_id, m.other FROM m
        JOIN temp.b_dup_shingles x ON x.article_id = m.article_id JOIN temp.b_dup_shingles y ON y.article_id = m.other
        WHERE {similar_sql('x.sh', 'y.sh')}
    """)
    alike: dict[str, set[str]] = {}
    for a, b in con.execute("SELECT article_id, other FROM temp.b_dup_matches").fetchall():
        alike.setdefault(a, set()).add(b)
    order = [r[0] for r in con.execute(
        "SELECT article_id FROM temp.b_dup_candidates GROUP BY article_id ORDER BY bool_or(earlier) DESC, article_id"
    ).fetchall()]
    rank = {a: i for i, a in enumerate(order)}
    target: dict[str, str | None] = {}
    for article in order:
        if article in first_in_warehouse:
            target[article] = first_in_warehouse[article]
            continue
        firsts = sorted((o for o in alike.get(article, ()) if rank[o] < rank[article] and target[o] is None), key=rank.get)
        target[article] = firsts[0] if firsts else None
    orphan_ids = [a for a, _d in orphans]
    if orphans:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE b_dup_targets AS "
            "SELECT unnest(?::VARCHAR[]) AS article_id, unnest(?::VARCHAR[]) AS duplicate_of",
            [orphan_ids, [target.get(a) for a in orphan_ids]],
        )
        con.execute("UPDATE articles SET duplicate_of = t.duplicate_of FROM temp.b_dup_targets t "
                    "WHERE articles.article_id = t.article_id")
    copies = {a: t for a, t in target.items() if t is not None and a not in set(orphan_ids)}
    if copies:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE b_dup_targets AS "
            "SELECT unnest(?::VARCHAR[]) AS article_id, unnest(?::VARCHAR[]) AS duplicate_of",
            [list(copies), list(copies.values())],
        )
        con.execute("UPDATE temp.b_articles SET duplicate_of = t.duplicate_of FROM temp.b_dup_targets t "
                    "WHERE b_articles.article_id = t.article_id")
    if new:
        con.execute("INSERT INTO article_signatures SELECT article_id, document_id, band, key FROM temp.b_signatures")
    return len(copies)


# --- a warehouse of an older schema, once ---------------------------------------------------------

# Signatures of every article, then each article linked to the first (by ingestion time, then
# article_id) of the earlier articles it matches, and through it to that one's first.
BACKFILL = [
    f"INSERT INTO article_signatures {signatures_sql('articles')} ORDER BY band, key",
    f"""
    UPDATE articles SET duplicate_of = m.target FROM (
        WITH ordered AS (
            SELECT a.article_id, row_number() OVER (ORDER BY d.ingested_at, a.article_id) AS n
            FROM articles a JOIN documents d USING (document_id)
        ),
        candidates AS (
            SELECT a.article_id, b.article_id AS other
            FROM article_signatures a JOIN article_signatures b
                 ON a.band = b.band AND a.key = b.key AND a.document_id <> b.document_id
            GROUP BY ALL HAVING count(*) >= {MATCH}
        ),
        shingles AS (
            SELECT article_id, {shingles_sql('body')} AS sh FROM articles
            WHERE article_id IN (SELECT article_id FROM candidates) OR article_id IN (SELECT other FROM candidates)
        ),
        matches AS (
            SELECT c.article_id, c.other FROM candidates c
            JOIN shingles x ON x.article_id = c.article_id JOIN shingles y ON y.article_id = c.other
            WHERE {similar_sql('x.sh', 'y.sh')}
        ),
        earliest AS (
            SELECT m.article_id, arg_min(m.other, o.n) AS target
            FROM matches m JOIN ordered o ON o.article_id = m.other JOIN ordered me ON me.article_id = m.article_id
            WHERE o.n < me.n GROUP BY m.article_id
        )
        SELECT e.article_id, coalesce(f.target, e.target) AS target
        FROM earliest e LEFT JOIN earliest f ON f.article_id = e.target
    ) m
    WHERE articles.article_id = m.article_id
    """,
]
