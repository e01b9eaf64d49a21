"""Field-level precision and recall of the metadata extractors on a hand-labelled test set.

    .venv/bin/python bench/metadata_eval.py [--markdown] [--errors]

Reads tests/data/metadata_eval.json (bulletin issues of our own making: a masthead and
several articles each, with hand-labelled gold fields), runs the extractors the way the
article builder does — the masthead first, its issue date then the reference for partial
dates — and scores every field:

* masthead_title, masthead_issue, masthead_date: one value per issue;
* date: (ISO date, precision) of :func:`pipelines.core.metadata.dates.article_date`;
* venue: :func:`pipelines.core.metadata.places.find_venue`, whitespace normalised;
* provinces (legacy names), provinces_2025 (2025 names): the set of provinces of
  :func:`pipelines.core.metadata.places.article_places`;
* authors: the set of (name, role) of author and photo credits of
  :func:`pipelines.core.metadata.people.find_credits` (names compared case-insensitively);
* titles: the set of (name, title) of credits that carry a title;
* sources: the set of cited sources.

For a single-valued field a prediction equal to the gold value is a true positive, any other
prediction a false positive, and a gold value not predicted a false negative (a wrong value
counts as both). For sets, each element counts. Precision = TP / (TP + FP), recall = TP /
(TP + FN); "n/a" when undefined. Writes bench/results/metadata_eval.json (metrics and every
error, article by article).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.metadata.dates import article_date  # noqa: E402
from pipelines.core.metadata.masthead import find_masthead  # noqa: E402
from pipelines.core.metadata.people import find_credits  # noqa: E402
from pipelines.core.metadata.places import article_places, find_venue  # noqa: E402

DATA = ROOT / "tests" / "data" / "metadata_eval.json"
RESULTS = ROOT / "bench" / "results" / "metadata_eval.json"
FIELDS = (
    "masthead_title",
    "masthead_issue",
    "masthead_date",
    "date",
    "venue",
    "provinces",
    "provinces_2025",
    "authors",
    "titles",
    "sources",
)


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


# ---------------------------------------------------------------------------
# Predictions and gold values, as comparable values per field
# ---------------------------------------------------------------------------


def masthead_values(masthead_text: str) -> tuple[dict, dt.date | None, str | None]:
    """The masthead fields predicted, and the issue date and precision for the articles."""
    masthead = find_masthead(masthead_text)
    if masthead is None:
        return {"masthead_title": None, "masthead_issue": None, "masthead_date": None}, None, None
    date = (masthead.issue_date.isoformat(), masthead.precision) if masthead.issue_date else None
    values = {"masthead_title": _norm(masthead.title), "masthead_issue": masthead.issue_number, "masthead_date": date}
    return values, masthead.issue_date, masthead.precision


def gold_masthead_values(gold: dict) -> dict:
    date = (gold["issue_date"], gold["precision"]) if gold.get("issue_date") else None
    return {"masthead_title": _norm(gold.get("title")), "masthead_issue": gold.get("issue_number"), "masthead_date": date}


def article_values(text: str, issue_date: dt.date | None, issue_precision: str | None) -> dict:
    """Every scored field of one article, as the extractors give it."""
    mention = article_date(text, issue_date=issue_date, issue_precision=issue_precision)
    places = article_places(text)
    credits = find_credits(text)
    return {
        "date": (mention.start.isoformat(), mention.precision) if mention else None,
        "venue": _norm(find_venue(text)),
        "provinces": {p.name_legacy for p in places if p.name_legacy},
        "provinces_2025": {p.name_2025 for p in places if p.name_2025},
        "authors": {(_fold(c.name), c.role) for c in credits if c.role in ("author", "photo")},
        "titles": {(_fold(c.name), c.title) for c in credits if c.title},
        "sources": {_fold(c.name) for c in credits if c.role == "source"},
    }


def gold_article_values(gold: dict) -> dict:
    credits = gold["credits"]
    return {
        "date": (gold["date"], gold["date_precision"]) if gold["date"] else None,
        "venue": _norm(gold["venue"]),
        "provinces": {legacy for legacy, _ in gold["provinces"]},
        "provinces_2025": {new for _, new in gold["provinces"]},
        "authors": {(_fold(c["name"]), c["role"]) for c in credits},
        "titles": {(_fold(c["name"]), c["title"]) for c in credits if c.get("title")},
        "sources": {_fold(s) for s in gold["sources"]},
    }


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


def _count(counts: Counter, field: str, predicted, gold) -> list[str]:
    """Add one comparison to ``counts``; the errors, described."""
    errors = []
    if isinstance(gold, set) or isinstance(predicted, set):
        predicted, gold = predicted or set(), gold or set()
        counts[field, "tp"] += len(predicted & gold)
        counts[field, "fp"] += len(predicted - gold)
        counts[field, "fn"] += len(gold - predicted)
        errors += [f"{field}: extra {sorted(map(str, predicted - gold))}"] if predicted - gold else []
        errors += [f"{field}: missed {sorted(map(str, gold - predicted))}"] if gold - predicted else []
        return errors
    if predicted is not None and predicted == gold:
        counts[field, "tp"] += 1
        return errors
    if predicted is not None:
        counts[field, "fp"] += 1
    if gold is not None:
        counts[field, "fn"] += 1
    if predicted != gold:
        errors.append(f"{field}: predicted {predicted!r}, gold {gold!r}")
    return errors


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def evaluate(path: Path = DATA) -> dict:
    """Metrics per field and the errors per article/issue (see the module docstring)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    counts: Counter = Counter()
    errors: dict[str, list[str]] = {}
    articles = 0
    for issue in data["issues"]:
        predicted, issue_date, precision = masthead_values(issue["masthead_text"])
        gold = gold_masthead_values(issue["gold_masthead"])
        found = [e for field in predicted for e in _count(counts, field, predicted[field], gold[field])]
        if found:
            errors[issue["id"]] = found
        for article in issue["articles"]:
            articles += 1
            predicted_article = article_values(article["text"], issue_date, precision)
            gold_article = gold_article_values(article["gold"])
            found = [
                e for field in predicted_article
                for e in _count(counts, field, predicted_article[field], gold_article[field])
            ]
            if found:
                errors[article["id"]] = found
    metrics = {}
    for field in FIELDS:
        tp, fp, fn = counts[field, "tp"], counts[field, "fp"], counts[field, "fn"]
        metrics[field] = {"tp": tp, "fp": fp, "fn": fn, "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn)}
    return {"issues": len(data["issues"]), "articles": articles, "metrics": metrics, "errors": errors}


def table(result: dict, markdown: bool = False) -> str:
    """The metrics as a text (or Markdown) table."""
    def cell(value):
        return "n/a" if value is None else f"{value:.3f}"

    rows = [(f, m["tp"], m["fp"], m["fn"], cell(m["precision"]), cell(m["recall"])) for f, m in result["metrics"].items()]
    header = ("field", "TP", "FP", "FN", "precision", "recall")
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * 5) + "|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*header)] + [fmt.format(*map(str, row)) for row in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--errors", action="store_true", help="also print every error")
    args = parser.parse_args(argv)
    result = evaluate()
    print(f"{result['articles']} articles in {result['issues']} issues ({DATA.relative_to(ROOT)})")
    print(table(result, markdown=args.markdown))
    if args.errors:
        for item, found in result["errors"].items():
            print(f"\n{item}:")
            for error in found:
                print(f"  {error}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
