"""Read a workbook into searchable text, an exact sum and per-sheet facts (pure Python: no Flask, no database)."""

import gc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from os import PathLike
from pathlib import Path

from webapp.workbook import calamine
from webapp.workbook.archive import ArchiveFacts, FormulaScan, UnsafeArchive, check_archive, count_cells, scan_formulas
from webapp.workbook.cellref import column_index
from webapp.workbook.csvfile import UnreadableCsv, read_csv
from webapp.workbook.explain import MAX_LISTED
from webapp.workbook.formula_cells import formula_results
from webapp.workbook.limits import PASSWORD_PROTECTED, ExtractionError, Limits, too_many_cells, too_many_sheets
from webapp.workbook.numbers import EXACT, display_number
from webapp.workbook.odsshown import shown_corners
from webapp.workbook.odsxml import read_ods
from webapp.workbook.preview import AS_WRITTEN, FORMATTED, RAW, Preview, build_preview
from webapp.workbook.preview import MAX_SHEETS as PREVIEW_SHEETS
from webapp.workbook.readers import Reader, SheetRows, TooManyCells, read_openpyxl, read_xlrd
from webapp.workbook.sheets import CORNER_COLUMNS, SheetFacts, SheetText, read_sheet
from webapp.workbook.sniff import NotAWorkbook, PasswordProtected, Sniffed, sniff
from webapp.workbook.styles import corner_formats
from webapp.workbook.wording import Said, said, wording
from webapp.workbook.written import WrittenNumber

__all__ = ["Extraction", "ExtractionError", "Limits", "SheetFacts", "extract"]

FIRST_READER = "python-calamine"
CSV_READER = "Python csv (delimiter found by clevercsv)"
SECOND_READERS = {
    "xlsx": Reader("openpyxl", read_openpyxl),
    "xlsm": Reader("openpyxl", read_openpyxl),
    "xls": Reader("xlrd", read_xlrd),
    "ods": Reader("the OpenDocument XML (ElementTree)", read_ods),
}
# The smallest worksheet XML that holds a value (`<c><v>1</v></c>`): parts smaller than this many bytes per
# allowed cell cannot pass the cell limit, so only larger ones are counted before parsing.
MIN_CELL_BYTES = 15
# Sheets whose cells are listed one by one (as many as the preview shows); further sheets give counts only.
MAX_EXPLAINED_SHEETS = 10


@dataclass
class Extraction:
    """The result of reading one workbook."""

    text: str
    total: Decimal
    numbers: str
    sheets: list[SheetFacts]
    kind: str = "xlsx"
    reader: str = FIRST_READER
    cells: list[dict] = field(default_factory=list)
    preview: Preview | None = None

    @property
    def skipped(self) -> int:
        """Count numbers left out of the total (non-finite or absurdly long)."""
        return sum(s.skipped for s in self.sheets)

    @property
    def formulas_without_value(self) -> int:
        """Count formula cells the file never computed."""
        return sum(s.formulas_without_value for s in self.sheets)

    def breakdown(self) -> dict:
        """Return the per-sheet explanation of the total, ready for a JSON column."""
        return {
            "format": self.kind,
            "reader": self.reader,
            "sheets": [s.as_dict() for s in self.sheets],
            "skipped_numbers": self.skipped,
            "formulas_without_value": self.formulas_without_value,
            "formulas_computed": sum(s.formulas_computed for s in self.sheets),
            "formulas_not_computed": sum(s.formulas_not_computed for s in self.sheets),
            "cut_cells": sum(s.cut_cells for s in self.sheets),
        }

    def explanation(self) -> dict:
        """Return the cells behind the total, sheet by sheet (lists bounded, counts complete), for a JSON column."""
        sheets = []
        for index, (facts, cells) in enumerate(zip(self.sheets, self.cells, strict=True)):
            listed = index < MAX_EXPLAINED_SHEETS
            sheets.append({
                "name": facts.name,
                "numbers": {"count": facts.cells.get("number", 0), "sum": display_number(facts.numeric_sum)},
                "text_sum": display_number(facts.text_sum),
                "computed": facts.computed_cells,
                **{kind: cells[kind] if listed else {"count": cells[kind]["count"], "cells": []} for kind in cells},
            })
        return {"sheets": sheets, "listed_per_kind": MAX_LISTED, "listed_sheets": MAX_EXPLAINED_SHEETS}


