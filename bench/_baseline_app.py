"""gunicorn entry for the baselines: the same app with the work the design moved away put back in.

- uploads: the file is extracted, counted and indexed inside the request (the original design);
- sum_type: the sum is computed over every document instead of read from the running totals.
Bench-only: nothing here is reachable from the product.
"""

from decimal import Decimal

from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db
from webapp.services.answers import categories, documents
from webapp.services.pipeline import processing

_SUM_OVER_DOCUMENTS = text("""
    SELECT min(c.type), sum(d.counted_total), count(d.counted_at),
           count(d.id) FILTER (WHERE d.status IN ('queued', 'processing')), count(DISTINCT c.id)
      FROM categories c LEFT JOIN documents d ON d.category_id = c.id
     WHERE lower(c.type) = lower(:type)
""")


def process_inside_request(document_id: int) -> bool:
    """Do the worker's job before the upload request answers."""
    processing.process_document(document_id)
    return True


def sum_over_documents(type: str) -> categories.Group | None:
    """Add up every counted document of the type, as if there were no running totals."""
    key, total, files, pending, count = db.session.execute(_SUM_OVER_DOCUMENTS, {"type": type.strip()}).one()
    return None if not count else categories.Group(key, total or Decimal(0), files, pending, count)


app = create_app()
documents.enqueue_document = process_inside_request
categories.sum_type = sum_over_documents
