"""Read a CSV file into rows of cells: plain numbers become numeric cells, everything else stays text.

A cell counts as a number when it is nothing but one number written the usual way: `12.50`, `-4`,
`1,234.50`. In semicolon-separated files (the habit where a comma is the decimal mark) `12,50`, `1,234`
(one point two three four) and `1.234,50` are numbers too. Any other cell is text, and the numbers
inside it count by the text rules.
"""

import csv
import re
from decimal import Decimal
from pathlib import Path

from webapp.workbook.sheets import SheetText, read_sheet
from webapp.workbook.written import WrittenNumber
from webapp.workbook.sniff import Sniffed

# A CSV field may be as long as the whole file (the upload limit bounds it), not csv's 128 KB default.
csv.field_size_limit(1 << 30)

_POINT = re.compile(r"\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*")
_COMMA = re.compile(r"\s*(-?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+)\s*")


class UnreadableCsv(Exception):
    """A CSV file that cannot be read to the end; the message is shown to the user."""


def read_csv(path: Path, sniffed: Sniffed, max_cells: int) -> SheetText:
    """Read every row of the CSV file; raise UnreadableCsv when it breaks or passes the cell limit."""
    decimal_comma = sniffed.delimiter == ";"
    rows = []
    cells = 0
    try:
        with open(path, newline="", encoding=sniffed.encoding) as handle:
            for row in csv.reader(handle, delimiter=sniffed.delimiter):
                cells += len(row)
                if cells > max_cells:
                    raise UnreadableCsv(f"This file has more than {max_cells:,} cells, the limit for one file.")
                rows.append([_cell(value, decimal_comma) for value in row])
    except UnicodeDecodeError as exc:
        raise UnreadableCsv(
            f"This CSV file is not valid {sniffed.encoding.upper()} text all the way through; save it again as UTF-8."
        ) from exc
    except csv.Error as exc:
        raise UnreadableCsv(f"This CSV file is damaged and could not be read to the end ({exc}).") from exc
    return read_sheet("", rows)


def _cell(value: str, decimal_comma: bool) -> object:
    if not value or not value.lstrip(" -")[:1].isdigit():
        return value
    comma = _COMMA.fullmatch(value) if decimal_comma else None
    if comma:
        return WrittenNumber(value, Decimal(comma.group(1).replace(".", "").replace(",", ".")))
    point = _POINT.fullmatch(value)
    if point:
        return WrittenNumber(value, Decimal(point.group(1).replace(",", "")))
    return value
