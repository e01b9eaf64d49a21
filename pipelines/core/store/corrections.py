"""Archivists' corrections: data beside the extractor's, applied again after every re-read.

The ``corrections`` table (schema.sql) is written by reviewers only, never by a load, so
``archive reprocess`` cannot lose a row of it; the extractor's own tables keep the extractor's
values. Every save appends a row; the rows of one field of one target form a *thread* whose
latest row is in force (``action`` 'set': its ``value``; 'revert': the extractor's value stands
again). The views (views.sql) put the values in force over the extracted ones: ``v_corrections``
finds each thread's target in the warehouse as it is now and says its ``state``:

- ``applied``: the target is there and the extractor still gives the value the correction
  replaced;
- ``conflict``: the target is there but a re-read changed the extracted value under the
  correction. The correction still applies; a reviewer confirms it (a new row recording the new
  extracted value) or reverts it;
- ``orphaned``: the target cannot be found any more (the article disappeared at a
  re-segmentation, the document's file is gone). The correction stays, listed, until a
  reviewer attaches it to another article or reverts it: nothing is dropped silently;
- ``reverted``: the latest row is a revert.

How an article is found again: article ids are ``<document_id>-<seq>`` and ``seq`` changes when
segmentation does, so a row records the article's extracted title and the first
``OPENING_CHARS`` characters of its body. After a re-read, ``v_corrections`` looks in the same
document (or, if the file's bytes changed, in the document now at the same path) for the article
with the same title (folded: no diacritics, case or spacing differences) and a similar opening,
then the same title alone, then a body opening at least 80% the same, then a title almost the
same with an opening half the same; ties go to the nearest ``seq``. None of these: orphaned.

Values are stored as text: dates ``YYYY-MM-DD``, lists (authors, provinces) as JSON arrays,
NULL for "no value"; provinces also keep what they resolve to in both province systems
(``value_detail``). Two reviewers editing one field: a save names the value its reviewer
started from (``expected``) and is refused with :class:`StaleValue` when the value in force is
another one by then (compare-and-set, inside the writer's transaction).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from pipelines.core.metadata import gazetteer
from pipelines.core.store.transactions import transaction

ARTICLE_FIELDS = ("title", "published_date", "location", "authors", "provinces")
PAGE_FIELDS = ("text",)
FIELDS = {"article": ARTICLE_FIELDS, "page": PAGE_FIELDS}
LIST_FIELDS = ("authors", "provinces")
ACTIONS = ("set", "revert")
STATES = ("applied", "conflict", "orphaned", "reverted")
OPENING_CHARS = 300
MAX_NAME = 120
MAX_TITLE = 500
YEARS = (1800, 2100)

# The columns of ``corrections``, in order (schema.sql), with their DuckDB types.
COLUMNS = {
    "correction_id": "VARCHAR", "thread_id": "VARCHAR", "target": "VARCHAR", "document_id": "VARCHAR",
    "source_path": "VARCHAR", "page_number": "INTEGER", "article_id": "VARCHAR", "article_seq": "INTEGER",
    "article_title": "VARCHAR", "article_opening": "VARCHAR", "field": "VARCHAR", "action": "VARCHAR",
    "extracted_value": "VARCHAR", "value": "VARCHAR", "value_detail": "VARCHAR", "reviewer": "VARCHAR",
    "corrected_at": "TIMESTAMP", "note": "VARCHAR",
}
REQUIRED = ("correction_id", "thread_id", "target", "document_id", "field", "action", "reviewer", "corrected_at")

# The table, as schema.sql creates it in a new warehouse; migrations.py adds it to a warehouse
# of schema version 6 with this statement (a test checks the two are the same text).
TABLE_SQL = """CREATE TABLE IF NOT EXISTS corrections (
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
);"""


# --- errors ----------------------------------------------------------------------------------


class CorrectionError(ValueError):
    """A correction that cannot be saved as given. ``code`` and ``params`` let a user interface
    say it in its own language; ``str()`` says it in English."""

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


class InvalidValue(CorrectionError):
    """The new value is not valid for its field (a date that is no date, an unknown province)."""


class TargetGone(CorrectionError):
    """The article or page is not in the warehouse (any more): a re-read changed it."""


class StaleValue(CorrectionError):
    """Compare-and-set failed: the value in force is not the one the reviewer started from."""

    def __init__(self, current: FieldValue, expected: str | None):
        super().__init__(
            "stale",
            f"the value changed while you were editing: it is now {display(current.field, current.value)!r}"
            + (f" (saved by {current.reviewer} at {current.corrected_at:%Y-%m-%d %H:%M} UTC)" if current.reviewer else "")
            + "; nothing was saved",
            current=current.value, expected=expected,
        )
        self.current = current


# --- values ----------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_SPLIT = re.compile(r"[;,\n]+")


def _clean_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_date(text: str) -> dt.date:
    """A date typed as ``YYYY-MM-DD`` or the Vietnamese order ``DD/MM/YYYY`` (also with ``.``
    or ``-``); InvalidValue otherwise, or when the day does not exist."""
    match = _ISO.match(text) or _DAY_FIRST.match(text)
    if not match:
        raise InvalidValue("not_a_date", f"{text.strip()!r} is not a date: write it as DD/MM/YYYY or YYYY-MM-DD",
                           value=text.strip())
    if match.re is _ISO:
        year, month, day = (int(g) for g in match.groups())
    else:
        day, month, year = (int(g) for g in match.groups())
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise InvalidValue("no_such_day", f"{text.strip()!r} is not a date: there is no such day",
                           value=text.strip()) from None
    if not YEARS[0] <= year <= YEARS[1]:
        raise InvalidValue("year_out_of_range", f"{text.strip()!r}: the year must be between {YEARS[0]} and {YEARS[1]}",
                           value=text.strip(), low=YEARS[0], high=YEARS[1])
    return date


def resolve_province(name: str) -> gazetteer.ProvinceRecord | None:
    """A province typed by a reviewer, as the gazetteer knows it ("Quảng Ninh", "tỉnh Quảng
    Ninh", "TP.HCM", "quang ninh"); None when it names none."""
    text = _clean_text(name)
    for attempt in (text, text.title(), f"tỉnh {text.title()}", f"thành phố {text.title()}"):
        found = gazetteer.find_provinces(attempt)
        if found and _covers(attempt, found[0].span):
            return gazetteer.lookup(found[0].name_as_written) or _by_code(found[0].code_legacy)
    return None


def _covers(text: str, span: tuple[int, int]) -> bool:
    """The province found is the whole of what was typed (not a word inside a longer name)."""
    rest = (text[: span[0]] + text[span[1]:]).strip(" .-,")
    return rest == "" or rest.lower() in ("tỉnh", "thành phố", "tp", "tp.")


def _by_code(code: str) -> gazetteer.ProvinceRecord:
    return next(r for r in gazetteer.provinces() if r.code_legacy == code)


@dataclass
class Canonical:
    value: str | None
    detail: str | None = None


def canonical(field: str, raw: str | None) -> Canonical:
    """The value as stored, from what a reviewer typed (validated); InvalidValue otherwise."""
    if field not in ARTICLE_FIELDS + PAGE_FIELDS:
        raise CorrectionError("unknown_field", f"unknown field {field!r}: one of {', '.join(ARTICLE_FIELDS + PAGE_FIELDS)}",
                              field=field)
    raw = "" if raw is None else str(raw)
    if field == "text":
        text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n")).strip()
        return Canonical(text or None)
    if field in ("title", "location"):
        text = _clean_text(raw)
        limit = MAX_TITLE
        if len(text) > limit:
            raise InvalidValue("too_long", f"at most {limit} characters ({len(text)} given)", limit=limit, length=len(text))
        return Canonical(text or None)
    if field == "published_date":
        return Canonical(parse_date(raw).isoformat() if raw.strip() else None)
    items = [_clean_text(p) for p in _SPLIT.split(raw)] if raw.strip() else []
    items = [p for p in items if p]
    if field == "authors":
        for name in items:
            if not any(c.isalpha() for c in name):
                raise InvalidValue("not_a_name", f"{name!r} is not a name (no letter in it)", value=name)
            if len(name) > MAX_NAME:
                raise InvalidValue("too_long", f"a name has at most {MAX_NAME} characters ({len(name)} given)",
                                   limit=MAX_NAME, length=len(name))
        return Canonical(json.dumps(list(dict.fromkeys(items)), ensure_ascii=False, separators=(",", ":")))
    records = {}
    for name in items:
        record = resolve_province(name)
        if record is None:
            raise InvalidValue("not_a_province", f"{name!r} is not a province or centrally-run city in the gazetteer "
                               "(63-province system, e.g. 'Quảng Ninh', 'TP. Hồ Chí Minh')", value=name)
        records[record.code_legacy] = record
    ordered = sorted(records.values(), key=lambda r: r.name_legacy)
    names = [r.name_legacy for r in ordered]
    detail = [{"code_legacy": r.code_legacy, "name_legacy": r.name_legacy, "code_2025": r.code_2025,
               "name_2025": r.name_2025} for r in ordered]
    return Canonical(json.dumps(names, ensure_ascii=False, separators=(",", ":")),
                     json.dumps(detail, ensure_ascii=False, separators=(",", ":")))


def display(field: str, value: str | None) -> str:
    """A stored value as a person reads and types it: lists joined with ', ', dates as DD/MM/YYYY."""
    if value is None:
        return ""
    if field in LIST_FIELDS:
        with contextlib.suppress(ValueError, TypeError):
            return ", ".join(json.loads(value))
        return value
    if field == "published_date":
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return value


def same(field: str, a: str | None, b: str | None) -> bool:
    """Whether two stored values are the same value (lists compared as lists)."""
    if field in LIST_FIELDS:
        return _as_list(a) == _as_list(b)
    if field == "text":
        return (a or "") == (b or "")
    return a == b


def _as_list(value: str | None) -> list:
    if value is None:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return parsed if isinstance(parsed, list) else [parsed]


# --- what is in force ------------------------------------------------------------------------


@dataclass
class Target:
    """What a correction is made on, as the warehouse holds it now."""

    kind: str  # 'article' | 'page'
    document_id: str
    source_path: str | None
    page_number: int | None
    article_id: str | None = None
    seq: int | None = None
    title: str | None = None
    opening: str | None = None
    extracted: dict[str, str | None] = field(default_factory=dict)  # field → the extractor's value, stored form


@dataclass
class FieldValue:
    """One field of one target: the extractor's value, the value in force, and why."""

    field: str
    extracted: str | None
    value: str | None  # in force: the correction's when one applies, else the extractor's
    corrected: bool = False
    state: str | None = None  # v_corrections.state of its thread, if it has one
    thread_id: str | None = None
    correction_id: str | None = None
    recorded_extracted: str | None = None  # the extracted value the correction replaced
    reviewer: str | None = None
    corrected_at: dt.datetime | None = None
    note: str | None = None


def article_target(con: duckdb.DuckDBPyConnection, article_id: str) -> Target:
    row = con.execute(
        """
        SELECT a.document_id, d.source_path, a.page_start, a.seq, a.title, left(a.body, ?), a.published_date,
               a.location, coalesce(a.authors, []),
               coalesce((SELECT list(DISTINCT p.province_name_legacy ORDER BY p.province_name_legacy)
                         FROM article_places p WHERE p.article_id = a.article_id AND p.province_name_legacy IS NOT NULL), [])
        FROM articles a JOIN documents d USING (document_id) WHERE a.article_id = ?
        """,
        [OPENING_CHARS, article_id],
    ).fetchone()
    if row is None:
        raise TargetGone("article_gone", f"there is no article {article_id} (any more): a re-read changed the document; "
                         "open it again", article_id=article_id)
    document_id, source_path, page, seq, title, opening, date, location, authors, provinces = row
    return Target("article", document_id, source_path, page, article_id, seq, title, opening,
                  extracted_article_values(title, date, location, authors, provinces))


def extracted_article_values(title: str | None, date: dt.date | None, location: str | None, authors: list | None,
                             provinces: list | None) -> dict[str, str | None]:
    """An article's extracted fields in their stored form (``provinces``: legacy names)."""
    return {
        "title": title, "published_date": date.isoformat() if date else None, "location": location,
        "authors": _json(authors or []), "provinces": _json(sorted(set(provinces or []))),
    }


def page_target(con: duckdb.DuckDBPyConnection, document_id: str, page_number: int) -> Target:
    row = con.execute(
        "SELECT d.source_path, p.text FROM pages p JOIN documents d USING (document_id) "
        "WHERE p.document_id = ? AND p.page_number = ?",
        [document_id, page_number],
    ).fetchone()
    if row is None:
        raise TargetGone("page_gone", f"document {document_id} has no page {page_number} (any more)",
                         document_id=document_id, page_number=page_number)
    return Target("page", document_id, row[0], page_number, extracted={"text": row[1]})


def _json(items: list) -> str:
    return json.dumps(list(items), ensure_ascii=False, separators=(",", ":"))


_THREADS = """
    SELECT field, state, thread_id, correction_id, value, extracted_value, reviewer, corrected_at, note
    FROM v_corrections WHERE {where} ORDER BY corrected_at DESC, correction_id DESC
"""


def field_values(con: duckdb.DuckDBPyConnection, target: Target) -> dict[str, FieldValue]:
    """Every field of a target: extracted, in force, and the thread that decides it."""
    if target.kind == "article":
        rows = con.execute(_THREADS.format(where="target = 'article' AND article_id = ?"), [target.article_id]).fetchall()
    else:
        rows = con.execute(_THREADS.format(where="target = 'page' AND document_id = ? AND page_number = ?"),
                           [target.document_id, target.page_number]).fetchall()
    keys = ("field", "state", "thread_id", "correction_id", "value", "extracted_value", "reviewer", "corrected_at", "note")
    return decide(target.extracted, [dict(zip(keys, r)) for r in rows])


def decide(extracted: dict[str, str | None], rows: list[dict]) -> dict[str, FieldValue]:
    """The value in force of each field, from the extracted values and the v_corrections rows
    of the target, newest first: the latest thread of a field decides it (an older thread may
    have found the same article again)."""
    values = {name: FieldValue(name, value, value) for name, value in extracted.items()}
    decided: set[str] = set()
    for row in rows:
        name = row["field"]
        if name in decided or name not in values:
            continue
        decided.add(name)
        current = values[name]
        current.state, current.thread_id, current.correction_id = row["state"], row["thread_id"], row["correction_id"]
        current.recorded_extracted, current.reviewer = row["extracted_value"], row["reviewer"]
        current.corrected_at, current.note = row["corrected_at"], row["note"]
        if row["state"] in ("applied", "conflict"):
            current.value, current.corrected = row["value"], True
    return values


# --- writing ---------------------------------------------------------------------------------


@dataclass
class Saved:
    correction_id: str | None  # None: nothing to save (the value was already in force)
    thread_id: str | None
    field: str
    value: str | None
    action: str = "set"


def save(
    con: duckdb.DuckDBPyConnection,
    target: Target | None = None,
    *,
    field: str,
    value: str | None,
    expected: str | None,
    reviewer: str,
    note: str | None = None,
    action: str = "set",
    confirm: bool = False,
    article_id: str | None = None,
    document_id: str | None = None,
    page_number: int | None = None,
    now: dt.datetime | None = None,
) -> Saved:
    """Correct one field of an article (``article_id``) or a page (``document_id``,
    ``page_number``) in one transaction of ``con`` (a writer's session; the caller holds the
    writer lock). ``value`` is what the reviewer typed (validated, InvalidValue otherwise);
    ``expected`` the stored value they started from (StaleValue if it is not in force any
    more). ``action`` 'revert' withdraws the correction in force. ``confirm`` records a value
    equal to the one in force: "checked, it is right" (and, on a conflict, that it still holds
    over the new extracted value)."""
    if action not in ACTIONS:
        raise CorrectionError("unknown_action", f"unknown action {action!r}: one of {', '.join(ACTIONS)}", action=action)
    reviewer = _clean_text(reviewer or "")
    if not reviewer:
        raise CorrectionError("no_reviewer", "say who you are (a reviewer name) before saving")
    note = _clean_text(note) if note else None
    new = canonical(field, value) if action == "set" else Canonical(None)
    with transaction(con):
        if target is None:
            target = article_target(con, article_id) if article_id else page_target(con, document_id, page_number)
        if field not in FIELDS[target.kind]:
            raise CorrectionError("unknown_field", f"an {target.kind} has no field {field!r}", field=field)
        current = field_values(con, target)[field]
        if not same(field, expected, current.value):
            raise StaleValue(current, expected)
        if action == "revert":
            if not current.corrected:
                return Saved(None, current.thread_id, field, current.value, action)
        elif same(field, new.value, current.value) and not confirm and current.state != "conflict":
            return Saved(None, current.thread_id, field, current.value, action)
        row = _row(target, field, action, new, current.thread_id, reviewer, note, now)
        _insert(con, [row])
    return Saved(row["correction_id"], row["thread_id"], field, new.value, action)


def reattach(con: duckdb.DuckDBPyConnection, thread_id: str, article_id: str, reviewer: str,
             note: str | None = None, now: dt.datetime | None = None) -> Saved:
    """An orphaned correction (or any thread) onto another article: the same value, found from
    now on by that article's title and opening."""
    reviewer = _clean_text(reviewer or "")
    if not reviewer:
        raise CorrectionError("no_reviewer", "say who you are (a reviewer name) before saving")
    with transaction(con):
        row = con.execute(
            "SELECT field, value, value_detail, state FROM v_corrections WHERE thread_id = ? AND target = 'article'", [thread_id]
        ).fetchone()
        if row is None:
            raise CorrectionError("no_thread", f"no correction {thread_id} of an article", thread_id=thread_id)
        name, value, detail, state = row
        if state == "reverted":
            raise CorrectionError("reverted", "this correction was reverted: nothing to attach")
        target = article_target(con, article_id)
        record = _row(target, name, "set", Canonical(value, detail), thread_id, reviewer, note, now)
        _insert(con, [record])
    return Saved(record["correction_id"], thread_id, name, value)


def revert_thread(con: duckdb.DuckDBPyConnection, thread_id: str, reviewer: str, note: str | None = None,
                  now: dt.datetime | None = None) -> Saved:
    """Withdraw a correction wherever it is, an orphaned one included: a 'revert' row with the
    keys of its latest row (the extractor's value stands again where it applied)."""
    reviewer = _clean_text(reviewer or "")
    if not reviewer:
        raise CorrectionError("no_reviewer", "say who you are (a reviewer name) before saving")
    with transaction(con):
        cursor = con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM corrections WHERE thread_id = ? ORDER BY corrected_at DESC, correction_id DESC LIMIT 1",
            [thread_id],
        )
        row = cursor.fetchone()
        if row is None:
            raise CorrectionError("no_thread", f"no correction {thread_id}", thread_id=thread_id)
        last = dict(zip(COLUMNS, row))
        if last["action"] == "revert":
            return Saved(None, thread_id, last["field"], None, "revert")
        record = dict(last, correction_id=str(uuid.uuid4()), action="revert", value=None, value_detail=None,
                      reviewer=reviewer, note=_clean_text(note) if note else None, corrected_at=now or _utcnow())
        _insert(con, [record])
    return Saved(record["correction_id"], thread_id, last["field"], None, "revert")