def extract(path: str | PathLike, limits: Limits | None = None) -> Extraction:
    """Read every sheet of the workbook at `path`; raise ExtractionError when it cannot or may not be read."""
    path = Path(path)
    limits = limits or Limits()
    try:
        sniffed = sniff(path)
        if sniffed.kind == "csv":
            read = [read_csv(path, sniffed, limits.max_cells)]
            return _assemble(read, sniffed, CSV_READER, build_preview(read, AS_WRITTEN))
        facts = check_archive(path, sniffed.kind, limits.max_unzipped_bytes) if sniffed.is_zip else ArchiveFacts()
    except PasswordProtected as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except (NotAWorkbook, UnsafeArchive) as exc:
        raise ExtractionError(said("This file %(reason)s.", reason=wording(exc))) from exc
    except UnreadableCsv as exc:
        raise ExtractionError(wording(exc)) from exc
    _check_cells_present(path, facts, limits)
    enabled = gc.isenabled()
    gc.disable()  # millions of short-lived cell values and no reference cycles: collections only cost time
    try:
        read, reader = _read_workbook(path, sniffed, facts, limits)
        return _assemble(read, sniffed, reader, _preview(path, read, facts, sniffed.kind))
    finally:
        if enabled:
            gc.enable()


def _check_cells_present(path: Path, facts: ArchiveFacts, limits: Limits) -> None:
    """Refuse a real cell bomb before any parser fills memory with it: count the cells the sheets hold.

    The size a sheet declares (`<dimension>`) is never judged: LibreOffice declares A1:AMJ1048576 for a
    sheet of four rows. Only parts large enough to hold more cells than allowed are counted.
    """
    if len(facts.sheets) > limits.max_sheets:
        raise ExtractionError(too_many_sheets(len(facts.sheets), limits))
    if sum(sheet.xml_bytes for sheet in facts.sheets) <= MIN_CELL_BYTES * limits.max_cells:
        return
    if count_cells(path, [sheet.path for sheet in facts.sheets], limits.max_cells) > limits.max_cells:
        biggest = max(facts.sheets, key=lambda sheet: sheet.xml_bytes)
        raise ExtractionError(too_many_cells(limits, biggest.name))


def _read_workbook(path: Path, sniffed: Sniffed, facts: ArchiveFacts, limits: Limits) -> tuple[list[SheetText], str]:
    """Read with python-calamine, or with the format's second reader when calamine cannot; count formulas."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="extract")
    try:
        parts = [s.path for s in facts.sheets]
        # The formula scan runs beside the parsing; its answer is only needed at the end.
        formulas = pool.submit(scan_formulas, path, parts, facts.full_calc_on_load, MAX_LISTED) if parts else None
        try:
            read, reader = calamine.read_sheets(pool, path, sniffed.kind, limits), FIRST_READER
        except calamine.Refused as refused:
            second = SECOND_READERS[sniffed.kind]
            read, reader = [_as_text(sheet) for sheet in _second_read(second, path, limits, wording(refused))], second.name
        scans = dict(zip([s.name for s in facts.sheets], formulas.result(), strict=True)) if formulas else {}
        counts = {name: scan.without_value for name, scan in scans.items()}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if any(counts.values()):
        read = _recalculated(path, sniffed, facts, counts, reader, limits)
    _list_formulas(read, scans)
    return read, reader


def _list_formulas(read: list[SheetText], scans: dict[str, FormulaScan]) -> None:
    """Add each sheet's formula cells to its explanation, with the result saved (or computed by the app)."""
    for sheet in read:
        scan = scans.get(sheet.facts.name, FormulaScan())
        listed = formula_results(sheet.text, sheet.facts.origin, scan.cells)
        computed = {c["cell"]: c["value"] for c in sheet.facts.computed_cells}
        for entry in listed:
            if entry["cell"] in computed:
                entry.update(value=computed[entry["cell"]], computed=True)
        sheet.cells["formulas"] = {"count": scan.total, "cells": listed}
        _show_computed(sheet, computed)


