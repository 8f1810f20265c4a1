"""Every accepted format, uploaded through the API and processed by a real worker; the real type comes from the bytes."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.fixtures_files import Formula, csv_bytes, ods_bytes, xls_bytes, xlsx_bytes
from webapp.extensions import db
from webapp.models import Document

ROWS = [["Galaxy charger", 12.5, True], ["order 12 of 3.5 kg", 7, dt.date(2024, 5, 1)]]  # 12.5 + 15.5 + 7 = 35


@pytest.fixture
def processed(api, run_jobs, app):
    """Upload one file to a fresh category, run the worker, return (document JSON, its stored row)."""
    names = iter(range(100))

    def process(filename: str, content: bytes):
        category = f"formats{next(names)}"
        api.create_category(category)
        response = api.upload(category, (filename, content))
        assert response.status_code == 202, response.json
        document_id = response.json["documents"][0]["id"]
        run_jobs()
        with app.app_context():
            row = db.session.get(Document, document_id)
            stored = {"text": row.text, "numbers": row.numbers, "breakdown": row.breakdown}
            db.session.remove()
        return api.document(document_id), stored

    return process


@pytest.mark.parametrize(
    "filename, content, kind",
    [
        ("prices.xlsx", xlsx_bytes({"Prices": ROWS}), "xlsx"),
        ("prices.xlsm", xlsx_bytes({"Prices": ROWS}, macro_enabled=True), "xlsm"),
        ("prices.xls", xls_bytes({"Prices": ROWS}), "xls"),
        ("prices.ods", ods_bytes({"Prices": ROWS}), "ods"),
    ],
)
def test_each_workbook_format_counts_the_same_numbers(processed, filename, content, kind):
    document, stored = processed(filename, content)
    assert document["status"] == "done", document
    assert Decimal(document["total"]) == Decimal("35")
    assert stored["breakdown"]["format"] == kind
    sheet = stored["breakdown"]["sheets"][0]
    assert sheet["name"] == "Prices" and sheet["cells"] == {"number": 2, "text": 2, "boolean": 1, "date": 1}
    assert Decimal(sheet["numeric_sum"]) == Decimal("19.5") and Decimal(sheet["text_sum"]) == Decimal("15.5")
    assert "Galaxy charger\t12.5\tTRUE" in stored["text"] and "2024-05-01" in stored["text"]


CSV_ROWS = [["item", "price", "note"], ["café crème", "12.50", "box of 3"], ["thé", "1,234.50", "-4 returned"]]


@pytest.mark.parametrize(
    "encoding, bom, delimiter",
    [("utf-8", False, ","), ("utf-8", True, ","), ("utf-16", False, ","), ("cp1252", False, ","),
     ("utf-8", False, ";"), ("utf-8", False, "\t")],
)
def test_csv_in_every_encoding_and_delimiter(processed, encoding, bom, delimiter):
    document, stored = processed("prices.csv", csv_bytes(CSV_ROWS, encoding=encoding, delimiter=delimiter, bom=bom))
    assert document["status"] == "done", document
    assert document["total"] == "1246"  # 12.50 + 1234.50 + 3 - 4
    assert "café crème\t12.50\tbox of 3" in stored["text"]
    assert stored["breakdown"]["format"] == "csv"
    assert stored["breakdown"]["sheets"][0]["cells"] == {"number": 2, "text": 7}
    assert set(stored["numbers"].split()) == {"12.5", "1234.5"}


def test_semicolon_csv_reads_decimal_commas(processed):
    rows = [["item", "price"], ["pain", "12,50"], ["vin", "1.234,50"]]
    document, _ = processed("european.csv", csv_bytes(rows, delimiter=";"))
    assert document["total"] == "1247"


def test_a_single_column_of_numbers_is_a_csv(processed):
    document, _ = processed("amounts.csv", b"12.5\n7\n-2.5\n")
    assert document["total"] == "17"


def test_type_comes_from_the_bytes_not_the_name(processed):
    as_csv, stored = processed("really-a-workbook.csv", xlsx_bytes({"S": [[5, 6]]}))
    assert as_csv["total"] == "11" and stored["breakdown"]["format"] == "xlsx"
    as_xlsx, stored = processed("really-text.xlsx", csv_bytes([["a", "b"], ["1", "2"]]))
    assert as_xlsx["total"] == "3" and stored["breakdown"]["format"] == "csv"


def test_refusal_lists_what_is_accepted(api):
    api.create_category("c")
    response = api.upload("c", ("notes.txt", bytes(range(256)) * 4))
    assert response.status_code == 400
    error = response.json["error"]
    assert "“notes.txt” is not a workbook" in error
    for accepted in (".xlsx", ".xlsm", ".xls", ".ods", ".csv"):
        assert accepted in error


def test_formula_cells_count_their_cached_values_and_missing_ones_are_computed(processed, client):
    sheet = [[10, Formula("A1*2", 20), Formula("SUM(A1:B1)"), Formula("A1&\"x\"", "10x"), Formula("1/0")]]
    document, stored = processed("formulas.xlsx", xlsx_bytes({"Calc": sheet}))
    assert document["total"] == "70"  # 10 + 20 + SUM computed by the app (30) + the 10 inside "10x"
    assert stored["breakdown"]["formulas_without_value"] == 2
    assert stored["breakdown"]["formulas_computed"] == 2  # SUM and 1/0, which gives #DIV/0!
    assert stored["breakdown"]["sheets"][0]["computed_cells"] == [{"cell": "C1", "value": "30"}, {"cell": "E1", "value": "#DIV/0!"}]
    assert "Calc\n10\t20\t30\t10x\t#DIV/0!" in stored["text"]
    page = client.get(f"/documents/{document['id']}").text
    assert 'id="formulas-without-value"' in page and "2 formula cell(s) had no saved result" in page


def test_the_document_page_explains_the_total_per_sheet(processed, client):
    document, _ = processed("two.xlsx", xlsx_bytes({"Prices": [[1.5, "2 boxes"]], "Costs": [["paid 1,000.25", True]]}))
    page = client.get(f"/documents/{document['id']}").text
    assert "Explain this total" in page
    for expected in ("Prices", "Costs", "1.5", "1000.25", "3.5", "1 true/false"):
        assert expected in page
