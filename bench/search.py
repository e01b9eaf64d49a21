"""Search latency and a no-op re-ingest, on synthetic Vietnamese articles, against the previous
implementation in the same run.

    .venv/bin/python bench/search.py [--articles 100000] [--queries 200] [--files 1000] [--no-previous]
                                     [--keep DIR | --warehouse DIR]

``--keep DIR`` builds the warehouse in DIR and leaves it there; ``--warehouse DIR`` times the
searches on a warehouse built so earlier (same articles and queries: the generator is seeded),
without building anything or re-ingesting.

Builds a warehouse of N synthetic articles of realistic length (a generator of our own over a
Vietnamese vocabulary taken from the seed bulletin, province names and library terms) as
ingestion runs would (batches of 5,000, then maintenance), then times queries typed with and
without diacritics (median and p95), one process, one after the other:

- as `archive search` runs them: on the search cache when it holds the warehouse's last
  snapshot (search_cache.Searcher), which it does after a load, scored by its arrays
  (search_arrays.py), and query by query in turn the same cache scored by DuckDB's SQL (the way
  before the arrays: ``cache_scored_by_duckdb``);
- on the DuckLake warehouse itself (what a search falls back to while the cache is behind);
- with the previous implementation (the DuckDB file with the full-text-search extension's index,
  from git history: bench/warehouses.py), on the same articles.

Then the time of re-ingesting F unchanged files, against the time of the first ingestion of the
same files (ratios survive a noisy machine; the targets are p95 ≤ 50 ms and a no-op re-ingest
≤ 3 s). Writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_file import write_result  # noqa: E402  (bench/ is on sys.path when run as a script)

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
    cumulative = list(itertools.accumulate(weights))  # what choices() makes of weights at each call, once
    articles = []
    for i in range(n):
        place = rng.choice(PLACES)
        term = rng.choice(TERMS)
        title = f"{term.capitalize()} tại {place}"
        sentences = []
        for _ in range(rng.randint(12, 30)):  # 150–450 words: a bulletin news item
            words = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(10, 18))
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words)), rng.choice(TERMS))
            if rng.random() < 0.1:
                words.insert(rng.randrange(len(words)), place)
            sentences.append(" ".join(words).capitalize() + ".")
        articles.append((title, " ".join(sentences)))
    return articles


def time_queries(search, queries: list[str]) -> list[float]:
    search(queries[0])  # warm up: open the files, read the index's metadata
    times = []
    for query in queries:
        start = time.perf_counter()
        search(query)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict:
    return {"median": round(statistics.median(times), 1), "p95": round(percentile(times, 0.95), 1)}


def time_lake(path: Path, phrases: list[str]) -> dict:
    from pipelines.core.store import search, search_cache
    from pipelines.core.store import warehouse as wh
    from pipelines.core.text.tones import fold

    out = {"cache": {}, "cache_scored_by_duckdb": {}}
    location = wh.location_of(path)
    with search_cache.Searcher(location) as searcher:
        searcher.search(phrases[0])
        assert searcher.last_used == "cache", "the search cache does not hold the last snapshot"
        arrays = searcher._arrays
        assert arrays is not None, "the search cache has no arrays (rebuilt by `archive maintain`)"

        def scored_by(kept):
            def run(query):
                searcher._arrays = kept
                searcher.search(query, limit=10)
            return run

        for label, qs in (("with_diacritics", phrases), ("without_diacritics", [fold(q) for q in phrases])):
            times = time_queries_in_turn([scored_by(arrays), scored_by(None)], qs)
            out["cache"][label], out["cache_scored_by_duckdb"][label] = (summary(t) for t in times)
        searcher._arrays = arrays
    with wh.connect(location, read_only=True) as con:
        out["lake"] = {label: summary(time_queries(lambda q: search.search(con, q, limit=10), qs))
                       for label, qs in (("with_diacritics", phrases), ("without_diacritics", [fold(q) for q in phrases]))}
    return out


def time_queries_in_turn(ways, queries: list[str]) -> list[list[float]]:
    """Each query run each way in turn (the machine's drift falls on all ways alike)."""
    for way in ways:
        way(queries[0])
    times = [[] for _ in ways]
    for query in queries:
        for way, spent in zip(ways, times):
            start = time.perf_counter()
            way(query)
            spent.append((time.perf_counter() - start) * 1000)
    return times


def noop_reingest(files: int) -> tuple[float, float]:
    import os

    from pipelines.config import load_settings
    from pipelines.defs.runner import run_ingest

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "raw"
        folder.mkdir()
        for i in range(files):
            (folder / f"tin-{i:04d}.txt").write_text(f"TIN SỐ {i}\n\nNgày 22/ 5/ 2014, tại Hà Nội, hội nghị lần thứ {i} đã diễn ra.\n", encoding="utf-8")
        import os
        os.environ["DAGSTER_HOME"] = str(Path(tmp) / "dagster")
        settings = load_settings().with_warehouse(Path(tmp) / "wh")
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
    import warehouses

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--no-previous", action="store_true", help="skip the previous implementation")
    parser.add_argument("--keep", type=Path, help="build the warehouse in this folder and keep it")
    parser.add_argument("--warehouse", type=Path, help="time a warehouse built earlier with --keep")
    args = parser.parse_args()
    rng = random.Random(7)
    start = time.perf_counter()
    corpus = make_articles(args.articles, rng)
    generated = time.perf_counter() - start
    phrases = [f"{rng.choice(TERMS)} {rng.choice(PLACES)}" for _ in range(args.queries)]
    result = {"articles": args.articles, "queries": args.queries, "generate_seconds": round(generated, 1)}
    if args.warehouse:
        result.update(time_lake(args.warehouse, phrases))
        write_result("search-kept", result)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = args.keep or work / "wh"
        result["build_seconds"] = round(warehouses.build_lake(path, corpus), 1)
        result.update(time_lake(path, phrases))
        if not args.no_previous:
            previous = warehouses.unpack_previous(work)
            old = work / "previous" / "archive.duckdb"
            result["previous_build_seconds"] = warehouses.run(["build-previous", str(old), str(args.articles)],
                                                              previous=previous)["seconds"]
            (work / "phrases.json").write_text(json.dumps(phrases, ensure_ascii=False), encoding="utf-8")
            result["previous"] = warehouses.run(["time-queries", str(old), str(work / "phrases.json")], previous=previous)
            result["previous_commit"] = (previous / "COMMIT").read_text()
    first, again = noop_reingest(args.files)
    result.update({
        "files": args.files,
        "first_ingest_seconds": round(first, 2),
        "noop_reingest_seconds": round(again, 2),
        "noop_to_first_ratio": round(again / first, 3),
    })
    write_result("search", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
