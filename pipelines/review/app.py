"""The reading room: a Starlette app with Jinja2 templates and htmx (no JavaScript build step).

    /                          the work queue (filters: kind, folder, year, method; sort)
    /search?q=…                articles ranked as `archive search` ranks them
    /documents/{id}?page=N     a page image with its low-confidence OCR words outlined, its text,
                               and the articles on it, every field editable in place
    /documents/{id}/pages/{n}/image   the page image (rendered once, then from the cache)

Saves go through ``pipelines.core.store.corrections`` under the warehouse's writer lock. Forms
carry a per-process key (a page from another site cannot post here); with a token (any host but
the loopback) every request needs it: ``?token=`` once (kept in a cookie), the cookie, or
``Authorization: Bearer``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipelines.core.store import corrections as cx
from pipelines.core.store import search
from pipelines.review import highlight, i18n, images, queue
from pipelines.review.data import Archive, Busy

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTMX = STATIC / "vendor" / "htmx.min.js"
LOW_WORD_CONFIDENCE = 60.0
SEARCH_LIMIT = 30


class MissingAsset(RuntimeError):
    pass


@dataclass
class Config:
    reviewer: str = ""
    token: str | None = None  # None: no token needed (loopback)
    allowed_hosts: tuple[str, ...] | None = None  # None: any Host header


def create_app(archive: Archive, config: Config, cache_dir: Path) -> Starlette:
    if not HTMX.exists():
        raise MissingAsset(f"htmx is missing ({HTMX}): run `make setup`, which installs it from the npm registry")
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(display=cx.display, dumps=lambda v: json.dumps(v, ensure_ascii=False), LIST_FIELDS=cx.LIST_FIELDS)
    pictures = images.PageImages(cache_dir)
    form_key = secrets.token_urlsafe(16)
    review = _Review(archive, config, env, pictures, form_key)
    routes = [
        Route("/", review.queue_page),
        Route("/search", review.search_page),
        Route("/documents/{document_id}", review.document_page),
        Route("/documents/{document_id}/pages/{number:int}/image", review.page_image),
        Route("/documents/{document_id}/pages/{number:int}/text", review.page_text, methods=["GET", "POST"]),
        Route("/documents/{document_id}/pages/{number:int}/text/edit", review.page_text_edit),
        Route("/articles/{article_id}/fields/{field}", review.field, methods=["GET", "POST"]),
        Route("/articles/{article_id}/fields/{field}/edit", review.field_edit),
        Route("/threads/{thread_id}", review.thread, methods=["POST"]),
        Route("/reviewer", review.set_reviewer, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = []
    if config.allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts)))
    app = Starlette(routes=routes, middleware=middleware)
    if config.token:
        app.add_middleware(_TokenGate, token=config.token)
    app.state.review = review
    return app


class _TokenGate:
    """Every request shows the token, or is refused (401) with a page saying so."""

    COOKIE = "review_token"

    def __init__(self, app, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        given = request.query_params.get("token")
        header = request.headers.get("authorization", "")
        shown = [given, request.cookies.get(self.COOKIE), header[7:] if header.lower().startswith("bearer ") else None]
        if not any(v and secrets.compare_digest(v, self.token) for v in shown):
            lang = i18n.language(request.query_params.get("lang") or request.cookies.get("lang"))
            response = HTMLResponse(f"<!doctype html><meta charset=utf-8><title>401</title><p>{i18n.label('token_required', lang)}</p>",
                                    status_code=401)
            return await response(scope, receive, send)
        if given and secrets.compare_digest(given, self.token):
            async def send_with_cookie(message):
                if message["type"] == "http.response.start":
                    cookie = f"{self.COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                    message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
                await send(message)
            return await self.app(scope, receive, send_with_cookie)
        return await self.app(scope, receive, send)


class _Review:
    def __init__(self, archive: Archive, config: Config, env: Environment, pictures: images.PageImages, form_key: str):
        self.archive, self.config, self.env, self.pictures, self.form_key = archive, config, env, pictures, form_key

    # --- helpers ---------------------------------------------------------------------------------

    def _lang(self, request: Request) -> str:
        return i18n.language(request.query_params.get("lang") or request.cookies.get("lang"))

    def _reviewer(self, request: Request) -> str:
        return request.cookies.get("reviewer") or self.config.reviewer

    def _render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = self._lang(request)
        context.update(
            request=request, lang=lang, t=lambda key: i18n.label(key, lang), reviewer=self._reviewer(request),
            form_key=self.form_key, lang_url=lambda code: _with_query(request, lang=code),
        )
        response = HTMLResponse(self.env.get_template(template).render(**context), status_code=status)
        if request.query_params.get("lang") in i18n.LANGUAGES:
            response.set_cookie("lang", lang, samesite="strict")
        return response

    def _message(self, request: Request, exc: Exception) -> str:
        lang = self._lang(request)
        if isinstance(exc, Busy):
            return i18n.error_message("busy", lang, str(exc))
        if isinstance(exc, cx.StaleValue):
            return i18n.error_message("stale", lang, str(exc), current=cx.display(exc.current.field, exc.current.value)
                                      or i18n.label("none", lang))
        if isinstance(exc, cx.CorrectionError):
            return i18n.error_message(exc.code, lang, str(exc), **exc.params)
        return str(exc)

    async def _form(self, request: Request) -> dict | None:
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
        if not secrets.compare_digest(data.get("form_key", ""), self.form_key):
            return None
        return data

    def _refused_form(self, request: Request) -> HTMLResponse:
        return HTMLResponse(f"<p class=error>{i18n.error_message('bad_form', self._lang(request), 'bad form')}</p>", status_code=403)

    # --- the queue ---------------------------------------------------------------------------------

    def queue_page(self, request: Request) -> Response:
        params = request.query_params
        everything = self.archive.memo(("queue",), lambda: self._queue_items())
        year = params.get("year")
        shown = queue.filtered(
            everything, kind=params.get("kind") or None, folder=params.get("folder") or None,
            year=int(year) if year and year.isdigit() else None, method=params.get("method") or None,
            sort=params.get("sort") or "kind",
        )
        return self._render(request, "queue.html", items=shown, total=len(everything), choices=queue.choices(everything),
                            kinds=queue.KINDS, sorts=queue.SORTS, params=params)

    def _queue_items(self):
        with self.archive.read() as con:
            return queue.items(con)

    # --- search --------------------------------------------------------------------------------------

    def search_page(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        hits, rows = [], {}
        if query:
            # search.search on the warehouse itself: the search cache (search_cache.Searcher)
            # checks the catalog with Python's sqlite3, which a process holding DuckDB sessions
            # on it must not do (data.Archive.write says why). Same ranking, same scores.
            with self.archive.read() as con:
                hits = search.search(con, query, SEARCH_LIMIT)
                if hits:
                    rows = {r[0]: r for r in con.execute(
                        "SELECT article_id, document_id, title, published_date, location, authors, page_start, corrected, "
                        "file_name FROM v_articles WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
                        [[h.article_id for h in hits]]).fetchall()}
        return self._render(request, "search.html", query=query, hits=hits, rows=rows)

    # --- a document -------------------------------------------------------------------------------

    def document_page(self, request: Request) -> Response:
        document = self.archive.document(request.path_params["document_id"])
        if document is None:
            return self._render(request, "error.html", status=404, message=f"no document {request.path_params['document_id']}")
        wanted = request.query_params.get("page", "")
        number = int(wanted) if wanted.isdigit() else (document.pages[0]["page_number"] if document.pages else 1)
        page = document.page(number)
        context = {"document": document, "number": number, "page": page, "articles": [], "marks": [], "boxes": [],
                   "picture": None, "no_picture": None, "page_value": None}
        if page is not None:
            text, words, values = self.archive.page(document.document_id, number, document)
            context["page_value"] = values["text"] if values else None
            shown_text = context["page_value"].value if context["page_value"] else text
            articles = [a for a in document.articles if a.on_page(number)]
            marks, phrases = _marks(text or "", articles) if not (context["page_value"] and context["page_value"].corrected) \
                else ([], {})
            context.update(articles=articles, segments=highlight.segments(shown_text or "", marks))
            try:
                picture = self.pictures.get(_source(document, page))
            except (images.NoImage, OSError, RuntimeError) as exc:
                context["no_picture"] = str(exc)
            else:
                context["picture"] = picture
                context["boxes"] = _boxes(picture, words, phrases)
        context["threads"] = [t for t in document.threads if t["state"] in ("conflict", "orphaned")]
        return self._render(request, "document.html", **context)

    def page_image(self, request: Request) -> Response:
        document = self.archive.document(request.path_params["document_id"])
        page = document.page(request.path_params["number"]) if document else None
        if page is None:
            return PlainTextResponse("no such page", status_code=404)
        try:
            picture = self.pictures.get(_source(document, page))
        except (images.NoImage, OSError, RuntimeError) as exc:
            return PlainTextResponse(str(exc), status_code=404)
        return FileResponse(picture.path, media_type="image/png",
                            headers={"Cache-Control": "private, max-age=86400", "ETag": f'"{picture.key}"'})

    # --- editing: article fields ---------------------------------------------------------------------

    def _article(self, article_id: str):
        document_id = article_id.rsplit("-", 1)[0]
        document = self.archive.document(document_id)
        article = next((a for a in document.articles if a.article_id == article_id), None) if document else None
        return document, article

    def _field_response(self, request: Request, article_id: str, name: str, *, editing: bool = False, error: str | None = None,
                        typed: str | None = None, status: int = 200, flash: str | None = None) -> Response:
        document, article = self._article(article_id)
        if article is None or name not in cx.ARTICLE_FIELDS:
            return self._render(request, "_gone.html", status=404,
                                message=i18n.error_message("article_gone", self._lang(request), "gone"))
        template = "_field_edit.html" if editing else "_field.html"
        return self._render(request, template, status=status, article=article, name=name, value=article.values[name],
                            error=error, typed=typed, flash=flash)

    async def field(self, request: Request):
        article_id, name = request.path_params["article_id"], request.path_params["field"]
        if request.method == "GET":
            return await _in_thread(self._field_response, request, article_id, name)
        return await self._save_field(request, article_id, name)

    def field_edit(self, request: Request):
        return self._field_response(request, request.path_params["article_id"], request.path_params["field"], editing=True)

    async def _save_field(self, request: Request, article_id: str, name: str) -> Response:
        data = await self._form(request)
        if data is None:
            return self._refused_form(request)
        action = data.get("action", "set")
        try:
            expected = json.loads(data.get("expected", "null"))
        except ValueError:
            return self._refused_form(request)
        typed = data.get("value", "")

        def save(con):
            return cx.save(con, field=name, value=typed if action != "revert" else None, expected=expected,
                           reviewer=self._reviewer(request), note=data.get("note"),
                           action="revert" if action == "revert" else "set", confirm=action == "confirm",
                           article_id=article_id)

        try:
            saved = await _in_thread(self.archive.write, save)
        except cx.StaleValue as exc:
            return await _in_thread(self._field_response, request, article_id, name, editing=True,
                                    error=self._message(request, exc), typed=typed, status=409)
        except cx.TargetGone as exc:
            return self._render(request, "_gone.html", status=404, message=self._message(request, exc))
        except (cx.CorrectionError, Busy) as exc:
            return await _in_thread(self._field_response, request, article_id, name, editing=True,
                                    error=self._message(request, exc), typed=typed,
                                    status=422 if isinstance(exc, cx.CorrectionError) else 503)
        lang = self._lang(request)
        flash = i18n.label("saved" if saved.correction_id else "unchanged", lang)
        if "hx-request" not in request.headers:
            document_id = article_id.rsplit("-", 1)[0]
            _document, article = await _in_thread(self._article, article_id)
            return RedirectResponse(f"/documents/{document_id}?page={article.page_start or 1}#a-{article_id}" if article
                                    else f"/documents/{document_id}", status_code=303)
        return await _in_thread(self._field_response, request, article_id, name, flash=flash)

    # --- editing: page text ------------------------------------------------------------------------

    def _page_text_response(self, request: Request, document_id: str, number: int, *, editing=False, error=None,
                            typed=None, status=200, flash=None) -> Response:
        text, _words, values = self.archive.page(document_id, number)
        if values is None:
            return self._render(request, "_gone.html", status=404,
                                message=i18n.error_message("page_gone", self._lang(request), "gone"))
        return self._render(request, "_page_text_edit.html" if editing else "_page_text_form.html", status=status,
                            document_id=document_id, number=number, value=values["text"], error=error, typed=typed,
                            flash=flash)

    def page_text_edit(self, request: Request):
        return self._page_text_response(request, request.path_params["document_id"], request.path_params["number"],
                                        editing=True)

    async def page_text(self, request: Request):
        document_id, number = request.path_params["document_id"], request.path_params["number"]
        if request.method == "GET":
            return await _in_thread(self._page_text_response, request, document_id, number)
        data = await self._form(request)
        if data is None:
            return self._refused_form(request)
        try:
            expected = json.loads(data.get("expected", "null"))
        except ValueError:
            return self._refused_form(request)
        action, typed = data.get("action", "set"), data.get("value", "")

        def save(con):
            return cx.save(con, field="text", value=typed if action != "revert" else None, expected=expected,
                           reviewer=self._reviewer(request), note=data.get("note"),
                           action="revert" if action == "revert" else "set", confirm=action == "confirm",
                           document_id=document_id, page_number=number)

        try:
            saved = await _in_thread(self.archive.write, save)
        except cx.StaleValue as exc:
            return await _in_thread(self._page_text_response, request, document_id, number, editing=True, typed=typed,
                                    status=409, error=self._message(request, exc))
        except (cx.CorrectionError, Busy) as exc:
            return await _in_thread(self._page_text_response, request, document_id, number, editing=True, typed=typed,
                                    status=422 if isinstance(exc, cx.CorrectionError) else 503,
                                    error=self._message(request, exc))
        if "hx-request" not in request.headers:
            return RedirectResponse(f"/documents/{document_id}?page={number}", status_code=303)
        return await _in_thread(self._page_text_response, request, document_id, number,
                                flash=i18n.label("saved" if saved.correction_id else "unchanged", self._lang(request)))

    # --- conflicts and orphans ---------------------------------------------------------------------

    async def thread(self, request: Request):
        data = await self._form(request)
        if data is None:
            return self._refused_form(request)
        thread_id, action = request.path_params["thread_id"], data.get("action")
        reviewer = self._reviewer(request)

        def act(con):
            if action == "attach":
                return cx.reattach(con, thread_id, data.get("article_id", ""), reviewer, data.get("note"))
            if action == "revert":
                return cx.revert_thread(con, thread_id, reviewer, data.get("note"))
            row = con.execute("SELECT article_id, field, value FROM v_corrections WHERE thread_id = ? AND state = 'conflict'",
                              [thread_id]).fetchone()
            if row is None:
                raise cx.CorrectionError("no_thread", "this correction is not in conflict any more")
            return cx.save(con, article_id=row[0], field=row[1], value=cx.display(row[1], row[2]), expected=row[2],
                           reviewer=reviewer, confirm=True)

        try:
            await _in_thread(self.archive.write, act)
        except (cx.CorrectionError, Busy) as exc:
            return self._render(request, "error.html", status=422, message=self._message(request, exc))
        back = data.get("back") or "/"
        return RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", status_code=303)

    async def set_reviewer(self, request: Request):
        data = await self._form(request)
        if data is None:
            return self._refused_form(request)
        back = data.get("back") or "/"
        response = RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", status_code=303)
        name = " ".join(data.get("reviewer", "").split())[:80]
        if name:
            response.set_cookie("reviewer", name, samesite="strict", max_age=365 * 86400)
        return response


async def _in_thread(fn, *args, **kwargs):
    return await run_in_threadpool(fn, *args, **kwargs)


def _with_query(request: Request, **changes) -> str:
    params = dict(request.query_params)
    params.update(changes)
    return request.url.path + "?" + urlencode(params)


def _source(document, page: dict) -> images.PageSource:
    return images.PageSource(document.document_id, document.media_type, document.byte_size, tuple(document.paths),
                             page["page_number"], page["method"], page["dpi"], page["cleanup"])


def _marks(text: str, articles) -> tuple[list[highlight.Mark], dict[str, list[str]]]:
    """The evidence of each article's fields found in the page text, and the phrases to look for
    among the OCR words, by ref."""
    marks, phrases = [], {}

    def add(ref: str, kind: str, body: str, span):
        found = highlight.find_in_page(text, body, span)
        if found:
            marks.append(highlight.Mark(ref, found[0], found[1], kind))
        if span and span[0] is not None and span[1] is not None:
            phrases.setdefault(ref, []).append(body[span[0]:span[1]])

    for a in articles:
        if a.title:
            found = highlight.find_in_page(text, a.title, (0, len(a.title)))
            if found:
                marks.append(highlight.Mark(f"{a.article_id}:title", found[0], found[1], "title"))
            phrases.setdefault(f"{a.article_id}:title", []).append(a.title)
        add(f"{a.article_id}:published_date", "published_date", a.body, a.date_span)
        add(f"{a.article_id}:location", "location", a.body, a.location_span)
        for place in a.places:
            if place.get("province_name_legacy"):
                add(f"{a.article_id}:provinces", "provinces", a.body, (place["span_start"], place["span_end"]))
        for person in a.people:
            if person["role"] == "author":
                add(f"{a.article_id}:authors", "authors", a.body, (person["span_start"], person["span_end"]))
    return marks, phrases


def _boxes(picture: images.PageImage, words: list[dict], phrases: dict[str, list[str]]) -> list[dict]:
    """Boxes over the page image, in % of it: low-confidence words, and the words each value
    came from (by ref)."""
    if not picture.ocr_width or not words:
        return []
    refs: dict[int, list[str]] = {}
    pairs = [(w["word_number"], w["text"]) for w in words]
    for ref, texts in phrases.items():
        for phrase in texts:
            for number in highlight.find_words(pairs, phrase):
                refs.setdefault(number, []).append(ref)
    boxes = []
    for w in words:
        low = w["confidence"] is not None and 0 <= w["confidence"] < LOW_WORD_CONFIDENCE
        if not (low or w["word_number"] in refs) or w["width"] is None:
            continue
        boxes.append({
            "left": 100 * w["left"] / picture.ocr_width, "top": 100 * w["top"] / picture.ocr_height,
            "width": 100 * w["width"] / picture.ocr_width, "height": 100 * w["height"] / picture.ocr_height,
            "low": low, "refs": " ".join(refs.get(w["word_number"], [])), "text": w["text"],
            "confidence": w["confidence"],
        })
    return boxes

