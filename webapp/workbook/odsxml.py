"""Read an OpenDocument spreadsheet from its XML, streaming: the second reader for .ods files.

python-calamine stops on files other programs write differently (KOffice puts whitespace between cell
elements). This reader walks content.xml with ElementTree, one row at a time, and gives each cell the value
its `office:value-type` says, as calamine would: floats, dates, times and durations, booleans, text.
Repeated rows and cells (`number-rows-repeated`) count as the cells they stand for, so the cell limit
applies to what the file really holds; empty repeats at the end of a row or a sheet (how LibreOffice pads
sheets to their full size) are dropped without being expanded.
"""

import datetime as dt
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from webapp.workbook.readers import SheetRows, TooManyCells, trimmed
from webapp.workbook.wording import said
from webapp.workbook.written import iso_duration

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")
_FLOATS = ("float", "percentage", "currency")


def read_ods(path: Path, max_cells: int) -> list[SheetRows]:
    """Read every sheet of an .ods from content.xml; raise TooManyCells past the limit."""
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
        return list(_sheets(stream, max_cells))


def _sheets(stream, max_cells: int):
    open_elements: list[ElementTree.Element] = []
    rows: list[tuple[list, int]] = []
    cells = 0
    name = ""
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        if event == "start":
            open_elements.append(element)
            if element.tag == f"{_TABLE}table":
                name, rows = element.get(f"{_TABLE}name", ""), []
            continue
        open_elements.pop()
        if element.tag == f"{_TABLE}table-row":
            repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
            runs, present = _runs(element)
            cells += present * repeat
            if cells > max_cells or sum(n for _, n in runs) > max_cells:
                raise TooManyCells(said("This workbook has more than %(limit)s cells (reached in sheet “%(sheet)s”).",
                                        limit=max_cells, sheet=name))
            rows.append(([value for value, n in runs for _ in range(n)], repeat))
            open_elements[-1].remove(element)  # keep memory flat: a read row is never needed again
        elif element.tag == f"{_TABLE}table":
            yield trimmed(name, _expanded(rows), max_cells)
            if open_elements:
                open_elements[-1].remove(element)


def _expanded(rows: list[tuple[list, int]]):
    """Yield each row as often as it repeats; trailing empty rows are never expanded."""
    while rows and not rows[-1][0]:
        rows.pop()
    for row, repeat in rows:
        for _ in range(repeat):
            yield row


def _runs(element: ElementTree.Element) -> tuple[list[tuple[object, int]], int]:
    """Return one row's (value, times repeated) runs, trailing empty cells dropped, and how many cells hold a value."""
    runs = []
    for cell in element:
        if cell.tag in _CELLS:
            runs.append((_value(cell), int(cell.get(f"{_TABLE}number-columns-repeated", "1"))))
    while runs and runs[-1][0] is None:
        runs.pop()
    return runs, sum(n for value, n in runs if value is not None)


def _value(cell: ElementTree.Element) -> object:
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in _FLOATS:
        return float(cell.get(f"{_OFFICE}value", "nan"))
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    if kind == "date":
        return _date(cell.get(f"{_OFFICE}date-value", ""))
    if kind == "time":
        return _time(cell.get(f"{_OFFICE}time-value", ""))
    text = cell.get(f"{_OFFICE}string-value")
    if text is None:
        text = "\n".join(_paragraph_text(p) for p in cell if p.tag == f"{_TEXT}p")
    return text or None


def _date(value: str) -> object:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.date() if "T" not in value else moment


def _time(value: str) -> object:
    duration = iso_duration(value)
    if duration is None:
        return value
    if dt.timedelta(0) <= duration < dt.timedelta(days=1):
        return (dt.datetime.min + duration).time()
    return duration


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """Return a paragraph's text with its spaces (`text:s`), tabs and line breaks written out."""
    parts = [paragraph.text or ""]
    for child in paragraph:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * int(child.get(f"{_TEXT}c", "1")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        else:
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
