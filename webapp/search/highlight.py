"""Make highlighted fragments safe: escape everything, then let only <mark> through."""

from markupsafe import Markup, escape

# Sentinels are control characters that extraction strips from cell text, so text cannot forge them.
START = "\x02"
STOP = "\x03"


def safe_fragment(raw: str) -> Markup:
    """Escape a fragment whose hits are wrapped in sentinels and turn the sentinels into <mark>."""
    escaped = str(escape(raw.strip()))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))

