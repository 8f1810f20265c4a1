"""Error responses: JSON `{"error": …}` under /api, friendly pages elsewhere."""

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from webapp import metrics


def init_app(app: Flask) -> None:
    """Register the app-wide error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def plain_message(error: HTTPException) -> str:
    """Return a message a non-technical user can act on."""
    if isinstance(error, RequestEntityTooLarge):
        return _too_large_message()
    data = getattr(error, "data", None) or {}
    if data.get("messages"):
        return _flatten(data["messages"])
    if data.get("message"):
        return str(data["message"])
    return error.description or error.name


def _too_large_message() -> str:
    """Say which limit a request passed: werkzeug raises the same error for its size, parts and fields."""
    config = current_app.config
    length = request.content_length
    if length is None or length > config["MAX_CONTENT_LENGTH"]:
        return f"This upload is larger than the {config['MAX_UPLOAD_MB']} MB limit."
    return (f"This form has too many parts or a field that is too long. "
            f"Upload at most {config['MAX_FILES_PER_UPLOAD']} files at once.")


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
    status = 400 if error.code == 422 else error.code
    message = plain_message(error)
    if isinstance(error, RequestEntityTooLarge):
        metrics.refused("too_large")  # refused before any upload code saw it
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors/error.html", status=status, title=error.name, message=message), status
