"""A category's history as a download: every change with the exact amounts, times and names the history JSON has."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.exports.reading import as_dicts, csv_rows, xlsx_cells, xlsx_sheets
from webapp.exports import as_csv
from webapp.extensions import db
from webapp.services.answers import history

# An upload cannot carry quotes or slashes in a file name (multipart), so this one is written to the database.
HYPERLINK = '=HYPERLINK("http://x")'
VALUES = [("a.xlsx", 0.1), ("b.xlsx", 46.3), ("huge.xlsx", "12345678901234567.25"), ("@SUM(1).xlsx", -4),
          ("link.xlsx", 7)]


@pytest.fixture
def ledger(app, api, client, run_jobs, runner, make_workbook):
    """asian_phones with every kind of change a page shows: counted, removed, reprocessed and repaired (by nobody)."""
    api.create_category("asian_phones")
    response = api.upload("asian_phones", *[(name, make_workbook({"S": [[value]]})) for name, value in VALUES])
    ids = {d["filename"]: d["id"] for d in response.json["documents"]}
    with app.app_context():
        db.session.execute(text("UPDATE documents SET filename = :name WHERE id = :id"),
                           {"name": HYPERLINK, "id": ids["link.xlsx"]})
        db.session.commit()
    run_jobs()
    assert client.delete(f"/api/documents/{ids['b.xlsx']}").status_code in (200, 204)
    assert client.post(f"/api/documents/{ids['a.xlsx']}/reprocess").status_code in (200, 202)
    run_jobs()
    with app.app_context():
        db.session.execute(text("UPDATE categories SET total = total + 1"))  # a difference for repair to fix
        db.session.commit()
    assert runner.invoke(args=["totals", "repair"]).exit_code == 0
    changes = client.get("/api/categories/asian_phones/history").json["changes"]
    assert {c["kind"] for c in changes} == {"counted", "removed", "reprocessed", "repaired"}
    return changes


def _decimal(cell) -> Decimal:
    return Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)


def _utc(at: str) -> datetime:
    return datetime.fromisoformat(at).astimezone(UTC).replace(tzinfo=None, microsecond=0)


def test_every_change_is_in_the_xlsx_with_the_json_s_values(client, ledger):
    rows = as_dicts(xlsx_sheets(client.get("/api/categories/asian_phones/history.xlsx"))["History"])
    assert len(rows) == len(ledger)
    for row, change in zip(rows, ledger, strict=True):
        assert row["At"] == _utc(change["at"]), change
        assert (row["Kind"], row["File"], row["By"]) == (change["kind"], change["filename"], change["by"])
        assert _decimal(row["Amount"]) == Decimal(change["amount"]), change
        assert _decimal(row["Total after"]) == Decimal(change["total_after"]), change
    assert _decimal(rows[0]["Total after"]) == Decimal(client.get("/api/categories/asian_phones").json["total"])


def test_amounts_are_numbers_only_when_a_spreadsheet_holds_them_exactly(client, ledger):
    cells = {row[2].value: row for row in xlsx_cells(client.get("/api/categories/asian_phones/history.xlsx"))["History"]
             if row[1].value == "counted"}
    assert cells["a.xlsx"][3].data_type == "n" and cells["a.xlsx"][3].value == 0.1
    assert cells["b.xlsx"][3].data_type == "n" and cells["b.xlsx"][3].value == 46.3
    assert cells["@SUM(1).xlsx"][3].data_type == "n" and cells["@SUM(1).xlsx"][3].value == -4
    huge = cells["huge.xlsx"][3]
    assert huge.data_type == "s" and huge.value == "12345678901234567.25"
    assert "exact" in xlsx_sheets(client.get("/api/categories/asian_phones/history.xlsx"))["History"][0][3]


def test_the_csv_has_the_json_s_exact_strings(client, ledger):
    rows = as_dicts(csv_rows(client.get("/api/categories/ASIAN_PHONES/history.csv")))
    assert len(rows) == len(ledger)
    for row, change in zip(rows, ledger, strict=True):
        assert row["At"] == _utc(change["at"]).isoformat(sep=" "), change
        assert (row["Amount"], row["Total after"]) == (change["amount"], change["total_after"]), change
        assert row["Kind"] == change["kind"] and row["By"] == (change["by"] or "")
        filename = change["filename"] or ""
        assert row["File"] == ("'" + filename if filename[:1] in "=@" and filename else filename)
    assert "12345678901234567.25" in [row["Amount"] for row in rows]
    assert "-4" in [row["Amount"] for row in rows] and "-46.3" in [row["Amount"] for row in rows]


def test_file_names_that_look_like_formulas_are_text_in_both_formats(client, ledger):
    files = [row[2] for row in xlsx_cells(client.get("/api/categories/asian_phones/history.xlsx"))["History"]]
    hostile = [c for c in files if c.value in (HYPERLINK, "@SUM(1).xlsx")]
    assert len(hostile) == 2 and all(c.data_type == "s" for c in hostile)
    names = [r[2] for r in csv_rows(client.get("/api/categories/asian_phones/history.csv"))]
    assert "'" + HYPERLINK in names and "'@SUM(1).xlsx" in names
    assert HYPERLINK not in names and "@SUM(1).xlsx" not in names


def test_another_region_s_category_is_404_like_a_missing_one(app, login_as, bearer, ledger):
    europe = login_as("admin", ["Europe"])
    for url in ("/api/categories/asian_phones/history.csv", "/api/categories/asian_phones/history.xlsx"):
        hidden, missing = europe.get(url), europe.get(url.replace("asian_phones", "nothing"))
        assert hidden.status_code == missing.status_code == 404 and b"a.xlsx" not in hidden.get_data()
        assert hidden.json == {**missing.json, "error": missing.json["error"].replace("nothing", "asian_phones")}
    with app.test_client() as token_client:
        asia = token_client.get("/api/categories/asian_phones/history.csv", headers=bearer("viewer", ["Asia"]))
        assert len(csv_rows(asia)) == 1 + len(ledger)
        europe_token = token_client.get("/api/categories/asian_phones/history.csv", headers=bearer("viewer", ["Europe"]))
        assert europe_token.status_code == 404


def test_the_anonymous_get_401_and_the_file_is_named_for_the_category(anonymous, client, api):
    api.create_category("asian_phones")
    assert anonymous.get("/api/categories/asian_phones/history.xlsx").status_code == 401
    assert client.get("/api/categories/asian_phones/history.pdf").status_code == 404
    empty = client.get("/api/categories/asian_phones/history.csv")
    assert csv_rows(empty) == [["At (UTC)", "Kind", "File", "Amount (exact; text where a number cell would round it)",
                                "Total after (exact; text where a number cell would round it)", "By"]]
    day = datetime.now(UTC).date().isoformat()
    assert empty.headers["Content-Disposition"] == f'attachment; filename="history-asian_phones-{day}.csv"'


def test_every_batch_reaches_the_download_in_order_even_when_changes_share_an_instant(app, client, api, monkeypatch):
    api.create_category("asian_phones")
    with app.app_context():
        # Seven changes, three of them at the very same instant: a batch may end between them.
        db.session.execute(text("""
            INSERT INTO total_changes (category_id, kind, amount, total_after, documents_after, filename, at)
            SELECT 1, 'counted', 1, n, n, 'f' || n || '.xlsx',
                   CASE WHEN n BETWEEN 2 AND 4 THEN timestamptz '2026-01-02'
                        ELSE timestamptz '2026-01-01' + n * interval '1 day' END
              FROM generate_series(1, 7) n
        """))
        db.session.commit()
    monkeypatch.setattr(history, "STREAM_ROWS", 2)
    monkeypatch.setattr(as_csv, "ROWS_PER_CHUNK", 2)
    expected = [c["filename"] for c in client.get("/api/categories/asian_phones/history").json["changes"]]
    assert sorted(expected) == [f"f{n}.xlsx" for n in range(1, 8)]
    assert [r[2] for r in csv_rows(client.get("/api/categories/asian_phones/history.csv"))[1:]] == expected
    assert [r[2] for r in xlsx_sheets(client.get("/api/categories/asian_phones/history.xlsx"))["History"][1:]] == expected