def _show_computed(sheet: SheetText, computed: dict[str, str]) -> None:
    """Put the values the app computed into the preview's corner, in place of the placeholders the file saved."""
    first_row, first_column = sheet.facts.origin
    for ref, value in computed.items():
        letters = ref.rstrip("0123456789")
        row, column = int(ref[len(letters):]) - 1 - first_row, column_index(letters) - first_column
        if 0 <= row < len(sheet.corner) and 0 <= column < len(sheet.corner[row]):
            try:
                sheet.corner[row][column] = WrittenNumber(value, Decimal(value))
            except ArithmeticError:  # an error value such as #DIV/0!, shown as text
                sheet.corner[row][column] = value


def _second_read(second: Reader, path: Path, limits: Limits, refusal: Said | str) -> list[SheetRows]:
    """Read with the second reader; only a file no reader can open is called damaged."""
    try:
        return second.read(path, limits.max_cells)
    except TooManyCells as exc:
        raise ExtractionError(wording(exc)) from exc
    except MemoryError:
        raise
    except Exception as exc:  # a third-party parser on a hostile file: any failure means it cannot read it
        raise ExtractionError(refusal) from exc


def _recalculated(path: Path, sniffed: Sniffed, facts: ArchiveFacts, counts: dict[str, int], reader: str,
                  limits: Limits) -> list[SheetText]:
    """Read again, computing the formulas the writer left without a result (the formula engine loads only here)."""
    from webapp.workbook.recalc import recalculate

    if reader == FIRST_READER:
        try:
            sheets = calamine.raw_sheets(path, sniffed.kind, limits)
        except calamine.Refused as refused:
            sheets = _second_read(SECOND_READERS[sniffed.kind], path, limits, wording(refused))
    else:
        sheets = _second_read(SECOND_READERS[sniffed.kind], path, limits, "")
    outcomes = recalculate(path, sheets, facts.full_calc_on_load)
    read = []
    for sheet in sheets:
        text = _as_text(sheet)
        text.facts.formulas_without_value = counts.get(sheet.name, 0)
        if sheet.name in outcomes:
            outcomes[sheet.name].apply(text.facts)
        read.append(text)
    return read


def _preview(path: Path, read: list[SheetText], facts: ArchiveFacts, kind: str) -> Preview:
    """Preview the sheets as read, as the file shows them where its formats (.xlsx) or shown text (.ods) can be read."""
    corners = {s.facts.name: (*s.facts.origin, len(s.corner), CORNER_COLUMNS) for s in read[:PREVIEW_SHEETS]}
    try:
        if kind == "ods":
            return build_preview(read, FORMATTED, texts=shown_corners(path, corners))
        if facts.sheets:
            return build_preview(read, FORMATTED, corner_formats(path, facts.sheets, corners))
    except Exception:  # noqa: BLE001 - the total never depends on the preview: any trouble reading formats shows raw values
        pass
    return build_preview(read, RAW)  # .xls, whose formats are not read, or a file whose formats could not be


def _as_text(sheet: SheetRows) -> SheetText:
    return read_sheet(sheet.name, sheet.rows, sheet.origin)


def _assemble(read: list[SheetText], sniffed: Sniffed, reader: str, preview: Preview) -> Extraction:
    """Join the sheets' text (a line with the sheet name, then its rows) and add up their sums."""
    blocks = []
    numbers: set[str] = set()
    line = 0
    for sheet in read:
        sheet.facts.first_line = line + 1
        blocks.append(_one_line(sheet.facts.name) + "\n" + sheet.text)
        line += 2 + sheet.text.count("\n")
        numbers |= sheet.numbers
    with localcontext(EXACT):
        total = sum((s.facts.numeric_sum + s.facts.text_sum for s in read), Decimal(0))
    facts = [s.facts for s in read]
    cells = [s.cells for s in read]
    return Extraction("\n".join(blocks), total, " ".join(sorted(numbers)), facts, sniffed.kind, reader, cells, preview)


def _one_line(name: str) -> str:
    return " ".join(name.split())
