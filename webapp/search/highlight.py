"""Mark a query's words in document text, safely: escape everything, then let only <mark> through.

Both backends fill `SearchHit.highlights` through here: they are cut in Python from the chunks of
text the page reads for cell locations (fragments), whichever backend found the file, so phrases and
exclusions mark the same way everywhere. Cell locations mark their text with the same pattern. The
work is bounded by a Budget of matches per request and per document, whatever the file holds.
"""

import re
import unicodedata

from markupsafe import Markup, escape

from webapp.search.syntax import Term, clauses, pipes_as_or
from webapp.workbook.numbers import canonical_number, number_pattern

MAX_FRAGMENTS = 3
# Words shown before and after a match in a fragment (about what PostgreSQL's ts_headline showed).
WORDS_BEFORE, WORDS_AFTER = 6, 11
FRAGMENT_CHARS = 300
# How far to look for those words: a bound, so one huge cell cannot make a fragment expensive.
_WORD_REACH = 40
# Matches of the query one search may look at to cut highlights and locate cells, and one document may.
MATCHES_PER_REQUEST = 3_000
MATCHES_PER_DOCUMENT = 150
SHOWN_CHARS = 160

_WORD = re.compile(r"\w+")
# Between the words of a phrase: anything that is not a word, within one row (a phrase may cross cells).
_BETWEEN_WORDS = r"[^\w\n]+"
_SPACE = re.compile(r"\s+")
_TOKENS_BEFORE = re.compile(rf"(?<!\S)(?:\S+\s+){{0,{WORDS_BEFORE}}}\S*$")
_TOKENS_AFTER = re.compile(rf"\S*(?:\s+\S+){{0,{WORDS_AFTER}}}")


def query_pattern(raw: str) -> re.Pattern | None:
    """Compile the words, numbers and phrases a user is looking for (not the excluded ones) into one pattern."""
    return _terms_pattern([t for c in clauses(pipes_as_or(raw)) for t in c.terms if not t.negated])


def exclusion_pattern(raw: str) -> re.Pattern | None:
    """Compile the words and phrases a user excluded (`-word`, `-"two words"`): a cell holding one is not shown."""
    return _terms_pattern([t for c in clauses(pipes_as_or(raw)) for t in c.terms if t.negated])


def _terms_pattern(terms: list[Term]) -> re.Pattern | None:
    pieces = {piece for term in terms if (piece := _sequence(term.text))}
    if not pieces:
        return None
    # Longest first, so `12.5` is preferred to `12` where both would match.
    return re.compile("|".join(sorted(pieces, key=len, reverse=True)), re.IGNORECASE)


def _sequence(text: str) -> str:
    """Match a term's words in order with only separators between, as a phrase search does (`lot 7.64`)."""
    parts = [p for word in text.split() for p in _term_patterns(word.strip(".,;:!?()[]{}'"))]
    return _BETWEEN_WORDS.join(f"(?:{p})" for p in parts)


def _term_patterns(word: str) -> list[str]:
    number = canonical_number(word)
    if number is not None:
        return [number_pattern(number)]
    return [rf"(?<!\w){_accent_blind(piece)}(?!\w)" for piece in _WORD.findall(_fold(word))]


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _accents() -> dict[str, str]:
    variants: dict[str, set[str]] = {}
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = _fold(letter).lower()
        if len(base) == 1 and base.isascii() and base.isalpha():
            variants.setdefault(base, {base}).update({letter.lower(), letter.upper()})
    return {base: "[" + "".join(sorted(chars)) + "]" for base, chars in variants.items()}


_ACCENTS = _accents()


def _accent_blind(piece: str) -> str:
    """Let `cafe` match `café` (and back), as the search itself does."""
    return "".join(_ACCENTS.get(c.lower(), re.escape(c)) for c in piece)


class Budget:
    """How many more matches of the query one request may look at; every match looked at is counted in `work`."""

    def __init__(self, matches: int = MATCHES_PER_REQUEST) -> None:
        self.left = matches

    def take(self) -> bool:
        """Spend one match; tell whether it was still allowed."""
        if self.left <= 0:
            return False
        self.left -= 1
        work.matches += 1
        return True


class Work:
    """What highlighting and locating have looked at since the process started (read by tests and benches)."""

    matches = 0


work = Work()


def fragments(texts: list[str], pattern: re.Pattern, budget: Budget, limit: int = MAX_FRAGMENTS) -> list[Markup]:
    """Return up to `limit` escaped snippets of the texts around their first matches, the matches in <mark>.

    Done here rather than by PostgreSQL's ts_headline, which re-read and re-parsed every hit's text
    inside the search query: a third of a search's database time at 100k documents.
    """
    found: list[Markup] = []
    for text in texts:
        shown_until = 0
        while len(found) < limit and budget.take():
            match = pattern.search(text, shown_until)
            if match is None:
                break
            before = _TOKENS_BEFORE.search(text, max(shown_until, match.start() - _WORD_REACH * WORDS_BEFORE),
                                           match.start())
            start = before.start() if before else match.start()
            after = _TOKENS_AFTER.match(text, match.end(), min(len(text), match.end() + _WORD_REACH * WORDS_AFTER))
            shown_until = max(after.end() if after else match.end(), match.end() + 1)
            # The page puts "…" around each fragment, so a fragment cut to FRAGMENT_CHARS adds none of its own.
            found.append(marked(_SPACE.sub(" ", text[start:shown_until]).strip(), pattern, budget, FRAGMENT_CHARS, cut=""))
    return found


def marked(cell_text: str, pattern: re.Pattern, budget: Budget, shown: int = SHOWN_CHARS, cut: str = "…") -> Markup:
    """Escape the cell's text and wrap the matches in <mark>, trimmed around the first match."""
    first = pattern.search(cell_text)
    start = max(0, first.start() - shown // 3) if first and len(cell_text) > shown else 0
    end = min(len(cell_text), start + shown)
    parts = [cut if start else ""]
    cursor = start
    # Only the matches inside the part shown are looked at: a huge cell costs what a short one does.
    for match in pattern.finditer(cell_text, start, min(len(cell_text), end + _WORD_REACH)):
        if match.start() < cursor or match.end() > end or not budget.take():
            continue
        parts += [str(escape(cell_text[cursor : match.start()])), "<mark>", str(escape(match.group())), "</mark>"]
        cursor = match.end()
    parts += [str(escape(cell_text[cursor:end])), cut if end < len(cell_text) else ""]
    return Markup("".join(parts))
