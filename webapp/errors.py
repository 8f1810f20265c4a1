"""Error responses: JSON `{"error": …}` under /api, friendly pages elsewhere."""

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import BadHost, HTTPException, MethodNotAllowed, RequestEntityTooLarge

from webapp import metrics
from webapp.error_schema import ApiErrorSchema  # noqa: F401 - the routes name their error responses from here
from webapp.language import error_words, spoken
from webapp.workbook.wording import Said, said


def init_app(app: Flask) -> None:
    """Register the app-wide error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def plain_message(error: HTTPException) -> Said | str:
    """Return a message a non-technical user can act on (a Said: str() is the API's English, pages translate it)."""
    data = getattr(error, "data", None) or {}
    if data.get("messages"):
        return _flatten(data["messages"])
    if data.get("message"):
        return str(data["message"])
    if isinstance(error, RequestEntityTooLarge):  # werkzeug's own, for the request's size, parts or fields
        return _too_large_message()
    return error.description or error.name


def _too_large_message() -> Said:
    """Say which limit a request passed: werkzeug raises the same error for its size, parts and fields."""
    config = current_app.config
    length = request.content_length
    if length is None or length > config["MAX_CONTENT_LENGTH"]:
        return said("This upload is larger than the %(limit)s MB limit.", limit=str(config["MAX_UPLOAD_MB"]))
    return said("This form has too many parts or a field that is too long. Upload at most %(count)s files at once.",
                count=str(config["MAX_FILES_PER_UPLOAD"]))


def _flatten(messages: dict | list | str, prefix: str = "") -> str:
    if isinstance(messages, dict):
        parts = []
        for key, value in messages.items():
            label = "" if key in ("json", "query", "files", "form", "_schema") else f"{key}: "
            parts.append(_flatten(value, label))
        return "; ".join(parts)
    if isinstance(messages, list):
        return prefix + " ".join(str(m) for m in messages)
    return prefix + str(messages)


def handle_http_error(error: HTTPException):
    """Answer an HTTP error in the format the client reads."""
    if isinstance(error, BadHost):
        # No address of this site can be built for a host that is no host name (a label past 63 characters):
        # the error page, which links its style and scripts, would fail in turn.
        return current_app.response_class("This request names a host that is not a valid address.\n", 400,
                                          mimetype="text/plain")
    status = 400 if error.code == 422 else error.code
    message = plain_message(error)
    if isinstance(error, RequestEntityTooLarge):
        metrics.refused("too_large")  # refused before any upload code saw it
    if _wants_json():
        response = jsonify(error=str(message))  # the API stays English: clients read these
    else:
        title, message = _page_words(error, message)
        response = current_app.make_response(
            render_template("errors/error.html", status=status, title=title, message=message))
    response.status_code = status
    return _with_headers(response, error)


def _page_words(error: HTTPException, message: Said | str) -> tuple[str, str]:
    """Return an error page's title and message in the page's language: werkzeug's own words, or a sentence with
    its key (a view's own message in another form is shown as it is)."""
    title, description = error_words(error.code)
    plain = message == (type(error).description or error.name)
    return str(title or error.name), str(description if plain and description else spoken(message))


def _with_headers(response, error: HTTPException):
    """Add the headers an error names: those a view asked for (Retry-After), and a 405's `Allow` (RFC 9110)."""
    response.headers.update((getattr(error, "data", None) or {}).get("headers", {}))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response
