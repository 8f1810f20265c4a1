"""A document's text is cut into chunks that each index whole and know where in the grid they start; a query
is split into the clauses both backends check chunk by chunk."""

import pytest

from webapp.search.chunks import CHUNK_CHARS, NUMBERS_LINE, split_document
from webapp.search.syntax import clauses


def test_short_text_is_one_chunk_carrying_the_documents_numbers():
    (chunk,) = split_document("Sheet\ntea\t12.50\ncake\t3 25%", "12.5 0.25")
    assert (chunk.seq, chunk.first_line, chunk.first_column) == (0, 0, 0)
    assert chunk.text == "Sheet\ntea\t12.50\ncake\t3 25%" and chunk.numbers == "12.5 0.25"
    assert [c.text for c in split_document("", "")] == [""]


def test_long_text_is_cut_between_rows_and_every_row_is_kept_once():
    rows = [f"row {i}\tfiller words here" for i in range(5_000)]
    chunks = [c for c in split_document("\n".join(rows), "") if c.first_line != NUMBERS_LINE]
    assert len(chunks) > 1 and all(len(c.text) <= CHUNK_CHARS for c in chunks)
    rebuilt = [line for c in chunks for line in c.text.split("\n")]
    assert rebuilt == rows
    assert [c.first_line for c in chunks] == [sum(c.text.count("\n") + 1 for c in chunks[:i]) for i in range(len(chunks))]


def test_an_over_long_row_is_cut_at_a_cell_and_counts_the_cells_passed():
    cells = [f"cell{i} " + "x" * 5_000 for i in range(10)]
    chunks = split_document("head\n" + "\t".join(cells) + "\ntail", "")
    long_row = [c for c in chunks if c.first_line == 1]
    assert len(long_row) > 1 and all(len(c.text) <= CHUNK_CHARS for c in long_row)
    for chunk in long_row:
        first_cell = chunk.text.lstrip("\t").split("\t")[0]
        assert first_cell.startswith(f"cell{chunk.first_column + chunk.text.startswith(chr(9))} ")
    assert chunks[0].text == "head" and any(c.text == "tail" and c.first_line == 2 for c in chunks)


def test_each_chunk_of_a_long_text_carries_the_numbers_it_writes_then_the_documents_list_follows():
    text = "price 0012 and 1,234.50 and 7\n" + "\n".join(["filler " * 20] * 200) + "\nlast 25% 3.50"
    chunks = split_document(text, "1234.5 12 0.25 3.5")
    assert len(chunks) > 2 and chunks[0].numbers == "12 1234.5"
    assert chunks[-2].numbers == "3.5" and chunks[-2].text.endswith("last 25% 3.50")
    assert (chunks[-1].first_line, chunks[-1].text, chunks[-1].numbers) == (NUMBERS_LINE, "", "1234.5 12 0.25 3.5")


@pytest.mark.parametrize(("query", "spelled"), [
    ("charger cable -pixel", ["charger", "cable", "-pixel"]),
    ("galaxy or pixel tablet", ["galaxy or pixel", "tablet"]),
    ('"red cable" -"blue cable"', ['"red cable"', '-"blue cable"']),
    ('"unclosed phrase', ['"unclosed phrase"']),
    ("((( * \\ _ -", []),
    ("or a or", ["a"]),
])
def test_a_query_splits_into_clauses(query, spelled):
    assert [c.spelled("or") for c in clauses(query)] == spelled
