"""Answers computed from PostgreSQL, kept per process until the database has changed in any way.

A cached answer is stored under the PostgreSQL snapshot taken just before computing it
(`pg_current_snapshot()`: which transactions are committed). Two snapshots that are equal see
exactly the same data, and every commit or rollback changes the snapshot of everything after it,
so an answer is reused only while nothing at all has been committed since: a new upload, a counted
file, a deletion or a new category is in the very next answer, in every process, with no message
to miss. The check is one tiny query, or none: the lookup of who is asking reads the snapshot too
(webapp/accounts/identity.py), and it holds while the request has run no other statement since.
The saving is everything the answer took to compute.

Every key includes the region scope of the person asking (webapp/accounts/scope.py), so an answer
is only ever reused for someone who sees exactly the same categories.

Not for answers that depend on anything but PostgreSQL (an Elasticsearch search), nor inside a
transaction that has written (its own uncommitted rows are not part of the snapshot's meaning).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import text

from webapp.accounts import identity, scope
from webapp.extensions import db

T = TypeVar("T")
# Answers kept per process (each holds one page of search results or one dashboard's data at most).
MAX_ENTRIES = 512
_SNAPSHOT = text("SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL")
_entries: OrderedDict[Hashable, tuple[str, object]] = OrderedDict()
_lock = threading.Lock()


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Return the answer stored for `key` if the database is unchanged since, else compute and store it."""
    if not current_app.config["SNAPSHOT_CACHE"]:
        return compute()
    # Identifying the caller read the snapshot already; it still holds while no statement has run since.
    snapshot, clean = identity.snapshot_if_unchanged() or db.session.execute(_SNAPSHOT).one()
    if not clean:
        return compute()
    # Snapshots are cluster-wide: one process may serve apps on several databases of one server. An answer
    # computed for one region scope is never served to another (an admin's totals to a user limited to Asia).
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], scope.current().key, key)
    with _lock:
        stored = _entries.get(key)
        if stored is not None and stored[0] == snapshot:
            _entries.move_to_end(key)
            return stored[1]  # type: ignore[return-value]
    # Computed at this snapshot or a later one: never older than what the key promises.
    answer = compute()
    with _lock:
        _entries[key] = (snapshot, answer)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return answer


def clear() -> None:
    """Forget every stored answer (tests and benchmarks that want the cost of computing)."""
    with _lock:
        _entries.clear()
