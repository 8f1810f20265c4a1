"""gunicorn entry for the memory baseline: the same app, but an upload is read whole into memory before it is
written to its spool (what the spool exists to avoid). Bench-only: nothing here is reachable from the product."""

import io

from webapp import create_app
from webapp.services.pipeline import storage

_spool = storage.spool


def spool_from_memory(stream, into=None):
    """Read the whole upload into memory first, then spool it as the product does."""
    return _spool(io.BytesIO(stream.read()), into)


app = create_app()
storage.spool = spool_from_memory
