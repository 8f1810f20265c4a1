"""Elasticsearch queries over a file's nested chunks, spelled like PostgreSQL's search reads them."""

from webapp.search.locate import CHUNKS_PER_HIT
from webapp.search.syntax import Clause, Term, clauses, pipes_as_or
from webapp.workbook.numbers import canonical_query

# The query language PostgreSQL's websearch_to_tsquery also speaks: no prefix, fuzzy or slop operators.
_FLAGS = "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE"


def query_clauses(raw: str) -> list[Clause]:
    """Split what a user typed into clauses (canonical numbers, `|` as `or`), as PostgreSQL's search does."""
    return clauses(pipes_as_or(canonical_query(raw)))


def _in_a_chunk(spelled: str, name: str | None) -> dict:
    """Return a nested query: one chunk holds the words; name it to learn which chunks did."""
    words = {"simple_query_string": {"query": spelled, "fields": ["chunks.text", "chunks.numbers"],
                                     "default_operator": "and", "flags": _FLAGS}}
    nested: dict = {"path": "chunks", "score_mode": "max", "query": words}
    if name is not None:
        nested["inner_hits"] = {"name": name, "size": CHUNKS_PER_HIT, "_source": False}
    return {"nested": nested}


def file_query(raw: str, category_ids: tuple[int, ...] | None, inner: bool) -> dict:
    """Each clause must be in one chunk of the file, an excluded term in none (as PostgreSQL's search does)."""
    found = query_clauses(raw)
    must, must_not = [], []
    for number, clause in enumerate(found):
        excluded = clause.excluded
        if excluded:
            must_not.append(_in_a_chunk(Term(excluded.text, excluded.phrase).spelled(), None))
        else:
            must.append(_in_a_chunk(clause.spelled("|"), f"c{number}" if inner else None))
    limits = [] if category_ids is None else [{"terms": {"category_id": [str(c) for c in category_ids]}}]
    if not found:
        must = [{"match_none": {}}]
    return {"bool": {"must": must, "must_not": must_not, "filter": limits}}


def matched_chunks(hit: dict) -> list[int]:
    """Return the chunks a hit's words were found in (the nested offsets of its inner hits), first ones first."""
    offsets = {inner["_nested"]["offset"] for found in hit.get("inner_hits", {}).values()
               for inner in found["hits"]["hits"] if "_nested" in inner}
    return sorted(offsets)
