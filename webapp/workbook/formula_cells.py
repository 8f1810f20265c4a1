"""The results of the formula cells a sheet lists (archive.scan_formulas finds where the formulas are: python-calamine
gives their results, not which cells computed them), read from the sheet's text grid."""

from webapp.workbook.cellref import column_index


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
