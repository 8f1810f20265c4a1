"""Keep what a document's page shows without opening its file: the cells behind its total and its preview.

Written with the count (same transaction), so the listed cells always explain the total shown. Documents
counted before these were kept get them from `build_details`, a job their page asks for once.
"""

import json
import logging

from flask import current_app
from sqlalchemy import text

from webapp.extensions import db
from webapp.services.pipeline import storage
from webapp.workbook.extract import Extraction, ExtractionError, extract
from webapp.workbook.limits import Limits

log = logging.getLogger(__name__)

_STORE = text("""
    INSERT INTO document_details (document_id, cells, preview, updated_at)
    VALUES (:id, CAST(:cells AS jsonb), CAST(:preview AS jsonb), now())
    ON CONFLICT (document_id) DO UPDATE SET cells = EXCLUDED.cells, preview = EXCLUDED.preview, updated_at = now()
""")
_DROP = text("DELETE FROM document_details WHERE document_id = :id")
# Built later for an older document: only while it is still counted, and never over details written since.
_FILL = text("""
    INSERT INTO document_details (document_id, cells, preview, updated_at)
    SELECT d.id, CAST(:cells AS jsonb), CAST(:preview AS jsonb), now() FROM documents d
     WHERE d.id = :id AND d.status = 'done' AND d.counted_total = :total
    ON CONFLICT (document_id) DO NOTHING
""")
_COUNTED = text("SELECT sha256, counted_total FROM documents WHERE id = :id AND status = 'done'")


def store(document_id: int, extraction: Extraction) -> None:
    """Write the document's cells and preview; the caller commits (with the count)."""
    db.session.execute(_STORE, {"id": document_id, "cells": json.dumps(extraction.explanation()),
                                "preview": _preview_json(extraction)})


def drop(document_id: int) -> None:
    """Forget a document's cells and preview (it no longer counts); the caller commits."""
    db.session.execute(_DROP, {"id": document_id})


def build_details(document_id: int) -> str:
    """Read a document counted before details were kept and store its preview and cells; return what happened.

    The cells are stored only when the file gives the counted total today (the number rules may have changed
    since): otherwise the page says that reprocessing the file lists them.
    """
    row = db.session.execute(_COUNTED, {"id": document_id}).first()
    db.session.rollback()
    if row is None:
        return "skipped"
    try:
        with storage.fetched(row.sha256) as path:
            extraction = extract(path, _limits())
    except (ExtractionError, storage.ObjectMissing, FileNotFoundError) as exc:
        log.info("job=build_details document=%s state=failed reason=%r", document_id, str(exc))
        db.session.execute(_FILL, {"id": document_id, "cells": "null", "preview": "null", "total": row.counted_total})
        db.session.commit()  # kept empty, so the page says there is no preview instead of asking again
        return "failed"
    same = extraction.total == row.counted_total
    cells = json.dumps(extraction.explanation()) if same else "null"
    db.session.execute(_FILL, {"id": document_id, "cells": cells, "preview": _preview_json(extraction),
                               "total": row.counted_total})
    db.session.commit()
    log.info("job=build_details document=%s state=done cells=%s", document_id, "listed" if same else "not-listed")
    return "built"


def _limits() -> Limits:
    config = current_app.config
    return Limits(config["MAX_UNZIPPED_MB"] * 2**20, config["MAX_CELLS"], config["MAX_SHEETS"])


def _preview_json(extraction: Extraction) -> str:
    return json.dumps(extraction.preview.as_dict()) if extraction.preview else "null"
