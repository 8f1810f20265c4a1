"""Read a CSV file into rows of cells: a field holding one value becomes that value, everything else stays text.

Every text file is a table: clevercsv finds the delimiter (comma, semicolon or tab) from the first lines, and
a file whose rows have one field each is a table of one column (a title line above the table, a single row,
a single column are all fine). A field holding only a number (`12.50`, `1,234.50`, `1.5E+3`), a percentage,
a currency amount or an accounting negative counts as that number; a field holding only a date, time or
duration counts nothing (written.py). In semicolon-separated files (the habit where a comma is the decimal
mark) `12,50`, `1,234` (one point two three four) and `1.234,50` are numbers too. Any other field is text,
and the numbers inside it count by the text rules.
"""

import csv
from pathlib import Path

from clevercsv import Detector

from webapp.workbook.sheets import SheetText, read_sheet
from webapp.workbook.sniff import Sniffed
from webapp.workbook.wording import said
from webapp.workbook.written import WrittenDate, WrittenNumber, read_written

# A CSV field may be as long as the whole file (the upload limit bounds it), not csv's 128 KB default.
csv.field_size_limit(1 << 30)

DELIMITERS = (",", ";", "\t")
# Enough lines to tell the delimiter; clevercsv's time grows with the sample.
_DIALECT_SAMPLE = 4096
_MEMO_LIMIT = 100_000  # distinct fields remembered: enough for repeating columns, bounded for unique ones
_MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}


class UnreadableCsv(Exception):
    """A CSV file that cannot be read to the end; the message is shown to the user."""


def read_csv(path: Path, sniffed: Sniffed, max_cells: int) -> SheetText:
    """Read every row of the CSV file; raise UnreadableCsv when it breaks or passes the cell limit."""
    rows = []
    cells = 0
    try:
        with open(path, newline="", encoding=sniffed.encoding) as handle:
            delimiter = find_delimiter(handle.read(_DIALECT_SAMPLE + 1))
            handle.seek(0)
            read_field = _field_reader(decimal_comma=delimiter == ";")
            for row in csv.reader(handle, delimiter=delimiter):
                cells += len(row)
                if cells > max_cells:
                    raise UnreadableCsv(said("This file has more than %(limit)s cells, the limit for one file.",
                                               limit=max_cells))
                rows.append(list(map(read_field, row)))
    except UnicodeDecodeError as exc:
        raise UnreadableCsv(said(
            "This CSV file is not valid %(encoding)s text all the way through; save it again as UTF-8.",
            encoding=sniffed.encoding.upper())) from exc
    except csv.Error as exc:
        raise UnreadableCsv(said("This CSV file is damaged and could not be read to the end (%(detail)s).",
                                 detail=str(exc))) from exc
    return read_sheet("", rows)


def find_delimiter(sample: str) -> str:
    """Return the delimiter that splits the sample's rows most consistently; a comma when rows have one field."""
    if len(sample) > _DIALECT_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]  # whole lines only: a cut line would look inconsistent
    dialect = Detector().detect(sample, delimiters=DELIMITERS)
    return dialect.delimiter if dialect is not None and dialect.delimiter in DELIMITERS else ","


def _field_reader(decimal_comma: bool):
    """Return a function reading one field; each distinct field is read once (columns repeat their values)."""
    seen: dict[str, object] = {}

    def read_field(value: str) -> str | WrittenNumber | WrittenDate:
        known = seen.get(value)
        if known is not None:
            return known
        first = value[:1]
        # Fields starting with a lower-case letter are text, unless they start like a month (`may 1, 2024`).
        if not value or ("a" <= first <= "z" and value[:3].lower() not in _MONTHS):
            result = value
        else:
            result = read_written(value, decimal_comma) or value
        if len(seen) < _MEMO_LIMIT:
            seen[value] = result
        return result

    return read_field