def _row(target: Target, name: str, action: str, new: Canonical, thread_id: str | None, reviewer: str,
         note: str | None, now: dt.datetime | None) -> dict:
    return {
        "correction_id": str(uuid.uuid4()), "thread_id": thread_id or str(uuid.uuid4()), "target": target.kind,
        "document_id": target.document_id, "source_path": target.source_path, "page_number": target.page_number,
        "article_id": target.article_id, "article_seq": target.seq, "article_title": target.title,
        "article_opening": target.opening, "field": name, "action": action,
        "extracted_value": target.extracted.get(name), "value": new.value if action == "set" else None,
        "value_detail": new.detail if action == "set" else None, "reviewer": reviewer,
        "corrected_at": now or _utcnow(), "note": note,
    }


def _utcnow() -> dt.datetime:
    """To the microsecond: the latest row of a thread is the one in force, and two saves of one
    field can fall in the same second (a save, then a confirm)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    names = ", ".join(COLUMNS)
    holes = ", ".join("?" for _ in COLUMNS)
    con.executemany(f"INSERT INTO corrections ({names}) VALUES ({holes})", [[r[c] for c in COLUMNS] for r in rows])


# --- reading ---------------------------------------------------------------------------------


def threads(con: duckdb.DuckDBPyConnection, *, state: str | None = None, document_id: str | None = None) -> list[dict]:
    """Rows of v_corrections (one per thread), newest first."""
    where, params = [], []
    if state:
        where.append("state = ?")
        params.append(state)
    if document_id:
        where.append("(document_id = ? OR recorded_document_id = ?)")
        params += [document_id, document_id]
    sql = "SELECT * FROM v_corrections" + (" WHERE " + " AND ".join(where) if where else "")
    cursor = con.execute(sql + " ORDER BY corrected_at DESC, thread_id", params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


# --- one document's corrections, resolved in Python ---------------------------------------------
#
# v_corrections is the truth analysts query; it scans seven tables, and DuckLake pays a fixed
# cost per table scan. The reading room resolves one document's corrections from rows it has
# already read (the document's articles and pages) and one scan of ``corrections``, by the same
# rules; tests/store/test_corrections.py checks that both give the same rows.

_SPACE = re.compile(r"[\t\n\f\r ]+")  # what the view's regexp \s matches


def _fold_key(text: str | None) -> str:
    """As the view folds: lower case, no diacritics, 'đ' → 'd', runs of spaces as one."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")
    return _SPACE.sub(" ", plain).strip(" ")


