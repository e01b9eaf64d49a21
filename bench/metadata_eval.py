"""Precision and recall of the article metadata, through the real pipeline, per field and per
phenomenon, on the tune and the holdout half of the evaluation set.

    .venv/bin/python bench/metadata_eval.py                      # text, digital and bulletin renderings, tune half
    .venv/bin/python bench/metadata_eval.py --split holdout      # the untuned half: only at the end of a change
    .venv/bin/python bench/metadata_eval.py --split both --scan  # + every article as a 300 dpi scan, read by OCR
    .venv/bin/python bench/metadata_eval.py --errors --phenomena # every error, and the table per phenomenon
    .venv/bin/python bench/metadata_eval.py --split both --scan --baseline main  # beside main's rules, same run

**The set.** ``tests/data/metadata_cases.json``: 153 articles written in our own Vietnamese,
each modelled on the structures counted in docs/metadata.md and tagged with the phenomena it
exercises, half of them ('tune') for working on the rules, the other half ('holdout') scored
only at the end of a change. Each case has its headline, its body, the bulletin masthead it is
printed under (if any) and the gold fields an archivist records (docs/metadata.md, "Labelling
rules").

**Renderings.** Every case goes through
:func:`pipelines.core.runtime.document.process_document`, as a file built with
:mod:`pipelines.samples`:

* ``text``: a plain-text export (masthead, headline, body), one file per article;
* ``digital``: a born-digital PDF per article (masthead, then a large bold headline, then the
  body);
* ``bulletin``: the articles packed four to a born-digital PDF, in order, under the masthead
  they share (cases without a masthead are packed together without one); articles run on from
  page to page;
* ``scan`` (``--scan``, slow: Tesseract): each article as an image-only PDF of 300 dpi page
  scans (the digital rendering's layout, drawn by :func:`pipelines.samples.render_page_image`).

**Scoring.** Each case is matched to the article of its file whose title is the case's
headline, else to the article holding its opening words; fields are then compared with the
gold: ``title`` (case and spacing ignored; on scans up to 5% of its characters may differ, OCR
misreads), ``date`` (ISO date and precision; an article dated only by its issue counts as no
date), ``date_end``, ``date_source``, ``venue``, and the sets ``authors``, ``photo``,
``sources``, ``provinces`` (63-province names) and ``provinces_2025`` (34-province names).
For a single value, a prediction equal to the gold is a true positive, any other prediction a
false positive and a gold value not predicted a false negative (a wrong value counts as both);
for sets each element counts. "right" is the share of cases whose field equals the gold, null
and empty included. Per phenomenon, the field it bears on is scored (dates for ``date.*``,
authors for ``byline.*`` …).

**The rules' own set.** ``tests/data/metadata_eval.json``, the 40 articles written while the
extractors were first tuned, is scored too, on its own line, with the extractors called on the
text directly (:func:`evaluate`): its figures flatter the rules.

Results (metrics and every error) go to bench/results/metadata_eval.json.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# With --baseline the bench runs itself once more on a copy of the code whose metadata rules
# are those of another revision: that copy comes first on the path.
RULES_ROOT = os.environ.get("METADATA_EVAL_RULES_ROOT")
sys.path.insert(0, RULES_ROOT or str(ROOT))

from pipelines.core.metadata.dates import article_date  # noqa: E402
from pipelines.core.metadata.masthead import find_masthead  # noqa: E402
from pipelines.core.metadata.people import find_credits  # noqa: E402
from pipelines.core.metadata.places import article_places, find_venue  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

DATA = ROOT / "tests" / "data" / "metadata_eval.json"
CASES = ROOT / "tests" / "data" / "metadata_cases.json"
RESULTS = ROOT / "bench" / "results" / "metadata_eval.json"
RENDERINGS = ("text", "digital", "bulletin", "scan")
CASE_FIELDS = (
    "title", "date", "date_end", "date_source", "venue", "authors", "photo", "sources", "provinces", "provinces_2025",
)
SET_FIELDS = frozenset({"authors", "photo", "sources", "provinces", "provinces_2025"})
# The field each family of phenomena bears on.
FAMILY_FIELD = {
    "title": "title", "caption": "title", "date": "date", "page": "date", "venue": "venue",
    "byline": "authors", "prov": "provinces", "body": "authors",
}
BULLETIN_SIZE = 4
OCR_TITLE_TOLERANCE = 0.05  # share of a title's characters an OCR reading may get wrong

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


# ===========================================================================================
# The evaluation cases through the pipeline
# ===========================================================================================


def load_cases(path: Path = CASES, split: str = "both") -> list[dict]:
    cases = json.loads(Path(path).read_text(encoding="utf-8"))["cases"]
    return [c for c in cases if split == "both" or c["split"] == split]




def case_blocks(case: dict, masthead: bool = True) -> list:
    """The case as blocks of :mod:`pipelines.samples`: masthead, headline, then each line of
    the body (credit lines such as "Tin, ảnh: …" set as bylines, as samples does)."""
    from pipelines.samples import Block, _is_byline

    blocks = []
    if masthead and case["issue_masthead"]:
        blocks.append(Block(case["issue_masthead"], "masthead"))  # its lines as printed
    blocks.append(Block(case["title"], "title"))  # a headline set on several lines keeps its breaks
    for line in case["body"].split("\n"):
        if line.strip():
            blocks.append(Block(line.strip(), "byline" if _is_byline(line.strip()) else "body"))
    return blocks


def case_text(case: dict) -> str:
    """The case as a plain-text export: masthead lines, headline (as wrapped), body."""
    parts = [case["issue_masthead"]] if case["issue_masthead"] else []
    return "\n\n".join(parts + [case["title"], case["body"]]) + "\n"


def bulletins(cases: list[dict]) -> list[list[dict]]:
    """The cases packed four to a bulletin, in order, each bulletin under one masthead."""
    groups: dict[str | None, list[dict]] = {}
    for case in cases:
        groups.setdefault(case["issue_masthead"], []).append(case)
    packed = []
    for group in groups.values():
        packed += [group[i : i + BULLETIN_SIZE] for i in range(0, len(group), BULLETIN_SIZE)]
    return packed


def _write(rendering: str, cases: list[dict], folder: Path) -> tuple[Path, str]:
    """The file of one rendering of ``cases`` (one case, or a bulletin's), and its media type."""
    from pipelines import samples

    name = folder / "-".join(c["id"] for c in cases)
    if rendering == "text":
        path = name.with_suffix(".txt")
        path.write_text(case_text(cases[0]), encoding="utf-8")
        return path, "text/plain"
    blocks = []
    for index, case in enumerate(cases):
        blocks += case_blocks(case, masthead=index == 0)
    if rendering == "scan":
        return samples.write_scanned_pdf(name.with_suffix(".pdf"), samples.paginate(blocks), dpi=300), "application/pdf"
    return samples.write_text_pdf(name.with_suffix(".pdf"), [blocks]), "application/pdf"


def _run(job: tuple[str, list[dict], str]) -> tuple[list[str], list[dict], float]:
    """Render ``cases`` one way, read the file through the pipeline; the articles found."""
    from pipelines.config import ReadOptions
    from pipelines.core.models import to_jsonable
    from pipelines.core.runtime.document import process_document

    rendering, cases, folder = job
    started = time.perf_counter()
    path, media_type = _write(rendering, cases, Path(folder))
    extraction = process_document(path, path.stem, media_type, ReadOptions())
    articles = [to_jsonable(a) for a in extraction.articles]
    return [c["id"] for c in cases], articles, time.perf_counter() - started


def same_title(predicted: str | None, gold: str | None, tolerance: float = 0.0) -> bool:
    if not predicted or not gold:
        return predicted == gold
    p, g = _fold(predicted), _fold(gold)
    return p == g or (tolerance > 0 and Levenshtein.distance(p, g) <= tolerance * len(g))


def _words(text: str) -> list[str]:
    return [w.casefold() for w in text.split()]


def match_article(case: dict, articles: list[dict], tolerance: float) -> dict | None:
    """The article of the file that is the case's: its title, else its opening words."""
    for article in articles:
        if same_title(article["title"], case["title"], tolerance):
            return article
    opening = _words(case["body"])[:30]
    best, best_share = None, 0.5
    for article in articles:
        words = set(_words((article["title"] or "") + " " + article["body"]))
        share = sum(w in words for w in opening) / max(1, len(opening))
        if share > best_share:
            best, best_share = article, share
    return best


def predicted_values(article: dict | None) -> dict:
    if article is None:
        return {f: (set() if f in SET_FIELDS else None) for f in CASE_FIELDS}
    dated = article["published_date"] and article["date_source"] != "issue"
    people = article["people"]
    return {
        "title": _norm(article["title"]),
        "date": (article["published_date"], article["date_precision"]) if dated else None,
        "date_end": article["date_end"] if dated else None,
        "date_source": article["date_source"] if dated else None,
        "venue": _norm(article["location"]),
        "authors": {_fold(a) for a in article["authors"]},
        "photo": {_fold(p["name"]) for p in people if p["role"] == "photo"},
        "sources": {_fold(p["name"]) for p in people if p["role"] == "source"},
        "provinces": {p["province_name_legacy"] for p in article["places"] if p["province_name_legacy"]},
        "provinces_2025": {p["province_name_2025"] for p in article["places"] if p["province_name_2025"]},
    }


def gold_values(case: dict) -> dict:
    gold = case["gold"]
    return {
        "title": _norm(gold["title"]),
        "date": (gold["date"], gold["date_precision"]) if gold["date"] else None,
        "date_end": gold["date_end"],
        "date_source": gold["date_source"],
        "venue": _norm(gold["location"]),
        "authors": {_fold(a) for a in gold["authors"]},
        "photo": {_fold(a) for a in gold["photo"]},
        "sources": {_fold(a) for a in gold["sources"]},
        "provinces": set(gold["provinces_legacy"]),
        "provinces_2025": set(gold["provinces_2025"]),
    }


def phenomenon_field(phenomenon: str) -> str:
    if phenomenon.startswith("byline.photo"):
        return "photo"
    if phenomenon in ("byline.theo", "byline.nguon"):
        return "sources"
    return FAMILY_FIELD[phenomenon.split(".")[0]]


class Score:
    """Counts for one rendering and one half of the set."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self.right: collections.Counter = collections.Counter()
        self.cases = 0
        self.phenomena: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        self.errors: dict[str, list[str]] = {}

    def add(self, case: dict, predicted: dict, gold: dict, tolerance: float) -> None:
        self.cases += 1
        ok = {}
        wrong = []
        for field in CASE_FIELDS:
            p, g = predicted[field], gold[field]
            if field in SET_FIELDS:
                self.counts[field, "tp"] += len(p & g)
                self.counts[field, "fp"] += len(p - g)
                self.counts[field, "fn"] += len(g - p)
                ok[field] = p == g
            else:
                equal = same_title(p, g, tolerance) if field == "title" else p == g
                if p is not None and equal:
                    self.counts[field, "tp"] += 1
                else:
                    self.counts[field, "fp"] += p is not None
                    self.counts[field, "fn"] += g is not None
                ok[field] = equal
            self.right[field] += ok[field]
            if not ok[field]:
                show = (lambda v: sorted(v) if isinstance(v, set) else v)
                wrong.append(f"{field}: predicted {show(p)!r}, gold {show(g)!r}")
        for phenomenon in case["phenomena"]:
            counts = self.phenomena[phenomenon]
            counts[0] += ok[phenomenon_field(phenomenon)]
            counts[1] += 1
        if wrong:
            self.errors[case["id"]] = wrong

    def metrics(self) -> dict:
        fields = {}
        for field in CASE_FIELDS:
            tp, fp, fn = (self.counts[field, k] for k in ("tp", "fp", "fn"))
            fields[field] = {
                "right": _ratio(self.right[field], self.cases), "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn,
            }
        core = ("date", "venue", "authors")
        return {
            "cases": self.cases,
            "fields": fields,
            "date_venue_authors_right": _ratio(sum(self.right[f] for f in core), self.cases * len(core)),
            "phenomena": {k: {"right": v[0], "cases": v[1]} for k, v in sorted(self.phenomena.items())},
            "errors": self.errors,
        }


def evaluate_cases(cases: list[dict], renderings: tuple[str, ...], workers: int = 2, progress=None) -> dict:
    """Every case through every rendering; metrics per rendering and per half (see module doc)."""
    by_id = {c["id"]: c for c in cases}
    result = {}
    with tempfile.TemporaryDirectory(prefix="metadata-eval-") as folder, ProcessPoolExecutor(workers) as pool:
        for rendering in renderings:
            groups = bulletins(cases) if rendering == "bulletin" else [[c] for c in cases]
            jobs = [(rendering, group, folder) for group in groups]
            tolerance = OCR_TITLE_TOLERANCE if rendering == "scan" else 0.0
            scores = {"tune": Score(), "holdout": Score()}
            started = time.perf_counter()
            files_seconds = 0.0
            for ids, articles, seconds in pool.map(_run, jobs):
                files_seconds += seconds
                for case_id in ids:
                    case = by_id[case_id]
                    article = match_article(case, articles, tolerance)
                    scores[case["split"]].add(case, predicted_values(article), gold_values(case), tolerance)
            wall = time.perf_counter() - started
            result[rendering] = {
                "files": len(jobs), "wall_seconds": round(wall, 1), "seconds_per_file": round(files_seconds / len(jobs), 2),
                **{split: score.metrics() for split, score in scores.items() if score.cases},
            }
            if progress:
                progress(rendering, result[rendering])
    return result


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def case_table(result: dict, split: str, markdown: bool = False) -> str:
    """One row per field, right/precision/recall for each rendering."""
    renderings = [r for r in result if split in result[r]]
    header = ["field"] + [f"{r} {k}" for r in renderings for k in ("right", "P", "R")]
    rows = []
    for field in CASE_FIELDS:
        row = [field]
        for r in renderings:
            m = result[r][split]["fields"][field]
            row += [_cell(m["right"]), _cell(m["precision"]), _cell(m["recall"])]
        rows.append(row)
    rows.append(["date+venue+authors"] + [c for r in renderings for c in (_cell(result[r][split]["date_venue_authors_right"]), "", "")])
    return _format(header, rows, markdown)


def phenomena_table(result: dict, split: str, markdown: bool = False) -> str:
    renderings = [r for r in result if split in result[r]]
    names = sorted({p for r in renderings for p in result[r][split]["phenomena"]})
    header = ["phenomenon", "field"] + renderings
    rows = []
    for name in names:
        cells = []
        for r in renderings:
            counts = result[r][split]["phenomena"].get(name)
            cells.append(f"{counts['right']}/{counts['cases']}" if counts else "")
        rows.append([name, phenomenon_field(name)] + cells)
    return _format(header, rows, markdown)


def _format(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*header)] + [fmt.format(*row) for row in rows])


# ===========================================================================================
# The rules' own set (tests/data/metadata_eval.json), on the text directly
# ===========================================================================================


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


def _count(counts: collections.Counter, field: str, predicted, gold) -> list[str]:
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
    """The rules' own 40-article set: metrics per field and the errors per article/issue."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    counts: collections.Counter = collections.Counter()
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
    """The rules' own set's metrics as a text (or Markdown) table."""
    rows = [[f, str(m["tp"]), str(m["fp"]), str(m["fn"]), _cell(m["precision"]), _cell(m["recall"])]
            for f, m in result["metrics"].items()]
    return _format(["field", "TP", "FP", "FN", "precision", "recall"], rows, markdown)


def seed_line(result: dict) -> str:
    """The rules' own set on one line: precision/recall of the main fields."""
    m = result["metrics"]
    parts = [f"{f} {_cell(m[f]['precision'])}/{_cell(m[f]['recall'])}" for f in ("date", "venue", "authors", "provinces")]
    return (f"written-for-the-rules set ({result['articles']} articles, {DATA.relative_to(ROOT)}; flatters the rules), "
            "precision/recall: " + ", ".join(parts))


# ===========================================================================================
# A baseline: the same cases, renderings and scoring with the rules of another revision
# ===========================================================================================

RULE_FILES = "pipelines/core/metadata"


def baseline_tree(revision: str, folder: Path) -> Path:
    """A copy of the working code in ``folder`` whose ``pipelines/core/metadata`` is that of
    ``revision`` (reading, OCR and rendering stay the same: only the rules differ)."""
    import shutil

    target = folder / "code"
    shutil.copytree(ROOT / "pipelines", target / "pipelines", ignore=shutil.ignore_patterns("__pycache__"))
    names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", revision, RULE_FILES + "/"],
                           check=True, capture_output=True, text=True).stdout.split()
    rules = target / RULE_FILES
    for old in rules.glob("*.py"):
        old.unlink()
    for name in names:
        content = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{name}"], check=True,
                                 capture_output=True).stdout
        (target / name).write_bytes(content)
    return target


