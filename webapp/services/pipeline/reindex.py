"""Rebuild the search index from PostgreSQL as a job, reporting its progress for the System page."""

import logging

from rq import get_current_job
from sqlalchemy import select

from webapp import search
from webapp.extensions import db
from webapp.models import Document, DocumentStatus

log = logging.getLogger(__name__)
# Progress is saved every this many documents (each save is one small Redis write).
PROGRESS_EVERY = 200


def rebuild_search_index() -> int:
    """Index every done document afresh while searches keep answering; return how many (the job's body)."""
    ids = list(db.session.scalars(select(Document.id).where(Document.status == DocumentStatus.DONE).order_by(Document.id)))
    db.session.commit()
    progress = _Progress(len(ids))
    indexed = search.rebuild(ids, progress.advance)
    progress.finish(indexed)
    log.info("job=rebuild_search_index documents=%s", indexed, extra={"outcome": "done"})
    return indexed


class _Progress:
    """Keep the job's meta at {"done", "total"} as documents are indexed (nothing to keep outside a job)."""

    def __init__(self, total: int) -> None:
        self.job, self.done, self.saved = get_current_job(), 0, 0
        self._save(total=total)

    def advance(self, step: int) -> None:
        self.done += step
        if self.done - self.saved >= PROGRESS_EVERY:
            self._save()

    def finish(self, indexed: int) -> None:
        self.done = indexed
        self._save()

    def _save(self, **extra) -> None:
        if self.job is not None:
            self.job.meta.update(done=self.done, **extra)
            self.job.save_meta()
            self.saved = self.done
