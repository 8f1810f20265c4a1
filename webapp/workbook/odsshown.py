"""What an OpenDocument spreadsheet shows in the cells a preview holds: each cell's own displayed text
(`<text:p>25 %</text:p>` beside `office:value="0.25"`), which the program that saved the file wrote through the
cell's number format. Streamed from content.xml, only for files small enough that a second look stays cheap."""

import zipfile
from xml.etree import ElementTree

from webapp.workbook.odsxml import _CELLS, _OFFICE, _TABLE, _TEXT, _paragraph_text

# content.xml larger than this is not read a second time: the preview then says values are raw.
MAX_CONTENT_BYTES = 20 * 2**20
_SHOWN_TYPES = ("float", "percentage", "currency", "date", "time")


class TooLarge(Exception):
    """The spreadsheet is too large to read again for its preview."""


def shown_corners(path, corners: dict[str, tuple[int, int, int, int]]) -> dict[str, dict[tuple[int, int], str]]:
    """Return {sheet: {(row, column): displayed text}} for numbers, dates and times inside each sheet's corner.

    corners maps a sheet name to (first row, first column, rows, columns), 0-based, as the sheet was read.
    """
    with zipfile.ZipFile(path) as archive:
        if archive.getinfo("content.xml").file_size > MAX_CONTENT_BYTES:
            raise TooLarge()
        with archive.open("content.xml") as stream:
            return _walk(stream, corners)


def _walk(stream, corners: dict) -> dict:
    found: dict[str, dict[tuple[int, int], str]] = {}
    corner, shown, row = None, {}, 0
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        if event == "start":
            if element.tag == f"{_TABLE}table":
                name = element.get(f"{_TABLE}name", "")
                corner, shown, row = corners.get(name), found.setdefault(name, {}), 0
            continue
        if element.tag == f"{_TABLE}table-row":
            if corner is not None and corner[0] <= row < corner[0] + corner[2]:
                _row(element, row - corner[0], corner, shown)
            row += int(element.get(f"{_TABLE}number-rows-repeated", "1"))
            element.clear()
        elif element.tag == f"{_TABLE}table":
            element.clear()
            if all(name in found for name in corners):
                break
    return found


def _row(element, row: int, corner: tuple[int, int, int, int], shown: dict) -> None:
    column = 0
    for cell in element:
        if cell.tag not in _CELLS:
            continue
        wide = int(cell.get(f"{_TABLE}number-columns-repeated", "1"))
        if cell.get(f"{_OFFICE}value-type") in _SHOWN_TYPES:
            paragraphs = [p for p in cell if p.tag == f"{_TEXT}p"]
            text = "\n".join(_paragraph_text(p) for p in paragraphs)
            for repeat in range(min(wide, corner[1] + corner[3] - column)):
                at = column + repeat - corner[1]
                if text and 0 <= at < corner[3]:
                    shown[(row, at)] = text
        column += wide
        if column >= corner[1] + corner[3]:
            break