def run_baseline(revision: str, cases_split: str, renderings: tuple[str, ...], workers: int, only: str | None) -> dict:
    """The bench's case results with the rules of ``revision`` (a separate process)."""
    with tempfile.TemporaryDirectory(prefix="metadata-baseline-") as folder:
        code = baseline_tree(revision, Path(folder))
        output = Path(folder) / "baseline.json"
        command = [sys.executable, __file__, "--split", cases_split, "--workers", str(workers),
                   "--cases-json", str(output)] + [a for r in renderings for a in ("--rendering", r)]
        if only:
            command += ["--only", only]
        subprocess.run(command, check=True, env={**os.environ, "METADATA_EVAL_RULES_ROOT": str(code)},
                       stdout=subprocess.DEVNULL)
        return json.loads(output.read_text(encoding="utf-8"))


def summary_table(result: dict, baseline: dict | None, split: str, markdown: bool = False) -> str:
    """Per rendering, the share of cases right on date, venue and authors (and the three
    together) and of titles found; with a baseline, its figures beside them."""
    header = ["rendering", "cases", "date", "venue", "authors", "fields (d+v+a)", "titles"]
    if baseline:
        header += ["baseline fields", "baseline titles"]
    rows = []
    for rendering, found in result.items():
        if split not in found:
            continue
        m = found[split]
        row = [rendering, str(m["cases"])] + [_cell(m["fields"][f]["right"]) for f in ("date", "venue", "authors")]
        row += [_cell(m["date_venue_authors_right"]), _cell(m["fields"]["title"]["right"])]
        if baseline:
            b = baseline.get(rendering, {}).get(split)
            row += [_cell(b["date_venue_authors_right"]), _cell(b["fields"]["title"]["right"])] if b else ["", ""]
        rows.append(row)
    return _format(header, rows, markdown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("tune", "holdout", "both"), default="tune",
                        help="which half to score (default tune; holdout only at the end of a change)")
    parser.add_argument("--rendering", action="append", choices=RENDERINGS,
                        help="renderings to run (default: text, digital, bulletin; and scan with --scan)")
    parser.add_argument("--scan", action="store_true", help="also read every article as a 300 dpi scan (slow: OCR)")
    parser.add_argument("--workers", type=int, default=2, help="files read at once (default 2)")
    parser.add_argument("--only", help="comma-separated case ids")
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    parser.add_argument("--errors", action="store_true", help="also print every error")
    parser.add_argument("--phenomena", action="store_true", help="also print the table per phenomenon")
    parser.add_argument("--baseline", metavar="REV",
                        help="also score the rules (pipelines/core/metadata) of git revision REV, in the same run")
    parser.add_argument("--cases-json", type=Path, help=argparse.SUPPRESS)  # the case results only (for --baseline)
    args = parser.parse_args(argv)
    renderings = tuple(args.rendering or ("text", "digital", "bulletin") + (("scan",) if args.scan else ()))
    cases = load_cases(CASES, args.split)
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c["id"] in wanted]

    def progress(rendering: str, found: dict) -> None:
        print(f"{rendering}: {found['files']} files in {found['wall_seconds']} s "
              f"({found['seconds_per_file']} s a file, {args.workers} at once)", flush=True)

    splits = [s for s in ("tune", "holdout") if args.split in (s, "both")]
    halves = ", ".join(f"{sum(c['split'] == s for c in cases)} {s}" for s in splits)
    print(f"{len(cases)} cases ({halves}) from {CASES.relative_to(ROOT)}")
    if args.cases_json:  # a baseline run: the case results, nothing printed
        args.cases_json.write_text(json.dumps(evaluate_cases(cases, renderings, args.workers), ensure_ascii=False),
                                   encoding="utf-8")
        return 0
    result = evaluate_cases(cases, renderings, args.workers, progress)
    baseline = None
    if args.baseline:
        started = time.perf_counter()
        baseline = run_baseline(args.baseline, args.split, renderings, args.workers, args.only)
        print(f"baseline (rules of {args.baseline}): {time.perf_counter() - started:.0f} s")
    for split in splits:
        if not any(split in result[r] for r in result):
            continue
        n = next(result[r][split]["cases"] for r in result if split in result[r])
        print(f"\n{split} half ({n} cases): share right" + (f", beside the rules of {args.baseline}" if baseline else ""))
        print(summary_table(result, baseline, split, args.markdown))
        print(f"\n{split} half ({n} cases): right / precision / recall per field")
        print(case_table(result, split, args.markdown))
        if args.phenomena:
            print(f"\n{split} half, per phenomenon (cases right on the field it bears on)")
            print(phenomena_table(result, split, args.markdown))
        if args.errors:
            for rendering in result:
                for case_id, found in result[rendering].get(split, {}).get("errors", {}).items():
                    print(f"\n[{rendering}] {case_id}:")
                    for error in found:
                        print(f"  {error}")
    seed = evaluate()
    print("\n" + seed_line(seed))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    output = {"cases": result, "rules_own_set": seed}
    if baseline:
        output["baseline"] = {"revision": args.baseline, "cases": baseline}
    RESULTS.write_text(json.dumps(output, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
