"""The number formats of the cells a preview shows, read from an .xlsx/.xlsm's own XML (python-calamine gives
values only): `xl/styles.xml` maps a cell's style to a format code, and each sheet part is streamed only
until the preview's last row, so a 30 MB workbook costs no more than a small one."""

import zipfile
from xml.etree import ElementTree

from webapp.workbook.archive import SheetPart
from webapp.workbook.cellref import column_index
from webapp.workbook.numfmt import BUILT_IN

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def corner_formats(path, parts: list[SheetPart], corners: dict[str, tuple[int, int, int, int]]) -> dict:
    """Return {sheet name: {(row, column): format code}} for the cells inside each sheet's corner.

    corners maps a sheet name to (first row, first column, rows, columns), 0-based; cells with the General
    format are left out.
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        formats = _style_formats(archive) if "xl/styles.xml" in names else []
        if not any(code != "General" for code in formats):
            return found
        for part in parts:
            if part.name in corners and part.path in names:
                found[part.name] = _sheet_formats(archive, part.path, corners[part.name], formats)
    return found


def _style_formats(archive: zipfile.ZipFile) -> list[str]:
    """Return the format code of each cell style (`<cellXfs>` in order)."""
    custom: dict[int, str] = {}
    styles: list[str] = []
    inside_cell_xfs = False
    with archive.open("xl/styles.xml") as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            local = element.tag.rpartition("}")[2]
            if local == "cellXfs":
                inside_cell_xfs = event == "start"
            elif event == "end" and local == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "General")
            elif event == "end" and local == "xf" and inside_cell_xfs:
                number = int(element.get("numFmtId", "0"))
                styles.append(custom.get(number) or BUILT_IN.get(number, "General"))
    return styles


def _sheet_formats(archive: zipfile.ZipFile, part: str, corner: tuple[int, int, int, int],
                   formats: list[str]) -> dict[tuple[int, int], str]:
    first_row, first_column, rows, columns = corner
    found = {}
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):
            if element.tag != f"{_MAIN}c" and not element.tag.endswith("}c") and element.tag != "c":
                if element.tag.endswith("row"):
                    if int(element.get("r", "0") or 0) > first_row + rows:
                        break
                    element.clear()
                continue
            ref, style = element.get("r", ""), element.get("s")
            if style is None or not ref:
                continue
            letters = ref.rstrip("0123456789")
            row, column = int(ref[len(letters):]) - 1, column_index(letters)
            if row >= first_row + rows:
                break
            index = int(style)
            if first_column <= column < first_column + columns and index < len(formats) and formats[index] != "General":
                found[(row - first_row, column - first_column)] = formats[index]
    return found
