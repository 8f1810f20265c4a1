"""A document's original file as its page shows it: the download, or word that it is missing."""

from dataclasses import dataclass

from flask import Response, send_file
from flask_babel import lazy_gettext as _l

from webapp.services.pipeline import storage

UNAVAILABLE = _l("The file store is not answering right now, so the file cannot be downloaded; please try again in "
               "a minute.")
MISSING = _l("The original file is missing from storage. Its total still counts; to have the file again, "
             "restore it from a backup, or delete this entry and upload the file again.")


@dataclass
class Original:
    """Whether the stored file can be downloaded, or why not."""

    problem: str = ""
    missing: bool = False


def look(sha256: str) -> Original:
    """Tell whether the stored file is there (the preview is stored apart and never opens it)."""
    try:
        # Asked every time (a stat, or one HEAD request): the stored preview must not hide a file gone since.
        if storage.size_of(sha256) is None:
            return Original(problem=MISSING, missing=True)
        return Original()
    except storage.ObjectMissing:
        return Original(problem=MISSING, missing=True)
    except storage.StorageUnavailable:
        return Original(problem=UNAVAILABLE)


def download(sha256: str, filename: str) -> Response:
    """Stream the original file from storage as an attachment (never read whole into memory)."""
    stream, size = storage.open_original(sha256)
    response = send_file(stream, as_attachment=True, download_name=filename, conditional=False, etag=sha256)
    response.content_length = size
    return response
