"""The document page explains its total cell by cell and previews the file from what the worker stored."""

import io
import re

import pytest
import xlsxwriter
from sqlalchemy import text

from tests.fixtures_files import csv_bytes, xlsx_bytes
from webapp.extensions import db
from webapp.services.pipeline import storage

PHONES = [["Model", "Units"], ["Galaxy S24", 10], ["iPhone 15", 5], ["Pixel 8", 2]]


@pytest.fixture
def uploaded(api, run_jobs, client):
    """Upload one file to the category `phones`, run the worker, return the document's id."""
    api.create_category("phones")

    def upload(filename: str, content: bytes) -> int:
        response = api.upload("phones", (filename, content))
        assert response.status_code == 202, response.json
        run_jobs()
        return response.json["documents"][0]["id"]

    return upload


def _sha256(app, document_id: int) -> str:
    with app.app_context():
        found = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :id"), {"id": document_id}).scalar()
        db.session.remove()
    return found


def _section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start : page.find("</section>", start)]


def test_the_page_names_the_text_cells_whose_numbers_were_counted(uploaded, client):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    cells = _section(client.get(f"/documents/{doc}").text, "cells")
    assert "Text cells whose numbers were counted: 3" in cells
    for ref, shown, number in (("A2", "Galaxy S24", "24"), ("A3", "iPhone 15", "15"), ("A4", "Pixel 8", "8")):
        row = re.search(rf'href="/documents/{doc}\?at=0!{ref}#cell-0-{ref}">Sales!{ref}</a></th>\s*'
                        rf'<td class="cell-text">{shown}</td>\s*<td>{number}</td>', cells)
        assert row, f"{ref} not listed with {shown} and {number}"
    assert "numbers inside text add <strong class=\"num\">47</strong>" in cells


def test_a_link_shows_the_cell_highlighted_in_the_preview(uploaded, client):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    preview = _section(client.get(f"/documents/{doc}?at=0!A3").text, "preview")
    assert re.search(r'<td id="cell-0-A3" class="cell-hit" aria-current="true">iPhone 15</td>', preview)
    assert preview.count("cell-hit") == 1


def test_a_cell_outside_the_preview_is_shown_with_the_rows_around_it(uploaded, client):
    rows = [["Model"]] + [["filler"]] * 39 + [["last filler"], ["Galaxy S24"]]
    doc = uploaded("long.xlsx", _workbook(rows))
    page = client.get(f"/documents/{doc}").text
    assert f'href="/documents/{doc}?at=0!A42#cell-0-A42"' in page
    around = _section(client.get(f"/documents/{doc}?at=0!A42").text, "around")
    assert '<td id="cell-0-A42" class="cell-hit" aria-current="true">Galaxy S24</td>' in around
    assert ">last filler</td>" in around and "outside the preview" in around


def test_long_lists_come_in_pages_and_say_when_they_are_capped(uploaded, client):
    rows = [[f"box {i}"] for i in range(230)]
    doc = uploaded("boxes.xlsx", _workbook(rows))
    first = _section(client.get(f"/documents/{doc}").text, "cells")
    assert "Text cells whose numbers were counted: 230" in first
    assert first.count('class="cell-link"') == 25 and "Sales!A25<" in first and "Sales!A26<" not in first
    assert "200 of 230 listed" in first
    last = _section(client.get(f"/documents/{doc}?sheet=0&kind=text&page=8").text, "cells")
    assert last.count('class="cell-link"') == 25 and "Sales!A200<" in last and "Sales!A176<" in last


def test_the_preview_shows_cells_through_their_number_format(uploaded, client, make_workbook):
    content = make_workbook({"Sales": [["Share", "Price"]]}, cells={"Sales": {"A2": (0.25, "0%"), "B2": (799.99, '"$"#,##0.00')}})
    preview = _section(client.get(f"/documents/{uploaded('formats.xlsx', content)}").text, "preview")
    assert ">25%</td>" in preview and ">$799.99</td>" in preview and ">0.25<" not in preview
    assert "number format applied" in preview


def test_a_csv_file_gets_a_preview(uploaded, client):
    doc = uploaded("phones.csv", csv_bytes([["model", "share"], ["Galaxy S24", "25%"]]))
    preview = _section(client.get(f"/documents/{doc}").text, "preview")
    assert ">Galaxy S24</td>" in preview and ">25%</td>" in preview and "as the file writes it" in preview
    assert "No preview is available" not in preview


def test_the_page_never_opens_the_file_its_preview_is_stored(uploaded, client, app):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    with app.app_context():
        storage.delete(_sha256(app, doc))
    page = client.get(f"/documents/{doc}?at=0!A2").text
    assert "missing from storage" in page
    preview = _section(page, "preview")
    assert '<td id="cell-0-A2" class="cell-hit" aria-current="true">Galaxy S24</td>' in preview
    assert "Sales!A2" in _section(page, "cells")


