"""Files as other programs really write them (issue 13), each uploaded and read by a real worker."""

import codecs
import io
import zipfile

import pytest
import xlsxwriter

from tests.fixtures_files import OdsTime, csv_bytes, ods_bytes, xls_bytes, xlsx_with_sheet_xml
from webapp.extensions import db
from webapp.models import Document


@pytest.fixture
def processed(api, run_jobs, app):
    """Upload one file to a fresh category, run the worker, return (document JSON, its stored breakdown)."""
    names = iter(range(100))

    def process(filename: str, content: bytes, category: str | None = None):
        category = category or f"real{next(names)}"
        if not api_category_exists(category):
            api.create_category(category)
        response = api.upload(category, (filename, content))
        assert response.status_code == 202, response.json
        document_id = response.json["documents"][0]["id"]
        run_jobs()
        with app.app_context():
            breakdown = db.session.get(Document, document_id).breakdown
            db.session.remove()
        return api.document(document_id), breakdown

    created: set[str] = set()

    def api_category_exists(name: str) -> bool:
        known = name in created
        created.add(name)
        return known

    return process


TIMES = [["shift", "hours", "clocked", "pay"],
         ["night", OdsTime("PT288H00M00S", "288:00:00"), OdsTime("PT27H17M54S", "27:17:54"), 5],
         ["day", OdsTime("09:55:33", "09:55:33"), OdsTime("PT09H55M33S", "09:55:33"), 7]]


def test_ods_times_and_durations_never_count_and_the_preview_shows_them_as_times(processed, client):
    document, breakdown = processed("shifts.ods", ods_bytes({"Shifts": TIMES}))
    assert document["status"] == "done" and document["total"] == "12"  # not 12 + 288 + 98 + 97 + 97
    assert breakdown["sheets"][0]["cells"]["date"] == 4
    page = client.get(f"/documents/{document['id']}").text
    for shown in ("288:00:00", "27:17:54", "09:55:33"):
        assert f">{shown}</td>" in page
    assert "PT288H" not in page


def test_a_koffice_ods_with_whitespace_between_cells_is_read_by_the_second_reader(processed, client):
    rows = [["item", "price"], ["apples", 2.5], ["pears", 4], ["note: 3 boxes", None]]
    document, breakdown = processed("koffice.ods", ods_bytes({"Fruit": rows}, spaced=True))
    assert document["status"] == "done", document
    assert document["total"] == "9.5"
    assert breakdown["reader"] == document["reader"] == "the OpenDocument XML (ElementTree)"
    page = client.get(f"/documents/{document['id']}").text
    assert "Read with the OpenDocument XML (ElementTree), because the usual reader" in page


def test_an_xlsx_with_an_error_value_calamine_refuses_is_read_by_openpyxl(processed, client):
    # Excel 365 writes dynamic-array errors such as #SPILL! and #CALC!, which python-calamine does not know.
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>tea 5</t></is></c><c r="B1"><v>7</v></c>'
             b'<c r="C1" t="e"><v>#SPILL!</v></c></row></sheetData></worksheet>')
    document, breakdown = processed("spill.xlsx", xlsx_with_sheet_xml(sheet))
    assert document["status"] == "done", document
    assert document["total"] == "12"
    assert breakdown["reader"] == document["reader"] == "openpyxl"
    assert "Read with openpyxl, because the usual reader" in client.get(f"/documents/{document['id']}").text


def test_an_xls_calamine_refuses_is_read_by_xlrd(processed):
    # Excel for Mac declares the Mac Roman code page (32768); python-calamine cannot open such a file.
    data = bytearray(xls_bytes({"S": [["tea", 5], ["cake", 7.5]]}))
    codepage = data.find(b"\x42\x00\x02\x00")
    data[codepage + 4:codepage + 6] = (32768).to_bytes(2, "little")
    document, breakdown = processed("mac.xls", bytes(data))
    assert document["status"] == "done", document
    assert document["total"] == "12.5"
    assert breakdown["reader"] == document["reader"] == "xlrd"


def test_a_file_no_reader_can_open_is_still_called_damaged(processed):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # an OpenDocument spreadsheet that lost its content
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<?xml version='1.0'?><office:document-content")
    broken = buffer.getvalue()
    document, _ = processed("broken.ods", broken)
    assert document["status"] == "failed" and "damaged" in document["error"]