def _opening_similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Levenshtein

    if a == "" and b == "":
        return 1.0
    x, y = a.encode("utf-8"), b.encode("utf-8")
    return 1 - Levenshtein.distance(x, y) / max(len(x), len(y))


def _title_similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import JaroWinkler

    return JaroWinkler.similarity(a.encode("utf-8"), b.encode("utf-8")) if a and b else 0.0


@dataclass
class ArticleNow:
    """An article as the warehouse holds it now, for :func:`document_threads`."""

    article_id: str
    seq: int
    title: str | None
    body: str
    page_start: int | None
    published_date: dt.date | None
    location: str | None
    authors: list[str]
    provinces: list[str]  # legacy names


def articles_now(con: duckdb.DuckDBPyConnection, document_id: str) -> list[ArticleNow]:
    rows = con.execute(
        """
        SELECT a.article_id, a.seq, a.title, a.body, a.page_start, a.published_date, a.location, coalesce(a.authors, []),
               coalesce((SELECT list(DISTINCT p.province_name_legacy ORDER BY p.province_name_legacy)
                         FROM article_places p WHERE p.article_id = a.article_id AND p.province_name_legacy IS NOT NULL), [])
        FROM articles a WHERE a.document_id = ? ORDER BY a.seq
        """,
        [document_id],
    ).fetchall()
    return [ArticleNow(*r[:7], list(r[7]), list(r[8])) for r in rows]


