"""The README's rules for what counts as a number, each checked through a real upload and worker."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest


@pytest.fixture
def total_of(api, make_workbook, run_jobs):
    """Upload one workbook and return (its exact total, the document JSON) once the worker is done."""
    counter = iter(range(1000))

    def total(sheets, cells=None):
        name = f"c{next(counter)}"
        api.create_category(name)
        doc = api.upload(name, ("w.xlsx", make_workbook(sheets, cells=cells))).json["documents"][0]
        run_jobs()
        result = api.document(doc["id"])
        assert result["status"] == "done", result
        return result["total"]

    return total


def test_numeric_cells_sum_exactly_without_float_noise(total_of):
    assert total_of({"S": [[0.1, 0.2]]}) == "0.3"


def test_percent_and_currency_formats_keep_the_stored_value(total_of):
    cells = {"S": {"A1": (0.25, "0%"), "A2": (1234.5, '"$"#,##0.00'), "A3": (2, "0.00")}}
    assert total_of({"S": []}, cells) == "1236.75"


def _with_cached_formula(content: bytes, formula: str, cached: str) -> bytes:
    """Give a formula cell a cached value, as Excel writes it (openpyxl cannot)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{cached}</v>".encode())
            target.writestr(item, data)
    return out.getvalue()


def test_formulas_count_their_cached_value_never_the_formula_text(api, make_workbook, run_jobs):
    content = _with_cached_formula(make_workbook({"S": [[10, 20, "=SUM(1000,2000)"]]}), "SUM(1000,2000)", "3000")
    api.create_category("f")
    doc = api.upload("f", ("f.xlsx", content)).json["documents"][0]
    run_jobs()
    assert api.document(doc["id"])["total"] == "3030"


def test_booleans_dates_times_and_durations_do_not_count(total_of):
    row = [True, False, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 12, 30), dt.time(8, 15), dt.timedelta(hours=5), 4]
    assert total_of({"S": [row]}) == "4"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("order 12 of 3.5 kg", "15.5"),
        ("temp -4 degrees", "-4"),
        ("X-100", "100"),
        ("shipped 2024-05-01", "2030"),
        ("1,234.50 paid", "1234.5"),
        ("no digits here", "0"),
    ],
)
def test_numbers_inside_text_count(total_of, text, expected):
    assert total_of({"S": [[text]]}) == expected


def test_empty_workbooks_count_zero(total_of):
    assert total_of({"Empty": []}) == "0"


def test_several_sheets_all_count(total_of):
    assert total_of({"One": [[1, 2]], "Two": [[3]], "Three": [["4 items"]]}) == "10"


def test_searchable_text_shows_cells_as_users_see_them(api, make_workbook, run_jobs, app):
    from webapp.extensions import db
    from webapp.models import Document

    api.create_category("c")
    doc = api.upload("c", ("w.xlsx", make_workbook({"S": [[28665, None, "word", 2.5]]}))).json["documents"][0]
    run_jobs()
    with app.app_context():
        text = db.session.get(Document, doc["id"]).text
    assert "28665" in text and "28665.0" not in text
    assert "None" not in text and "2.5" in text and "word" in text


def test_extraction_sums_are_decimals():
    from webapp.workbook.numbers import numbers_in_text

    found, skipped = numbers_in_text("a 0.1 b 0.2")
    assert sum(found) == Decimal("0.3") and skipped == 0