@pytest.mark.parametrize(
    "name, content, total",
    [
        ("single-row.csv", b"Total,100\r\n", "100"),
        ("single-column.csv", b"amount\r\n12.5\r\n7\r\n", "19.5"),
        ("titled.csv", b"Stock on hand\r\nitem,count\r\nbolts,40\r\nnuts,2\r\n", "42"),
        ("excel-unicode.txt", codecs.BOM_UTF16_LE + "item\tprice\r\nthé\t12.5\r\n日本\t3\r\n".encode("utf-16-le"), "15.5"),
        ("utf16.csv", "item,price\r\ncafé,12.5\r\n".encode("utf-16"), "12.5"),
        ("quoted.csv", b'name,note,price\r\n"Smith, J","two\nlines",12\r\n"Doe; A","a, b",3\r\n', "15"),
        ("one-field-a-row.csv", b"Dear team\nthe total is 40\n", "40"),
        ("european.csv", b"article;prix\r\npain;12,50\r\nvin;1.234,50\r\n", "1247"),
    ],
)
def test_csv_files_people_export_are_read(processed, name, content, total):
    document, breakdown = processed(name, content)
    assert document["status"] == "done", document
    assert document["total"] == total and breakdown["format"] == "csv"


def _xlsxwriter_book() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("Sales")
    sheet.write_row(0, 0, ["region", "amount"])
    for row, (region, amount) in enumerate([("north", 10), ("south", 20), ("east", 30)], start=1):
        sheet.write_row(row, 0, [region, amount])
    sheet.write_formula("B5", "=SUM(B2:B4)")  # 60
    sheet.write_formula("C2", "=B2*2")  # 20
    sheet.write_formula("C3", '=CUBEVALUE("Sales","[Measures].[Total]")')  # no engine has it
    book.close()
    return buffer.getvalue()


def test_formulas_xlsxwriter_never_computed_are_computed_or_reported(processed, client):
    document, breakdown = processed("report.xlsx", _xlsxwriter_book(), category="sales")
    assert document["status"] == "done"
    assert document["total"] == "140"  # 10 + 20 + 30, then SUM = 60 and B2*2 = 20 computed by the app
    assert document["formulas"] == {"formulas_without_value": 3, "formulas_computed": 2, "formulas_not_computed": 1}
    sheet = breakdown["sheets"][0]
    assert sheet["computed_cells"] == [{"cell": "C2", "value": "20"}, {"cell": "B5", "value": "60"}]
    assert sheet["formula_problems"] == ["CUBEVALUE is a function the app cannot calculate"]
    page = client.get(f"/documents/{document['id']}").text
    assert "3 formula cell(s) had no saved result" in page and "The app calculated 2 of them itself" in page
    assert "<li>Sales!B5 = 60</li>" in page and "1 could not be calculated and count nothing" in page
    assert "CUBEVALUE is a function the app cannot calculate" in page
    category = client.get("/categories/sales").text
    assert 'id="category-formulas"' in category and "3 formula(s) had no computed result" in category
    assert "the app calculated 2 itself" in category


def test_ordinary_workbooks_never_load_the_formula_engine(tmp_path):
    import subprocess
    import sys

    from tests.fixtures_files import ROOT, xlsx_bytes

    path = tmp_path / "plain.xlsx"
    path.write_bytes(xlsx_bytes({"S": [[1, 2, "3 kg"]]}))
    probe = (
        "import sys; from webapp.workbook.extract import extract; "
        f"assert extract({str(path)!r}).total == 6; print('formulas' in sys.modules, 'numpy' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert shown.split() == ["False", "False"]


def test_csv_field_limits_stay_as_refusals_of_binary(processed, api):
    api.create_category("bin")
    response = api.upload("bin", ("data.csv", b"\x00\x01\x02" * 100))
    assert response.status_code == 400 and "binary data" in response.json["error"]


def test_csv_export_and_workbook_give_the_same_total(processed, make_workbook):
    rows = [["item", "price", "qty"], ["widget", 12.5, 3], ["gadget", 1234.5, -2]]
    workbook, _ = processed("stock.xlsx", make_workbook({"Stock": rows}))
    exported, _ = processed("stock.csv", csv_bytes([[str(v) for v in row] for row in rows]))
    assert workbook["total"] == exported["total"] == "1248"