COLUMN_INDEX = {name: n for n, name in enumerate(COLUMNS)}


def latest_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """The latest row of every thread, by thread id: one scan of ``corrections``, shared by
    every document view at a snapshot."""
    cursor = con.execute(f"SELECT {', '.join(COLUMNS)} FROM corrections")
    latest: dict[str, dict] = {}
    for r in sorted(cursor.fetchall(), key=lambda r: (r[COLUMN_INDEX["corrected_at"]], r[0]), reverse=True):
        latest.setdefault(r[COLUMN_INDEX["thread_id"]], dict(zip(COLUMNS, r)))
    return latest


def document_threads(con: duckdb.DuckDBPyConnection, document_id: str, articles: list[ArticleNow],
                     page_numbers: set[int], *, paths: list[str] | None = None,
                     latest: dict[str, dict] | None = None) -> list[dict]:
    """The rows v_corrections gives about ``document_id`` (newest first), from its articles, page
    numbers and file paths as read now and the latest row of each thread (:func:`latest_rows`).
    Queries the warehouse only for what is not given, and for the rare thread made on another
    document (is that one still there?) or on a page's text (the text now)."""
    if paths is None:
        paths = [r[0] for r in con.execute("SELECT source_path FROM files WHERE document_id = ?", [document_id]).fetchall()]
    if latest is None:
        latest = latest_rows(con)
    at_path = set(paths)
    candidates = [r for r in latest.values() if r["document_id"] == document_id or r["source_path"] in at_path]
    if not candidates:
        return []
    elsewhere = {r["document_id"] for r in candidates} - {document_id}
    alive = {r[0] for r in con.execute(
        "SELECT document_id FROM documents WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [sorted(elsewhere)]
    ).fetchall()} if elsewhere else set()
    # a thread lives where its latest row was made, or, that document gone, in the one now at its path
    mine = [r for r in candidates
            if r["document_id"] == document_id or (r["document_id"] not in alive and r["source_path"] in at_path)]
    wanted_pages = sorted({r["page_number"] for r in mine if r["target"] == "page" and r["page_number"] in page_numbers})
    page_texts = dict(con.execute(
        "SELECT page_number, text FROM pages WHERE document_id = ? AND page_number IN (SELECT unnest(?::INTEGER[]))",
        [document_id, wanted_pages]).fetchall()) if wanted_pages else {}
    resolved = sorted((_resolve(r, document_id, articles, page_numbers, page_texts) for r in mine),
                      key=lambda t: t["thread_id"])
    return sorted(resolved, key=lambda t: t["corrected_at"], reverse=True)  # as threads(): newest first, then id



