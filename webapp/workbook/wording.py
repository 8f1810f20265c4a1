"""A sentence for a person as a key and its parameters, so pages can say it in their language and the API in English.

The key is the English sentence itself, with %(name)s placeholders: it is also the catalogue's entry (pybabel
extracts `said("…")`). A parameter may be another Said (a sentence's part, said in the same language), a
number (int or Decimal: written 1,234.5 in English, the language's way on a page) or text, never translated.
Nothing here knows any language but English; webapp.language translates.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Said:
    """A sentence to show someone: its key (the English sentence) and the values it names."""

    key: str
    params: Mapping = field(default_factory=dict)

    def __str__(self) -> str:
        """Return the sentence in English, as the API, the logs and the stored `error` column write it."""
        return self.key % {name: english(value) for name, value in self.params.items()} if self.params else self.key

    def as_json(self) -> dict:
        """Return the sentence as stored (a document's failure reason), nested parts included."""
        return {"key": self.key, "params": {name: value.as_json() if isinstance(value, Said) else value
                                             for name, value in self.params.items()}}

    @classmethod
    def from_json(cls, stored: Mapping) -> "Said":
        """Read a stored sentence back (as_json's inverse)."""
        return cls(stored["key"], {name: cls.from_json(value) if isinstance(value, Mapping) else value
                                   for name, value in (stored.get("params") or {}).items()})


def said(key: str, **params) -> Said:
    """Name a sentence for people (the key is extracted into the catalogues)."""
    return Said(key, params)


def english(value) -> str:
    """Write one parameter in English: numbers grouped by commas, parts as sentences, text as it is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)


def wording(exc: BaseException) -> Said | str:
    """Return what an exception says to people: its Said, or its English text when it has none."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Said) else str(exc)
