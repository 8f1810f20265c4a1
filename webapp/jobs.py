"""RQ entry points: each only sets up an app context and dispatches to a service."""

from flask import Flask, has_app_context

from webapp.services import processing

_app: Flask | None = None


def _context():
    global _app
    if _app is None:
        from webapp import create_app

        _app = create_app()
    return _app.app_context()


def process_document(document_id: int) -> str:
    """Extract, count exactly once, and index one document."""
    if has_app_context():
        return processing.process_document(document_id)
    with _context():
        return processing.process_document(document_id)


def reprocess_document(document_id: int) -> str:
    """Read a counted document again and replace its contribution atomically."""
    if has_app_context():
        return processing.reprocess_document(document_id)
    with _context():
        return processing.reprocess_document(document_id)
