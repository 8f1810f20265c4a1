"""A category's files as a download: each file's status, uploader, time and exact total as the JSON API has them."""

from datetime import datetime
from decimal import Decimal

from tests.exports.reading import as_dicts, csv_rows, xlsx_cells, xlsx_sheets

# (A name with quotes and slashes does not survive a multipart upload; the cell texts test those.)
HOSTILE_NAME = "=SUM(1+2)*HYPERLINK(1).xlsx"


def _library(api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    for filename, value in [("a.xlsx", 0.1), ("b.xlsx", 46.2), (HOSTILE_NAME, "12345678901234567.25"), ("@SUM(1).xlsx", -4)]:
        assert api.upload("asian_phones", (filename, make_workbook({"S": [[value]]}))).status_code == 202
    assert api.upload("asian_phones", ("broken.xlsx", b"PK\x03\x04 not really a workbook")).status_code in (202, 400)
    run_jobs()
    api.upload("asian_phones", ("later.xlsx", make_workbook({"S": [[1]]})))


def test_every_file_is_listed_with_the_api_values_and_the_total_row_is_the_category_total(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    listing = client.get("/api/categories/asian_phones/documents").json
    rows = as_dicts(xlsx_sheets(client.get("/api/categories/asian_phones/files.xlsx"))["Files"])
    listed, footer = rows[:-1], rows[-1]
    assert [r["File"] for r in listed] == [d["filename"] for d in listing["documents"]]
    for row, document in zip(listed, listing["documents"], strict=True):
        assert (row["Status"], row["Uploaded by"], row["Error"]) == (document["status"], document["uploaded_by"], document["error"])
        expected = None if document["status"] != "done" else Decimal(document["total"])
        total = row["Total"]
        assert (None if total is None else Decimal(repr(total)) if isinstance(total, float) else Decimal(total)) == expected
        assert isinstance(row["Uploaded at"], datetime)
        assert row["Uploaded at"] == datetime.fromisoformat(document["uploaded_at"]).replace(microsecond=0)
    assert footer["File"] == "Total" and Decimal(footer["Total"]) == Decimal(listing["category"]["total"])


def test_file_names_that_look_like_formulas_are_text_in_both_formats(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    cells = [row[0] for row in xlsx_cells(client.get("/api/categories/asian_phones/files.xlsx"))["Files"]]
    hostile = [c for c in cells if c.value in (HOSTILE_NAME, "@SUM(1).xlsx")]
    assert len(hostile) == 2, [c.value for c in cells]
    assert all(c.data_type == "s" for c in hostile)
    names = [r[0] for r in csv_rows(client.get("/api/categories/asian_phones/files.csv"))]
    assert "'" + HOSTILE_NAME in names and "'@SUM(1).xlsx" in names and HOSTILE_NAME not in names


def test_the_csv_has_exact_totals_and_iso_times(client, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    listing = client.get("/api/categories/asian_phones/documents").json
    rows = as_dicts(csv_rows(client.get("/api/categories/ASIAN_PHONES/files.csv")))
    for row, document in zip(rows, listing["documents"], strict=False):
        assert row["Total"] == (document["total"] if document["status"] == "done" else "")
        assert row["Uploaded at"] == datetime.fromisoformat(document["uploaded_at"]).isoformat(sep=" ", timespec="seconds")
    assert rows[-1]["Total"] == listing["category"]["total"] == "12345678901234609.55"


def test_another_region_s_category_is_404_like_a_missing_one(login_as, api, run_jobs, make_workbook):
    _library(api, run_jobs, make_workbook)
    europe = login_as("admin", ["Europe"])
    for url in ("/api/categories/asian_phones/files.csv", "/api/categories/asian_phones/files.xlsx"):
        hidden, missing = europe.get(url), europe.get(url.replace("asian_phones", "nothing"))
        assert hidden.status_code == missing.status_code == 404 and b"a.xlsx" not in hidden.get_data()
    assert login_as("viewer", ["Asia"]).get("/api/categories/asian_phones/files.csv").status_code == 200


def test_a_name_beyond_ascii_is_kept_in_the_download_s_file_name(client, api):
    api.create_category("Café/Straße".replace("/", " "))
    disposition = client.get("/api/categories/café straße/files.csv").headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="files-Cafe Strae-')
    assert "filename*=UTF-8''files-Caf%C3%A9%20Stra%C3%9Fe-" in disposition


def test_more_files_than_a_sheet_holds_is_400_for_xlsx_and_whole_in_csv(client, api, run_jobs, make_workbook, monkeypatch):
    from webapp.exports import as_xlsx

    _library(api, run_jobs, make_workbook)
    monkeypatch.setattr(as_xlsx, "MAX_ROWS", 4)  # header, two files, the total row
    response = client.get("/api/categories/asian_phones/files.xlsx")
    assert response.status_code == 400 and "CSV" in response.json["error"]
    files = len(client.get("/api/categories/asian_phones/documents").json["documents"])
    assert files > 2 and len(csv_rows(client.get("/api/categories/asian_phones/files.csv"))) == 1 + files + 1
