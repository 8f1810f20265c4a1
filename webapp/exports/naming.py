"""The file name of a download: what it holds and the day it was made (`totals-2026-12-03.xlsx`)."""

from datetime import UTC, datetime

from webapp.services.answers.documents import download_name

# A name part taken from a category or a query is cut here, so a file name stays readable.
PART_CHARS = 40


def stem(what: str, *parts: str) -> str:
    """Return `what-part-…-YYYY-MM-DD` (today, UTC) with each part made safe for a file name."""
    cleaned = [download_name(part)[:PART_CHARS].strip(" .") for part in parts if part and part.strip()]
    return "-".join([what, *[part for part in cleaned if part], datetime.now(UTC).date().isoformat()])