def _match(row: dict, articles: list[ArticleNow]) -> tuple[ArticleNow | None, str | None]:
    title, opening = _fold_key(row["article_title"]), _fold_key(row["article_opening"])
    found = []
    for a in articles:
        a_title, a_opening = _fold_key(a.title), _fold_key(a.body[:OPENING_CHARS])
        same_title = title != "" and a_title == title
        title_similarity = _title_similarity(a_title, title) if title and a_title else 0.0
        opening_similarity = _opening_similarity(a_opening, opening)
        if same_title and opening_similarity >= 0.6:
            tier, how = 1, "same"
        elif same_title:
            tier, how = 2, "title"
        elif opening_similarity >= 0.8:
            tier, how = 3, "opening"
        elif title_similarity >= 0.93 and opening_similarity >= 0.5:
            tier, how = 4, "similar"
        else:
            continue
        distance = abs(a.seq - (row["article_seq"] if row["article_seq"] is not None else a.seq))
        found.append(((tier, -opening_similarity, distance, a.article_id), a, how))
    if not found:
        return None, None
    _key, article, how = min(found, key=lambda f: f[0])
    return article, how


def _resolve(row: dict, document_id: str, articles: list[ArticleNow], page_numbers: set[int],
             page_texts: dict[int, str]) -> dict:
    article, how, current, page = None, None, None, None
    if row["target"] == "article":
        article, how = _match(row, articles)
        if article is not None:
            page = article.page_start
            current = extracted_article_values(article.title, article.published_date, article.location,
                                               article.authors, article.provinces)[row["field"]]
    elif row["page_number"] in page_numbers:
        page = row["page_number"]
        current = page_texts.get(page)
    found = article is not None or (row["target"] == "page" and page is not None)
    if row["action"] == "revert":
        state = "reverted"
    elif not found:
        state = "orphaned"
    else:
        state = "conflict" if _changed(row["field"], row["extracted_value"], current) else "applied"
    return {
        "thread_id": row["thread_id"], "correction_id": row["correction_id"], "state": state, "target": row["target"],
        "field": row["field"], "value": row["value"], "value_detail": row["value_detail"],
        "extracted_value": row["extracted_value"], "current_extracted_value": current if found else None,
        "document_id": document_id if found else None, "article_id": article.article_id if article else None,
        "page_number": page if found else None, "matched_by": how, "recorded_document_id": row["document_id"],
        "recorded_article_id": row["article_id"], "recorded_page_number": row["page_number"],
        "article_title": row["article_title"], "article_opening": row["article_opening"],
        "source_path": row["source_path"], "action": row["action"], "reviewer": row["reviewer"],
        "corrected_at": row["corrected_at"], "note": row["note"],
    }


