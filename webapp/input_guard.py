"""Refuse input no page or query could handle, once for every route, before any view sees it.

PostgreSQL text cannot hold a NUL character, and text with a lone UTF-16 surrogate (which JSON can
spell as "\\ud800") cannot even be encoded to send it: either used to fail deep inside a query with
a 500. Ids and page numbers past PostgreSQL's integer types failed the same way.
"""

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from webapp.pagination import MAX_PAGE
from webapp.workbook.wording import said

# PostgreSQL's `integer`, the type of every id.
MAX_ID = 2**31 - 1
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = said(
    "This request contains a character that cannot be stored (a NUL character or broken Unicode text). "
    "Please remove it and try again."
)
PAGE_MESSAGE = f"The page must be a whole number from 1 to {MAX_PAGE:,}."


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id beyond PostgreSQL's integer range matches no route (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Guard every route; call before any blueprint is registered, so their rules use the id converter."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_odd_input)


def refuse_odd_input() -> None:
    """Answer 400 with a plain message when the request carries text or a page number nothing could use."""
    if any(_UNSTORABLE.search(text) for text in _texts()):
        abort(400, description=UNSTORABLE_MESSAGE)
    if _past_the_last_page(request.args.get("page")):
        abort(400, description=PAGE_MESSAGE)


def _past_the_last_page(raw: str | None) -> bool:
    """Tell whether `page` reads as a number past MAX_PAGE the way int() reads it (`1_000`, ` +7`);
    anything int() refuses is left to each page (the dashboard shows page 1, the API says why)."""
    try:
        return raw is not None and int(raw) > MAX_PAGE
    except ValueError:
        return False


def _texts():
    """Yield every piece of text the client sent: path, query, form fields, file names and JSON strings."""
    yield request.path
    for key, value in request.args.items(multi=True):
        yield key
        yield value
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in request.form.items(multi=True):
            yield key
            yield value
        for key, upload in request.files.items(multi=True):
            yield key
            yield upload.filename or ""
    if request.is_json:
        yield from _json_texts(_json_body())


def _json_body():
    try:
        return request.get_json(silent=True)
    except RecursionError:  # not a ValueError, so get_json would let it through as a 500
        abort(400, description="This JSON is nested too deeply to read.")


def _json_texts(body):
    """Yield the keys and strings of a JSON document, walking it without recursion (it may nest deeply)."""
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from value.keys()
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
