"""Search latency, index build time and a no-op re-ingest, on synthetic Vietnamese articles.

    .venv/bin/python bench/search.py [--articles 100000] [--queries 200] [--files 1000]

Builds a warehouse of N synthetic articles of realistic length (a generator of our own over a
Vietnamese vocabulary taken from the seed bulletin, province names and library terms), builds
the two BM25 indexes, then times queries typed with and without diacritics (median and p95),
and the time of re-ingesting F unchanged files, against the time of the first ingestion of the
same files (ratios survive a noisy machine; the targets are p95 ≤ 50 ms and a no-op re-ingest
≤ 3 s). Writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_result  # noqa: E402  (bench/ is on sys.path when run as a script)

from pipelines.core.store import search, warehouse
from pipelines.core.text.tones import fold  # noqa: E402

PLACES = ["Hà Nội", "Quảng Ninh", "Hải Phòng", "Thừa Thiên Huế", "Đà Nẵng", "Đồng Tháp", "Cần Thơ",
          "Nghệ An", "Thanh Hóa", "Lào Cai", "Bắc Ninh", "Khánh Hòa", "Lâm Đồng", "An Giang"]
TERMS = ["thư viện", "bạn đọc", "tài liệu", "số hóa", "biên mục", "hội thảo", "tập huấn", "phòng đọc",
         "sách quý", "văn hóa đọc", "thư mục", "mượn sách", "thiếu nhi", "cán bộ", "nghiệp vụ"]


def vocabulary(rng: random.Random, size: int = 2500) -> list[str]:
    """Vietnamese syllables in a Zipf-like order: the seed bulletin's words first (the most
    frequent), then valid syllables made from onsets, rhymes and tones."""
    from pipelines.core.text.quality import syllable_ok

    seed = (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    words = list(dict.fromkeys(re.findall(r"\w+", seed.lower())))
    onsets = ["", "b", "c", "ch", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr", "v", "x"]
    rhymes = ["a", "ai", "an", "ang", "anh", "ao", "at", "ac", "ach", "ăn", "ăng", "âm", "ân", "âu", "e", "em", "en", "êu", "i", "im",
              "in", "inh", "o", "oa", "oan", "ong", "ôi", "ôn", "ông", "ơi", "ơn", "u", "ui", "un", "ung", "ưa", "ương", "ươi", "uyên", "iêng", "iêt"]
    marks = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    import unicodedata

    made = []
    for onset in onsets:
        for rhyme in rhymes:
            vowel = next(i for i, c in enumerate(rhyme) if c in "aăâeêioôơuưy")
            for mark in marks:
                word = unicodedata.normalize("NFC", onset + rhyme[: vowel + 1] + mark + rhyme[vowel + 1 :])
                if syllable_ok(word) and word not in words:
                    made.append(word)
    rng.shuffle(made)
    return (words + made)[:size]


def make_articles(n: int, rng: random.Random) -> list[tuple[str, str]]:
    vocab = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]  # Zipf: a few words everywhere, most rare
    articles = []
    for i in range(n):
        place = rng.choice(PLACES)
        term = rng.choice(TERMS)
        title = f"{term.capitalize()} tại {place}"
        sentences = []
        for _ in range(rng.randint(12, 30)):  # 150–450 words: a bulletin news item
            words = rng.choices(vocab, weights, k=rng.randint(10, 18))
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words)), rng.choice(TERMS))
            if rng.random() < 0.1:
                words.insert(rng.randrange(len(words)), place)
            sentences.append(" ".join(words).capitalize() + ".")
        articles.append((title, " ".join(sentences)))
    return articles


def build_warehouse(path: Path, articles: list[tuple[str, str]]) -> float:
    con = warehouse.connect(path)
    folded, exact = [], []
    for i, (title, body) in enumerate(articles):
        text = search.article_text(title, body, None, [])
        f, e = search.search_rows(f"a{i}", text)
        folded.append(f | {"document_id": f"d{i}"})
        exact.append(e | {"document_id": f"d{i}"})
    warehouse._bulk_insert(con, "search_folded", warehouse.SEARCH_COLUMNS, folded)
    warehouse._bulk_insert(con, "search_exact", warehouse.SEARCH_COLUMNS, exact)
    warehouse._bulk_insert(con, "articles", warehouse.ARTICLE_COLUMNS, (
        {"article_id": f"a{i}", "document_id": f"d{i}", "seq": 1, "title": t, "body": b, "published_date": None,
         "date_text": None, "location": None, "authors": [], "page_start": 1, "page_end": 1}
        for i, (t, b) in enumerate(articles)
    ))
    warehouse._bulk_insert(con, "documents", {
        "document_id": "VARCHAR", "source_path": "VARCHAR", "file_name": "VARCHAR", "media_type": "VARCHAR",
        "page_count": "INTEGER", "status": "VARCHAR", "ingested_at": "TIMESTAMP", "pipeline_version": "VARCHAR"},
        ({"document_id": f"d{i}", "source_path": f"/raw/{i}.txt", "file_name": f"{i}.txt", "media_type": "text/plain",
          "page_count": 1, "status": "ok", "ingested_at": "2026-01-01 00:00:00", "pipeline_version": "bench"}
         for i in range(len(articles))))
    start = time.perf_counter()
    warehouse.refresh_search(con)
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def time_queries(path: Path, queries: list[str]) -> list[float]:
    con = warehouse.connect(path, read_only=True)
    search.search(con, queries[0])  # warm up: load the extension, read the index
    times = []
    for query in queries:
        start = time.perf_counter()
        search.search(con, query, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    return times


def noop_reingest(files: int) -> tuple[float, float]:
    from pipelines.config import load_settings
    from pipelines.defs.runner import run_ingest

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "raw"
        folder.mkdir()
        for i in range(files):
            (folder / f"tin-{i:04d}.txt").write_text(f"TIN SỐ {i}\n\nNgày 22/ 5/ 2014, tại Hà Nội, hội nghị lần thứ {i} đã diễn ra.\n", encoding="utf-8")
        import os
        os.environ["DAGSTER_HOME"] = str(Path(tmp) / "dagster")
        settings = load_settings().with_warehouse(Path(tmp) / "wh.duckdb")
        start = time.perf_counter()
        first = run_ingest(settings, [folder])
        first_seconds = time.perf_counter() - start
        assert first.success and first.documents_read == files, first.run_error
        start = time.perf_counter()
        again = run_ingest(settings, [folder])
        again_seconds = time.perf_counter() - start
        assert again.success and again.documents_read == 0
    return first_seconds, again_seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        start = time.perf_counter()
        articles = make_articles(args.articles, rng)
        generated = time.perf_counter() - start
        index_seconds = build_warehouse(path, articles)
        phrases = [f"{rng.choice(TERMS)} {rng.choice(PLACES)}" for _ in range(args.queries)]
        with_marks = time_queries(path, phrases)
        without_marks = time_queries(path, [fold(q) for q in phrases])
        shutil.rmtree(tmp, ignore_errors=True)
    first, again = noop_reingest(args.files)
    result = {
        "articles": args.articles,
        "generate_seconds": round(generated, 1),
        "index_build_seconds": round(index_seconds, 2),
        "query_ms_with_diacritics": {"median": round(statistics.median(with_marks), 1), "p95": round(percentile(with_marks, 0.95), 1)},
        "query_ms_without_diacritics": {"median": round(statistics.median(without_marks), 1), "p95": round(percentile(without_marks, 0.95), 1)},
        "files": args.files,
        "first_ingest_seconds": round(first, 2),
        "noop_reingest_seconds": round(again, 2),
        "noop_to_first_ratio": round(again / first, 3),
    }
    write_result("search", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