def _changed(name: str, recorded: str | None, current: str | None) -> bool:
    """As the view compares: dates as dates, lists as lists, page text with NULL as ''."""
    if name == "published_date":
        def as_date(text):
            try:
                return dt.date.fromisoformat(text) if text else None
            except ValueError:
                return None
        return as_date(recorded) != as_date(current)
    if name in LIST_FIELDS:
        return _as_list(recorded) != _as_list(current)
    if name == "text":
        return (recorded or "") != (current or "")
    return recorded != current


# --- moving a reviewer's work between machines -------------------------------------------------


def export_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every row of ``corrections`` (the whole history), oldest first."""
    cursor = con.execute(f"SELECT {', '.join(COLUMNS)} FROM corrections ORDER BY corrected_at, correction_id")
    return [dict(zip(COLUMNS, r)) for r in cursor.fetchall()]


def dumps(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if v is None else _plain(v) for k, v in r.items()})
        return out.getvalue()
    raise CorrectionError("unknown_format", f"unknown format {fmt!r}: csv or json", format=fmt)


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return value


def loads(text: str, fmt: str) -> list[dict]:
    """Rows from an export; CorrectionError naming the problem when it is not one."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CorrectionError("bad_file", f"not a JSON file of corrections: {exc}") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise CorrectionError("bad_file", "not a JSON file of corrections: expected a list of objects")
        return data
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise CorrectionError("bad_file", f"not a CSV file of corrections: no column {', '.join(missing)}")
        return [{k: (v if v != "" else None) for k, v in r.items() if k in COLUMNS} for r in reader]
    raise CorrectionError("unknown_format", f"unknown format {fmt!r}: csv or json", format=fmt)


