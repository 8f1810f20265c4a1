"""Split a document's text into chunks that each index whole: blocks of rows, a very long row cut at a field.

PostgreSQL keeps at most 1 MB of tsvector per value (and word positions up to 16,383); Elasticsearch
highlights stop at 1,000,000 characters. Chunks of at most CHUNK_CHARS characters stay far inside
both, so every row of a file of any size is indexed. Each chunk knows the line (a row of the grid) it
starts on and the field (column) it starts at, so a match inside it names its cell. The numbers a
chunk writes otherwise than a search types them (`12.50`, `0012`, `1,234.50`) travel with it, so
`12.5` finds the chunk; the document's own list of such numbers is indexed after its text chunks
(a file of one chunk carries that list in its chunk).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from webapp.workbook.numbers import find_numbers, plain_number

# Well under PostgreSQL's 16,383 word positions even for text made of one-letter words.
CHUNK_CHARS = 16_000
# Marks a chunk that holds only the document's numbers list: it has no place in the grid.
NUMBERS_LINE = -1
_NUMBER_HINT = re.compile(r"\d")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document's text: its place in the sequence, the line and field it starts at, its numbers."""

    seq: int
    first_line: int
    first_column: int
    text: str
    numbers: str


def split_document(text: str, numbers: str) -> list[Chunk]:
    """Cut a document's text into chunks in order, then its numbers list; always at least one chunk."""
    pieces = list(_pieces(text or ""))
    if len(pieces) == 1 and len(numbers or "") <= CHUNK_CHARS:
        # Most files: one chunk, carrying the document's own numbers list (exactly what a whole-file index held).
        return [Chunk(0, 0, 0, pieces[0][2], numbers or "")]
    found = [Chunk(seq, line, column, piece, _numbers_in(piece)) for seq, (line, column, piece) in enumerate(pieces)]
    for piece in _cut_long(numbers or "", CHUNK_CHARS, " "):
        found.append(Chunk(len(found), NUMBERS_LINE, 0, "", piece))
    return found


def _pieces(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (first line, first column, text) of consecutive blocks of whole lines, cutting only over-long lines."""
    start, line, block_start, block_line = 0, 0, 0, 0
    length = len(text)
    while start <= length:
        end = text.find("\n", start)
        end = length if end < 0 else end
        if end - block_start > CHUNK_CHARS and start > block_start:
            yield block_line, 0, text[block_start:start - 1]
            block_start, block_line = start, line
        if end - start > CHUNK_CHARS:
            yield from _long_line(text[start:end], line)
            block_start, block_line = end + 1, line + 1
        start, line = end + 1, line + 1
    if block_start <= length and (block_start < length or block_line == 0):
        yield block_line, 0, text[block_start:length]


def _long_line(row: str, line: int) -> Iterator[tuple[int, int, str]]:
    """Cut one over-long row at a field (tab), else at a space, else anywhere; count the fields passed."""
    column = 0
    for piece in _cut_long(row, CHUNK_CHARS, "\t "):
        yield line, column, piece
        column += piece.count("\t")


def _cut_long(text: str, size: int, breaks: str) -> Iterator[str]:
    """Yield consecutive pieces of at most `size` characters, each ending at one of `breaks` (in that preference)."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            # The first kind of break found in the second half of the piece wins: a cell edge before a space.
            cut = next((c for mark in breaks if (c := text.rfind(mark, start + size // 2, end)) > start), end)
            end = cut
        yield text[start:end]
        start = end + (1 if end < len(text) and text[end] == " " else 0)


def _numbers_in(piece: str) -> str:
    """Return the canonical forms of the numbers this piece writes otherwise (`12.50` → `12.5`)."""
    if not _NUMBER_HINT.search(piece):
        return ""
    canonical = set()
    for written in set(find_numbers(piece)):
        try:
            shown = plain_number(written)
        except ArithmeticError:
            continue
        if shown is not None and shown != written:
            canonical.add(shown)
    return " ".join(sorted(canonical))
