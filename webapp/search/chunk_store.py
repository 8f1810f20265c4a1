"""Chunks in PostgreSQL: cut from a done document's text when it is indexed, read back for a page's cells.

Both backends keep their chunks here (PostgreSQL also keeps each chunk's tsvector, its index), so
cell locations and highlights are cut from the same rows whichever backend found the file, and
`flask search reindex` can always rebuild them from the documents' text.
"""

from dataclasses import dataclass, field

from sqlalchemy import text as sql

from webapp.extensions import db
from webapp.search.chunks import NUMBERS_LINE, Chunk, split_document

# 'simple' plus unaccent (migration 0002): lowercase and accent-folded, so `café` finds `cafe`.
CONFIG = "simple_folded"
# PostgreSQL's parser skips anything that looks like an HTML tag (and a <script> body entirely), so
# cell text like `<N/A>` would be unfindable; look-alike angle quotes keep it words, and readable.
_UNTAG = "'<>', '\u2039\u203a'"
VECTOR = f"to_tsvector('{CONFIG}', translate(:text, {_UNTAG})) || to_tsvector('{CONFIG}', :numbers)"

# Locked while its chunks are replaced, so two indexers of one document (a job and the sweeper) take turns.
_DOCUMENTS = sql("""
    SELECT id, text, numbers FROM documents WHERE id = ANY(:ids) AND status = 'done' ORDER BY id FOR NO KEY UPDATE
""")
_CLEAR = sql("DELETE FROM document_chunks WHERE document_id = ANY(:ids)")
_COLUMNS = "document_id, seq, first_line, first_column, text, numbers"
# A file of one chunk (most files) keeps no copy of its text here: NULL stands for the document's own text.
_VALUES = ":document_id, :seq, :first_line, :first_column, :stored, :numbers"
_INSERT = sql(f"INSERT INTO document_chunks ({_COLUMNS}) VALUES ({_VALUES})")
_INSERT_INDEXED = sql(f"INSERT INTO document_chunks ({_COLUMNS}, tsv) VALUES ({_VALUES}, {VECTOR})")
# What a page reads of a hit's chunk: its document's breakdown (where sheets start) and the chunk's text.
HIT_COLUMNS = "c.document_id, d.breakdown, c.seq, c.first_line, c.first_column, coalesce(c.text, d.text, '')"
_BY_NUMBER = sql(f"""
    SELECT {HIT_COLUMNS}
      FROM unnest(CAST(:ids AS int[]), CAST(:seqs AS int[])) AS want(document_id, seq)
      JOIN document_chunks c USING (document_id, seq)
      JOIN documents d ON d.id = c.document_id
     WHERE c.first_line <> {NUMBERS_LINE}
     ORDER BY c.document_id, c.seq
""")


@dataclass(frozen=True)
class StoredChunk:
    """A chunk read back for a page: where in the grid it starts and its text."""

    seq: int
    first_line: int
    first_column: int
    text: str


@dataclass
class HitText:
    """What a page needs to locate a hit's cells: where its sheets start, and the chunks the words are in."""

    breakdown: dict | None
    chunks: list[StoredChunk] = field(default_factory=list)


def store(document_ids: list[int], vectors: bool) -> dict[int, list[Chunk]]:
    """Cut these done documents into chunks and keep them (with tsvectors when asked); the caller commits.

    Chunks of the listed documents that are not done are removed.
    """
    found: dict[int, list[Chunk]] = {}
    rows = db.session.execute(_DOCUMENTS, {"ids": document_ids}).all()
    db.session.execute(_CLEAR, {"ids": document_ids})
    for document_id, text, numbers in rows:
        found[document_id] = split_document(text or "", numbers or "")
    values = [{"document_id": document_id, "seq": c.seq, "first_line": c.first_line, "first_column": c.first_column,
               "text": c.text, "stored": None if len(chunks) == 1 else c.text, "numbers": c.numbers}
              for document_id, chunks in found.items() for c in chunks]
    if values:
        db.session.execute(_INSERT_INDEXED if vectors else _INSERT, values)
    return found


def clear(document_id: int) -> None:
    """Forget a document's chunks; the caller commits."""
    db.session.execute(_CLEAR, {"ids": [document_id]})


def by_number(wanted: dict[int, list[int]]) -> dict[int, HitText]:
    """Read the text chunks asked for (document id → chunk numbers), in order, with each document's breakdown."""
    pairs = [(document_id, seq) for document_id, seqs in wanted.items() for seq in seqs]
    if not pairs:
        return {}
    return collect(db.session.execute(_BY_NUMBER, {"ids": [p[0] for p in pairs], "seqs": [p[1] for p in pairs]}))


def collect(rows) -> dict[int, HitText]:
    """Group rows of HIT_COLUMNS by document, chunks in the order read."""
    found: dict[int, HitText] = {}
    for document_id, breakdown, seq, first_line, first_column, text in rows:
        found.setdefault(document_id, HitText(breakdown)).chunks.append(StoredChunk(seq, first_line, first_column, text))
    return found
