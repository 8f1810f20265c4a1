"""A document's original file as its page shows it: the preview, the download, or word that it is missing."""

from dataclasses import dataclass
from functools import lru_cache

from flask import Response, send_file

from webapp.services.pipeline import storage
from webapp.workbook.preview import Preview, preview_workbook

UNAVAILABLE = "The file store is not answering right now, so the preview is not shown; please try again in a minute."
MISSING = ("The original file is missing from storage. Its total still counts; to have the file again, "
           "restore it from a backup, or delete this entry and upload the file again.")


@dataclass
class Original:
    """What the page can show of the stored file: a preview (when read), or why not."""

    preview: Preview | None = None
    problem: str = ""
    missing: bool = False


def look(sha256: str, with_preview: bool) -> Original:
    """Tell whether the stored file is there and, when asked, preview its first rows."""
    try:
        # Asked every time (a stat, or one HEAD request): a cached preview must not hide a file gone since.
        if storage.size_of(sha256) is None:
            return Original(problem=MISSING, missing=True)
        return Original(preview=_preview(sha256) if with_preview else None)
    except storage.ObjectMissing:
        return Original(problem=MISSING, missing=True)
    except storage.StorageUnavailable:
        return Original(problem=UNAVAILABLE)


# Content-addressed: the digest names the bytes, so a cached preview is never stale. With S3 the file is fetched
# to a temporary file only when it is not cached.
@lru_cache(maxsize=32)
def _preview(sha256: str) -> Preview | None:
    with storage.fetched(sha256) as path:
        return preview_workbook(path)


def download(sha256: str, filename: str) -> Response:
    """Stream the original file from storage as an attachment (never read whole into memory)."""
    stream, size = storage.open_original(sha256)
    response = send_file(stream, as_attachment=True, download_name=filename, conditional=False, etag=sha256)
    response.content_length = size
    return response
