"""A sentence with a key reads in English exactly as the API always wrote it, and survives being stored."""

from webapp.workbook.limits import Limits, too_wide_a_grid
from webapp.workbook.wording import Said, said, wording


def test_a_sentence_reads_in_english_with_grouped_numbers_and_its_parts():
    sentence = said("“%(name)s” %(reason)s.", name="a.xlsx", reason=said("has %(count)s parts inside", count=12345))
    assert str(sentence) == "“a.xlsx” has 12,345 parts inside."
    assert str(too_wide_a_grid(Limits(max_cells=10_000_000), "S", 1_048_576, 3)) == (
        "This workbook spans more than 10,000,000 cells: sheet “S” holds cells 1,048,576 rows and 3 columns apart, "
        "and the grid between them passes the limit for one workbook.")


def test_a_stored_sentence_reads_back_the_same():
    sentence = said("“%(name)s” %(reason)s.", name="a.xlsx", reason=said("is empty"))
    assert Said.from_json(sentence.as_json()) == sentence


def test_an_exception_gives_its_sentence_or_else_its_text():
    assert wording(ValueError(said("is empty"))) == said("is empty")
    assert str(ValueError(said("is empty"))) == "is empty"
    assert wording(ValueError("plain")) == "plain"
