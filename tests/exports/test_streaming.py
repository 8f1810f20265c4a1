"""A CSV is sent after its view returned: rows read in many batches all arrive, whatever ends the view's session."""

from tests.exports.reading import as_dicts, csv_rows, xlsx_sheets
from webapp.exports import as_csv
from webapp.services.answers import categories, documents, finder


def test_every_batch_of_categories_and_files_reaches_the_download(client, api, make_workbook, run_jobs, monkeypatch):
    for number in range(7):
        api.create_category(f"cat-{number}")
    for number in range(5):
        api.upload("cat-0", (f"file-{number}.xlsx", make_workbook({"S": [["widget", number]]})))
    run_jobs()
    monkeypatch.setattr(categories, "STREAM_ROWS", 2)
    monkeypatch.setattr(documents, "STREAM_ROWS", 2)
    monkeypatch.setattr(finder, "EXPORT_PAGE", 2)
    monkeypatch.setattr(as_csv, "ROWS_PER_CHUNK", 2)
    rows = as_dicts(csv_rows(client.get("/api/export/totals.csv")))
    assert [r["Name"] for r in rows] == [f"cat-{n}" for n in range(7)] + ["Total"] and rows[-1]["Total"] == "10"
    assert [r[0] for r in xlsx_sheets(client.get("/api/export/totals.xlsx"))["Categories"][1:]] == [r["Name"] for r in rows]
    files = [r[0] for r in csv_rows(client.get("/api/categories/cat-0/files.csv"))[1:]]
    assert files == [f"file-{n}.xlsx" for n in reversed(range(5))] + ["Total"]
    hits = {r[0] for r in csv_rows(client.get("/api/search/export.csv?q=widget"))[1:]}
    assert hits == {f"file-{n}.xlsx" for n in range(5)}