def test_an_older_document_gets_its_preview_and_cells_from_a_job(uploaded, client, app, run_jobs):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    with app.app_context():
        db.session.execute(text("DELETE FROM document_details"))
        db.session.commit()
        db.session.remove()
    waiting = client.get(f"/documents/{doc}").text
    assert "The preview is being prepared" in waiting and 'data-pending="1"' in waiting
    run_jobs()
    page = client.get(f"/documents/{doc}").text
    assert ">Galaxy S24</td>" in _section(page, "preview") and "Sales!A2" in _section(page, "cells")
    assert 'data-pending="0"' in page


def test_an_older_document_whose_total_changed_keeps_its_total_and_is_told_to_reprocess(uploaded, client, app, run_jobs):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    with app.app_context():  # as if counted under older number rules, before cells were kept
        db.session.execute(text("DELETE FROM document_details"))
        db.session.execute(text("UPDATE documents SET counted_total = 1, total = 1 WHERE id = :id"), {"id": doc})
        db.session.commit()
        db.session.remove()
    client.get(f"/documents/{doc}")
    run_jobs()
    page = client.get(f"/documents/{doc}").text
    assert ">Galaxy S24</td>" in _section(page, "preview")
    assert "Reprocess the file to list them" in _section(page, "cells")


def test_reprocessing_rewrites_the_cells(uploaded, client, run_jobs, app):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    with app.app_context():
        db.session.execute(text("UPDATE document_details SET cells = NULL"))
        db.session.commit()
        db.session.remove()
    assert client.post(f"/api/documents/{doc}/reprocess").status_code == 202
    run_jobs()
    assert "Sales!A2" in _section(client.get(f"/documents/{doc}").text, "cells")


def _workbook(rows):
    return xlsx_bytes({"Sales": rows})


def test_formula_cells_are_listed_and_link_to_their_cell(uploaded, client):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Sales")
    sheet.write_row(0, 0, ["units", 2, 3])
    sheet.write_formula(0, 3, "=B1+C1", None, 5)
    workbook.close()
    doc = uploaded("formulas.xlsx", buffer.getvalue())
    cells = _section(client.get(f"/documents/{doc}").text, "cells")
    assert "Formula cells: 1" in cells
    assert re.search(rf'href="/documents/{doc}\?at=0!D1#cell-0-D1">Sales!D1</a></th>\s*<td>5', cells)


def test_deleting_a_file_deletes_its_cells_and_preview(uploaded, client, app):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    assert client.delete(f"/api/documents/{doc}").status_code == 204
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM document_details")).scalar() == 0
        db.session.remove()


def test_the_page_reads_nothing_of_the_file_but_whether_it_is_there(uploaded, client, monkeypatch):
    doc = uploaded("phones.xlsx", _workbook(PHONES))

    def refuse(*args, **kwargs):
        raise AssertionError("the page opened the stored file")

    monkeypatch.setattr(storage, "fetched", refuse)
    monkeypatch.setattr(storage, "open_original", refuse)
    page = client.get(f"/documents/{doc}")
    assert page.status_code == 200 and ">Galaxy S24</td>" in _section(page.text, "preview")


def test_rows_around_a_far_cell_stop_at_the_end_of_its_sheet(uploaded, client):
    first = [["head"]] + [["filler"]] * 30 + [["Galaxy S24"]]
    doc = uploaded("two.xlsx", xlsx_bytes({"First": first, "Second": [["next sheet"]]}))
    around = _section(client.get(f"/documents/{doc}?at=0!A32").text, "around")
    assert '<td id="cell-0-A32" class="cell-hit" aria-current="true">Galaxy S24</td>' in around
    assert "next sheet" not in around and "Second" not in around
    assert [int(n) for n in re.findall(r'<th scope="row">(\d+)</th>', around)] == list(range(27, 33))


def test_a_far_cell_of_a_csv_file_is_shown_with_the_rows_around_it(uploaded, client):
    doc = uploaded("long.csv", csv_bytes([["model"]] + [["filler"]] * 40 + [["Pixel 8"]]))
    assert f'href="/documents/{doc}?at=0!A42#cell-0-A42">A42</a>' in client.get(f"/documents/{doc}").text
    around = _section(client.get(f"/documents/{doc}?at=0!A42").text, "around")
    assert '<td id="cell-0-A42" class="cell-hit" aria-current="true">Pixel 8</td>' in around


@pytest.mark.parametrize("query", ["at=", "at=abc", "at=0!", "at=99!A1", "at=0!ZZZZ1", "at=0!A0", "at=0!A9999999",
                                   "at=-1!A1", "at=0!a1", "sheet=abc&kind=zzz&page=-1", "sheet=0&kind=text&page=9999"])
def test_odd_cell_addresses_answer_the_page_without_a_highlight(uploaded, client, query):
    doc = uploaded("phones.xlsx", _workbook(PHONES))
    page = client.get(f"/documents/{doc}?{query}")
    assert page.status_code == 200 and ">Galaxy S24</td>" in _section(page.text, "preview")
    assert 'class="cell-hit"' not in page.text
    if query.startswith("at=0!A9999999"):
        assert "That cell cannot be shown here" in page.text