@dataclass
class ImportResult:
    added: int
    already: int

    def as_dict(self) -> dict:
        return asdict(self)


def import_rows(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> ImportResult:
    """Add the rows whose ``correction_id`` the warehouse does not have, in one transaction:
    importing the same file twice adds nothing the second time. Every row is checked first;
    one bad row refuses the whole file (CorrectionError naming it), nothing written."""
    checked = [_check_row(n, r) for n, r in enumerate(rows, start=1)]
    ids = [r["correction_id"] for r in checked]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CorrectionError("bad_row", f"correction {duplicates[0]} is in the file twice; nothing was imported")
    with transaction(con):
        known = {r[0] for r in con.execute(
            "SELECT correction_id FROM corrections WHERE correction_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
        ).fetchall()} if ids else set()
        new = [r for r in checked if r["correction_id"] not in known]
        if new:
            _insert(con, new)
    return ImportResult(len(new), len(checked) - len(new))


def _check_row(number: int, row: dict) -> dict:
    where = f"row {number}"
    missing = [c for c in REQUIRED if row.get(c) in (None, "")]
    if missing:
        raise CorrectionError("bad_row", f"{where}: no {', '.join(missing)}; nothing was imported")
    out = {c: row.get(c) for c in COLUMNS}
    for name in ("correction_id", "thread_id"):
        try:
            out[name] = str(uuid.UUID(str(out[name])))
        except ValueError:
            raise CorrectionError("bad_row", f"{where}: {name} {out[name]!r} is not a UUID; nothing was imported") from None
    if out["target"] not in FIELDS:
        raise CorrectionError("bad_row", f"{where}: target {out['target']!r} is not 'article' or 'page'")
    if out["field"] not in FIELDS[out["target"]]:
        raise CorrectionError("bad_row", f"{where}: an {out['target']} has no field {out['field']!r}")
    if out["action"] not in ACTIONS:
        raise CorrectionError("bad_row", f"{where}: action {out['action']!r} is not one of {', '.join(ACTIONS)}")
    for name in ("page_number", "article_seq"):
        if out[name] not in (None, ""):
            try:
                out[name] = int(out[name])
            except (TypeError, ValueError):
                raise CorrectionError("bad_row", f"{where}: {name} {out[name]!r} is not a number") from None
        else:
            out[name] = None
    if out["target"] == "page" and out["page_number"] is None:
        raise CorrectionError("bad_row", f"{where}: a page correction needs its page_number")
    if out["target"] == "article" and not (out["article_title"] or out["article_opening"] or out["article_id"]):
        raise CorrectionError("bad_row", f"{where}: an article correction needs article_id, article_title or article_opening")
    try:
        when = out["corrected_at"]
        out["corrected_at"] = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(str(when))
    except ValueError:
        raise CorrectionError("bad_row", f"{where}: corrected_at {out['corrected_at']!r} is not a time") from None
    if out["action"] == "set":
        try:
            new = canonical(out["field"], display(out["field"], out["value"]) if out["field"] in LIST_FIELDS + ("published_date",)
                            else out["value"])
        except InvalidValue as exc:
            raise CorrectionError("bad_row", f"{where}: {exc}; nothing was imported") from None
        if not same(out["field"], new.value, out["value"]):
            raise CorrectionError("bad_row", f"{where}: value {out['value']!r} is not in its stored form "
                                  f"({new.value!r}); nothing was imported")
        out["value"], out["value_detail"] = out["value"], new.detail or out["value_detail"]
    else:
        out["value"] = out["value_detail"] = None
    out["reviewer"] = _clean_text(str(out["reviewer"]))
    return out
