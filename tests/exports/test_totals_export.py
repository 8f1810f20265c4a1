"""The dashboard download: every category, type and region total equal to the JSON API's, to the last decimal."""

from decimal import Decimal

import pytest

from tests.exports.reading import as_dicts, csv_rows, xlsx_cells, xlsx_sheets


def _fill(api, run_jobs, make_workbook, files: dict[tuple[str, str, str], list]):
    for (name, region, type), values in files.items():
        api.create_category(name, region=region, type=type)
        for i, value in enumerate(values):
            assert api.upload(name, (f"{name}-{i}.xlsx", make_workbook({"S": [[value]]}))).status_code == 202
    run_jobs()


LIBRARY = {
    ("asian_phones", "Asia", "phones"): [0.1, 46.2],
    ("eu_phones", "Europe", "phones"): ["12345678901234567.25"],
    ("eu_tablets", "Europe", "tablets"): [46.3, -50],
    ("empty", "Asia", "tablets"): [],
}


@pytest.fixture
def library(api, run_jobs, make_workbook):
    _fill(api, run_jobs, make_workbook, LIBRARY)


def _exact(value) -> Decimal:
    """Read a total cell back: a number cell's shortest repr, or the exact text."""
    return Decimal(repr(value)) if isinstance(value, float | int) else Decimal(value)


def test_the_workbook_has_every_category_with_the_api_totals_and_a_total_row(client, library):
    sheets = xlsx_sheets(client.get("/api/export/totals.xlsx"))
    assert list(sheets) == ["Categories", "Totals by type", "Totals by region"]
    rows = as_dicts(sheets["Categories"])
    listed, footer = rows[:-1], rows[-1]
    api = {c["name"]: c for c in client.get("/api/categories").json["categories"]}
    assert [r["Name"] for r in listed] == sorted(api)
    for row in listed:
        category = api[row["Name"]]
        assert (row["Region"], row["Type"], row["Files counted"], row["Files pending"]) == (
            category["region"], category["type"], category["documents"], 0)
        assert _exact(row["Total"]) == Decimal(category["total"])
    grand = sum(Decimal(c["total"]) for c in api.values())
    assert footer["Name"] == "Total" and _exact(footer["Total"]) == grand == Decimal("12345678901234609.85")
    assert footer["Files counted"] == sum(c["documents"] for c in api.values())


def test_totals_by_type_and_region_equal_sum_type_and_end_with_the_grand_total(client, library):
    sheets = xlsx_sheets(client.get("/api/export/totals.xlsx"))
    by_type = as_dicts(sheets["Totals by type"])
    for row in by_type[:-1]:
        answer = client.get(f"/api/types/{row['Type']}/sum").json
        assert _exact(row["Total"]) == Decimal(answer["total"]) and row["Files counted"] == answer["documents"]
    assert [r["Type"] for r in by_type] == ["phones", "tablets", "Total"]
    by_region = {r["Region"]: r for r in as_dicts(sheets["Totals by region"])}
    assert _exact(by_region["Asia"]["Total"]) == Decimal("46.3") and by_region["Asia"]["Categories"] == 2
    assert _exact(by_region["Europe"]["Total"]) == Decimal("12345678901234563.55")
    grand = Decimal(client.get("/api/export/totals.csv").get_data(as_text=True).splitlines()[-1].split(",")[-1])
    assert _exact(by_type[-1]["Total"]) == _exact(by_region["Total"]["Total"]) == grand


def test_a_total_a_double_holds_is_a_number_cell_and_one_it_would_round_is_exact_text(client, library):
    cells = {row[0].value: row for row in xlsx_cells(client.get("/api/export/totals.xlsx"))["Categories"]}
    assert "text" in cells["Name"][5].value  # the header says the column may hold exact values as text
    asian, eu, tablets = cells["asian_phones"][5], cells["eu_phones"][5], cells["eu_tablets"][5]
    assert asian.data_type == "n" and asian.value == 46.3  # 0.1 + 46.2, summed exactly, then one double
    assert tablets.data_type == "n" and tablets.value == -3.7
    assert eu.data_type == "s" and eu.value == "12345678901234567.25"


def test_the_csv_is_the_categories_sheet_with_exact_decimals(client, library):
    rows = as_dicts(csv_rows(client.get("/api/export/totals.csv")))
    api = {c["name"]: c for c in client.get("/api/categories").json["categories"]}
    assert {r["Name"]: r["Total"] for r in rows[:-1]} == {name: c["total"] for name, c in api.items()}
    assert rows[-1]["Name"] == "Total" and rows[-1]["Total"] == "12345678901234609.85"


def test_filters_limit_every_sheet_as_on_the_dashboard(client, library):
    sheets = xlsx_sheets(client.get("/api/export/totals.xlsx?type=PHONES&region=Europe"))
    assert [r[0] for r in sheets["Categories"][1:]] == ["eu_phones", "Total"]
    assert [r[0] for r in sheets["Totals by type"][1:]] == ["phones", "Total"]
    assert [r[0] for r in sheets["Totals by region"][1:]] == ["Europe", "Total"]
    assert sheets["Totals by region"][-1][-1] == "12345678901234567.25"


def test_the_file_name_says_what_and_when(client, library):
    from datetime import UTC, datetime

    today = datetime.now(UTC).date().isoformat()
    response = client.get("/api/export/totals.csv?type=phones")
    assert response.headers["Content-Disposition"] == f'attachment; filename="totals-phones-{today}.csv"'
    assert client.get("/api/export/totals.xlsx").headers["Content-Disposition"].endswith(f'filename=totals-{today}.xlsx')


def test_files_still_processing_are_counted_as_pending(client, api, make_workbook, library):
    api.upload("asian_phones", ("later.xlsx", make_workbook({"S": [[7]]})))
    rows = {r["Name"]: r for r in as_dicts(csv_rows(client.get("/api/export/totals.csv")))}
    assert rows["asian_phones"]["Files pending"] == "1" and rows["Total"]["Files pending"] == "1"
    assert rows["asian_phones"]["Total"] == "46.3"


def test_a_user_limited_to_a_region_downloads_only_that_region(login_as, bearer, app, library):
    asia = login_as("viewer", ["Asia"])
    sheets = xlsx_sheets(asia.get("/api/export/totals.xlsx"))
    assert [r[0] for r in sheets["Categories"][1:]] == ["asian_phones", "empty", "Total"]
    assert [r[0] for r in sheets["Totals by region"][1:]] == ["Asia", "Total"]
    assert sheets["Categories"][-1][-1] == 46.3
    with app.test_client() as token_client:
        body = token_client.get("/api/export/totals.csv", headers=bearer("viewer", ["Asia"])).get_data(as_text=True)
    assert "eu_" not in body and "Europe" not in body and "asian_phones" in body


def test_the_anonymous_get_401(anonymous):
    assert anonymous.get("/api/export/totals.xlsx").status_code == 401
    assert anonymous.get("/api/export/totals.pdf").status_code == 404
