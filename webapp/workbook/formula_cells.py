"""Where the formulas of an .xlsx/.xlsm are: the first cells of each sheet that hold one, and how many there are,
found by streaming the sheet XML (python-calamine gives their results, not which cells computed them)."""

import re
import zipfile

from webapp.workbook.cellref import column_index
from webapp.workbook.explain import MAX_LISTED

_CHUNK = 1024 * 1024
# A cell whose first child is a formula: `<c r="B7" s="1"><f>SUM(B2:B6)</f><v>40</v></c>`.
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3}[0-9]{1,7})\"[^>]*>\s*<(?:\w+:)?f\b")


def formula_cells(path, parts: list[str]) -> list[tuple[int, list[str]]]:
    """Return, per worksheet part, how many cells hold a formula and the first MAX_LISTED of them."""
    found = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for part in parts:
            found.append(_in_part(archive, part) if part in names else (0, []))
    return found


def _in_part(archive: zipfile.ZipFile, part: str) -> tuple[int, list[str]]:
    total, refs, carry = 0, [], b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            chunk = carry + chunk
            cut = chunk.rfind(b"c>") + 2  # after the last cell's end: no cell straddles two pieces
            cut = cut if cut > 1 else len(chunk)
            piece, carry = chunk[:cut], chunk[cut:]
            if b"<f" not in piece and b":f" not in piece:
                continue
            matches = _FORMULA_CELL.findall(piece)
            total += len(matches)
            refs += [m.decode() for m in matches[: MAX_LISTED - len(refs)]]
    if carry:
        matches = _FORMULA_CELL.findall(carry)
        total += len(matches)
        refs += [m.decode() for m in matches[: MAX_LISTED - len(refs)]]
    return total, refs


def formula_results(text: str, origin: tuple[int, int], refs: list[str]) -> list[dict]:
    """Return each formula cell with its result as the sheet's text grid shows it (one walk over the lines)."""
    listed, line, start = [], 0, 0
    for ref in sorted(refs, key=_row_of):
        letters = ref.rstrip("0123456789")
        row, column = _row_of(ref) - origin[0], column_index(letters) - origin[1]
        while line < row and start >= 0:
            start = text.find("\n", start) + 1 or -1
            line += 1
        if start < 0 or row < 0 or column < 0:
            continue
        end = text.find("\n", start)
        fields = text[start : end if end >= 0 else len(text)].split("\t")
        listed.append({"cell": ref, "value": fields[column] if column < len(fields) else ""})
    return listed


def _row_of(ref: str) -> int:
    return int(ref[len(ref.rstrip("0123456789")):]) - 1
