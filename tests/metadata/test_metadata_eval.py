"""The metadata extractors on the hand-labelled evaluation set (bench/metadata_eval.py).

Floors are set below the measured figures with a margin (see the README for the figures and
bench/results/metadata_eval.json for every error); a change that lowers a field below its floor
fails here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "metadata_eval.json"

PRECISION_FLOOR = 0.9
RECALL_FLOORS = {
    "masthead_title": 0.9,
    "masthead_issue": 0.9,
    "masthead_date": 0.9,
    "date": 0.85,
    "venue": 0.8,
    "provinces": 0.9,
    "provinces_2025": 0.9,
    "authors": 0.9,
    "titles": 0.8,
    "sources": 0.8,
}


def _scorer():
    spec = importlib.util.spec_from_file_location("metadata_eval", ROOT / "bench" / "metadata_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result():
    return _scorer().evaluate(DATA)


@pytest.fixture(scope="module")
def data():
    return json.loads(DATA.read_text(encoding="utf-8"))


@pytest.mark.parametrize("field", sorted(RECALL_FLOORS))
def test_field_meets_its_floors(result, field):
    metrics = result["metrics"][field]
    assert metrics["tp"] > 0, metrics
    assert metrics["precision"] >= PRECISION_FLOOR, (field, metrics, result["errors"])
    assert metrics["recall"] >= RECALL_FLOORS[field], (field, metrics, result["errors"])


def test_table_prints_every_field(result):
    scorer = _scorer()
    text = scorer.table(result)
    markdown = scorer.table(result, markdown=True)
    for field in RECALL_FLOORS:
        assert field in text and f"| {field} |" in markdown


# --- the evaluation set itself ------------------------------------------------------------------


def _articles(data):
    return [article for issue in data["issues"] for article in issue["articles"]]


def test_set_is_large_enough_and_well_formed(data):
    articles = _articles(data)
    assert len(articles) >= 30
    assert len({a["id"] for a in articles}) == len(articles)
    for issue in data["issues"]:
        assert issue["masthead_text"].strip() and len(issue["articles"]) >= 3  # several articles per issue
        assert set(issue["gold_masthead"]) == {"title", "issue_number", "issue_date", "precision"}
    for article in articles:
        gold = article["gold"]
        assert set(gold) == {"date", "date_precision", "venue", "provinces", "credits", "sources"}
        assert (gold["date"] is None) == (gold["date_precision"] is None)
        for credit in gold["credits"]:
            assert credit["role"] in ("author", "photo") and credit["kind"] in ("person", "organization")
            assert credit["name"] in article["text"]
        for source in gold["sources"]:
            assert source in article["text"]
        if gold["venue"] is not None:
            assert " ".join(gold["venue"].split()) in " ".join(article["text"].split())


def test_set_has_hard_negatives(data):
    articles = _articles(data)
    texts = " ".join(a["text"] for a in articles)
    assert sum(a["gold"]["date"] is None for a in articles) >= 3  # no event date stated
    assert sum(a["gold"]["venue"] is None for a in articles) >= 10
    traps = (
        "thành lập năm",  # history
        "Quyết định số",  # a decree number and its date
        "Nghị định số",
        "trước ngày",  # a deadline
        "sinh năm",  # a life
        "Hiện tại",  # "currently", not a venue
        "hòa bình",  # "peace", not Hòa Bình
        "Nguyễn Thị Huế",  # a person, not Huế
        "Trần Hải Dương",  # a person, not Hải Dương
        "Chỉ thị số",
        "Theo kế hoạch",  # a sentence, not a source
        "Ảnh: Internet",  # a photo note, no credit
        "PGS.TS. Trần Thị Quyên",  # a speaker, not an author
    )
    for trap in traps:
        assert trap in texts, trap
    assert any(not a["gold"]["credits"] for a in articles)  # an article with no author


def test_gold_2025_names_are_consistent(data):
    link: dict[str, str] = {}
    for article in _articles(data):
        for legacy, new in article["gold"]["provinces"]:
            assert link.setdefault(legacy, new) == new, legacy


def test_seed_article_in_the_set(data):
    seed = next(a for a in _articles(data) if a["id"] == "2014-02-a1")
    assert seed["text"] == (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    assert seed["gold"]["date"] == "2014-05-22"
    assert seed["gold"]["venue"] == "Viện Thông tin Khoa học Xã hội"
    assert seed["gold"]["provinces"] == [["Quảng Ninh", "Quảng Ninh"]]
    assert seed["gold"]["credits"] == [{"name": "Hồng Vân", "role": "author", "title": None, "kind": "person"}]


def test_seed_article_scores_perfectly(data):
    scorer = _scorer()
    seed = next(a for a in _articles(data) if a["id"] == "2014-02-a1")
    predicted = scorer.article_values(seed["text"], None, None)
    assert predicted == scorer.gold_article_values(seed["gold"])
