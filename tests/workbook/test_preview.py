"""The preview the worker builds: cells through their number format (xlsx), CSV fields as written, and a plain
word that values are raw where the file's formats are not read."""

import datetime as dt
import io

import pytest
import xlsxwriter

from tests.fixtures_files import OdsNumber, OdsTime, csv_bytes, ods_bytes, xls_bytes, xlsx_bytes
from webapp.workbook.extract import extract
from webapp.workbook.numfmt import BUILT_IN, format_value
from webapp.workbook.preview import FORMATTED, RAW, Preview


@pytest.mark.parametrize("value, code, shown", [
    (0.25, "0%", "25%"),
    (0.2567, "0.00%", "25.67%"),
    (799.99, '"$"#,##0.00', "$799.99"),
    (799.99, "[$$-409]#,##0.00", "$799.99"),
    (1234.5, "#,##0.00 [$€-407]", "1,234.50 €"),
    (-1234.5, BUILT_IN[7], "($1,234.50)"),
    (1234567.891, "#,##0.00", "1,234,567.89"),
    (1234567, BUILT_IN[3], "1,234,567"),
    (2.5, "0.000", "2.500"),
    (0.125, "0.00", "0.13"),  # half away from zero, exactly (the float 0.125 is exact)
    (2.675, "0.00", "2.68"),  # the cell shows 2.675, so it rounds up, whatever the float's binary value
    (0.5, "0.0#", "0.5"),
    (-5, "0", "-5"),
    (12345.678, "#,##0.0,", "12.3"),
    (dt.date(2024, 5, 1), BUILT_IN[14], "5/1/2024"),
    (dt.datetime(2024, 5, 1, 9, 5, 3), "yyyy-mm-dd hh:mm:ss", "2024-05-01 09:05:03"),
    (dt.date(2024, 5, 1), "d mmm yyyy", "1 May 2024"),
    (dt.time(21, 5), "h:mm AM/PM", "9:05 PM"),
    (dt.time(9, 55, 33), "hh:mm:ss", "09:55:33"),
    (dt.timedelta(hours=288), "[h]:mm:ss", "288:00:00"),
])
def test_common_formats_show_as_a_spreadsheet_shows_them(value, code, shown):
    assert format_value(value, code) == shown


@pytest.mark.parametrize("value, code", [(1.5, "# ?/?"), (1234.5, "0.00E+00"), (5, '[>100]"big";"small"'),
                                         (5, "General"), ("text", "0%"), (True, "0")])
def test_other_formats_leave_the_raw_value(value, code):
    assert format_value(value, code) is None


@pytest.fixture
def read(tmp_path):
    def run(content: bytes):
        path = tmp_path / "upload"
        path.write_bytes(content)
        return extract(path)

    return run


def _formatted_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Sales")
    percent, dollars = workbook.add_format({"num_format": "0%"}), workbook.add_format({"num_format": "$#,##0.00"})
    day, plain = workbook.add_format({"num_format": "d mmm yyyy"}), workbook.add_format({"num_format": "#,##0"})
    sheet.write_row(0, 0, ["Model", "Share", "Price", "Launched", "Units", "Raw"])
    sheet.write(1, 0, "Galaxy S24")
    sheet.write(1, 1, 0.25, percent)
    sheet.write(1, 2, 799.99, dollars)
    sheet.write_datetime(1, 3, dt.datetime(2024, 1, 17), day)
    sheet.write(1, 4, 1234567, plain)
    sheet.write(1, 5, 0.1)
    workbook.close()
    return buffer.getvalue()


def _texts(preview: Preview, sheet: int = 0) -> list[list[str]]:
    return [[cell.text for cell in row] for row in preview.sheets[sheet].rows]


def test_xlsx_preview_applies_each_cells_number_format(read):
    preview = read(_formatted_xlsx()).preview
    assert preview.shown == FORMATTED
    assert _texts(preview)[1] == ["Galaxy S24", "25%", "$799.99", "17 Jan 2024", "1,234,567", "0.1"]
    assert preview.sheets[0].rows[1][1].numeric


def test_the_total_still_counts_stored_values_not_what_the_format_shows(read):
    extraction = read(_formatted_xlsx())
    assert str(extraction.total) == "1235391.34"  # 24 + 0.25 + 799.99 + 1234567 + 0.1: the date counts nothing


def test_a_stored_preview_reads_back_the_same(read):
    preview = read(_formatted_xlsx()).preview
    assert Preview.from_dict(preview.as_dict()) == preview


def test_csv_files_get_a_preview_of_fields_as_written(read):
    rows = [["model", "share", "price"], ["Galaxy S24", "25%", "$799.99"], ["Pixel 8", "0.5", "1,234.50"]]
    preview = read(csv_bytes(rows)).preview
    assert preview.shown == "as written"
    assert _texts(preview) == rows
    assert [cell.numeric for cell in preview.sheets[0].rows[1]] == [False, True, True]


def test_ods_previews_show_each_cells_own_displayed_text(read):
    rows = [["hours", OdsTime("PT288H00M00S", "288:00:00")], ["share", OdsNumber(0.25, "25%")],
            ["price", OdsNumber(799.99, "$799.99", "currency")], ["plain", 0.5]]
    extraction = read(ods_bytes({"Shifts": rows}))
    assert extraction.preview.shown == FORMATTED
    assert _texts(extraction.preview) == [["hours", "288:00:00"], ["share", "25%"], ["price", "$799.99"], ["plain", "0.5"]]
    assert str(extraction.total) == "800.74"  # 0.25 + 799.99 + 0.5: the stored values count, the duration not


def test_xls_previews_say_values_are_raw(read):
    preview = read(xls_bytes({"S": [["share", 0.25]]})).preview
    assert preview.shown == RAW and _texts(preview) == [["share", "0.25"]]


def test_preview_keeps_the_top_left_corner_of_a_big_sheet(read):
    rows = [[f"r{r}c{c}" for c in range(20)] for r in range(30)]
    preview = read(xlsx_bytes({"Big": rows})).preview
    sheet = preview.sheets[0]
    assert len(sheet.rows) == 20 and len(sheet.rows[0]) == 15 and sheet.more_rows and sheet.more_columns
    assert sheet.columns[-1] == "O" and sheet.first_row == 1


def test_the_preview_shows_the_values_the_app_computed_for_formulas_without_a_result(read):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Sums")
    sheet.write_row(0, 0, ["units", 2, 3])
    sheet.write_formula(0, 3, "=SUM(B1:C1)*2")  # xlsxwriter saves 0 and asks Excel to calculate it
    workbook.close()
    assert _texts(read(buffer.getvalue()).preview) == [["units", "2", "3", "10"]]


@pytest.mark.parametrize("value, code", [(1, "0\\"), (1e20, "0.00"), (10**25, "#,##0.000"), (-1e-7, "0.0%"),
                                         (float("inf"), "0.00"), (dt.timedelta(hours=-5), "[h]:mm")])
def test_odd_formats_and_values_never_break_the_preview(value, code):
    format_value(value, code)  # a text, or None for the raw value; never an error
    assert format_value(1e20, "#,##0.00") == "100,000,000,000,000,000,000.00"
