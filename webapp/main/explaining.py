"""What the document page needs for "Explain this total" (the cells, a page of each list) and its preview."""

from dataclasses import dataclass, field

from flask import url_for

from webapp.models import Document, DocumentStatus
from webapp.pagination import Pages, page_count
from webapp.services.answers import details
from webapp.services.pipeline import queue
from webapp.workbook.preview import Preview, SheetPreview

CELLS_PER_PAGE = 25
KINDS = ("formulas", "text", "values", "left_out")


@dataclass
class CellList:
    """One page of one list of a sheet's cells (text with numbers, text read as a value, values left out)."""

    sheet: int
    kind: str
    count: int
    cells: list[dict]
    listed: int
    pages: Pages
    anchor: str = ""
    document_id: int = 0

    def page_url(self, page: int) -> str:
        """Return the address of another page of this list."""
        address = url_for("main.document", document_id=self.document_id, sheet=self.sheet, kind=self.kind, page=page)
        return f"{address}#{self.anchor}"


@dataclass
class DocumentView:
    """Everything the page shows about the cells and the preview, and whether it is still being prepared."""

    cells: dict | None = None
    lists: dict[tuple[int, str], CellList] = field(default_factory=dict)
    preview: Preview | None = None
    around: SheetPreview | None = None
    at: tuple[int, str] | None = None
    at_in_preview: bool = False
    building: bool = False
    queue_away: bool = False


def document_view(document: Document, args) -> DocumentView:
    """Read the stored details, ask for them once if an older document has none, and page the lists."""
    view = DocumentView()
    if document.status != DocumentStatus.DONE:
        return view
    shown = details.stored(document)
    if shown is None:
        view.building = queue.enqueue_details(document.id)
        view.queue_away = not view.building
        return view
    view.cells, view.preview = shown.cells, shown.preview
    if view.cells:
        view.lists = _lists(document, view.cells, args)
    view.at, view.around = _at(document, view.preview, args.get("at", ""))
    view.at_in_preview = bool(view.at and view.preview and in_preview(view.preview, *view.at))
    return view


def _lists(document: Document, cells: dict, args) -> dict[tuple[int, str], CellList]:
    wanted = (args.get("sheet", -1, type=int), args.get("kind", ""))
    asked = max(1, args.get("page", 1, type=int) or 1)
    lists = {}
    for index, sheet in enumerate(cells.get("sheets", [])):
        for kind in KINDS:
            found = sheet.get(kind) or {"count": 0, "cells": []}
            last = page_count(len(found["cells"]), CELLS_PER_PAGE)
            page = min(asked, last) if (index, kind) == wanted else 1
            first = (page - 1) * CELLS_PER_PAGE
            lists[(index, kind)] = CellList(index, kind, found["count"], found["cells"][first : first + CELLS_PER_PAGE],
                                            len(found["cells"]), Pages(page, last), f"cells-{index}-{kind}", document.id)
    return lists


def _at(document: Document, preview: Preview | None, at: str) -> tuple[tuple[int, str] | None, SheetPreview | None]:
    """Read `?at=<sheet>!<cell>`: the cell to highlight, and rows around it when the preview does not show it."""
    index, _, ref = at.partition("!")
    if not index.isdigit() or details.parse_ref(ref) is None:
        return None, None
    where = (int(index), ref)
    if preview is not None and in_preview(preview, *where):
        return where, None
    return where, details.around(document, *where)


def in_preview(preview: Preview, sheet_index: int, ref: str) -> bool:
    """Tell whether the stored preview shows this cell."""
    if not 0 <= sheet_index < len(preview.sheets):
        return False
    sheet = preview.sheets[sheet_index]
    row, column = details.parse_ref(ref) or (-1, -1)
    letters = ref.rstrip("0123456789")
    return sheet.first_row <= row + 1 < sheet.first_row + len(sheet.rows) and letters in sheet.columns and column >= 0


def cell_url(document: Document, sheet_index: int, ref: str) -> str:
    """Return the link from a listed cell to that cell highlighted in the preview (or in rows around it)."""
    return f"{url_for('main.document', document_id=document.id, at=f'{sheet_index}!{ref}')}#cell-{sheet_index}-{ref}"
