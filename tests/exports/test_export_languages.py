"""An export asked for from a page in German or Spanish has headers and sheet names in that language; its numbers
stay exact and machine-readable, no cell is a formula, and the API's own downloads stay English."""

from tests.exports.reading import csv_rows, xlsx_cells, xlsx_sheets


def _fill(api, run_jobs, make_workbook):
    api.create_category("eu_phones", region="Europe", type="phones")
    api.upload("eu_phones", ("big.xlsx", make_workbook({"S": [["12345678901234567.25"]]})))
    api.upload("eu_phones", ("small.xlsx", make_workbook({"S": [[1234.5]]})))
    run_jobs()


def test_a_german_export_has_german_headers_and_exact_numbers(client, api, run_jobs, make_workbook):
    _fill(api, run_jobs, make_workbook)
    sheets = xlsx_sheets(client.get("/api/export/totals.xlsx?language=de"))
    assert list(sheets) == ["Kategorien", "Summen nach Typ", "Summen nach Region"]
    header, row, footer = sheets["Kategorien"]
    assert header == ["Name", "Region", "Typ", "Gezählte Dateien", "Ausstehende Dateien",
                      "Summe (exakt; Text, wo eine Zahlenzelle runden würde)"]
    assert row[:4] == ["eu_phones", "Europe", "phones", 2]  # uploaded content is never translated
    assert row[5] == "12345678901235801.75"  # exact text: a double would round it
    assert footer[0] == "Summe"
    cells = [cell for rows in xlsx_cells(client.get("/api/export/totals.xlsx?language=de")).values()
             for line in rows for cell in line]
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_a_german_csv_has_german_headers_and_numbers_with_a_decimal_point(client, api, run_jobs, make_workbook):
    _fill(api, run_jobs, make_workbook)
    rows = csv_rows(client.get("/api/categories/eu_phones/files.csv?language=de"))
    assert rows[0] == ["Datei", "Status", "Hochgeladen am", "Hochgeladen von",
                       "Summe (exakt; Text, wo eine Zahlenzelle runden würde)", "Fehler"]
    assert {row[0]: row[4] for row in rows[1:]} == {"big.xlsx": "12345678901234567.25", "small.xlsx": "1234.5",
                                                   "Summe": "12345678901235801.75"}


def test_a_spanish_history_export_and_an_english_one_without_the_parameter(client, api, run_jobs, make_workbook):
    _fill(api, run_jobs, make_workbook)
    spanish = xlsx_sheets(client.get("/api/categories/eu_phones/history.xlsx?language=es"))
    assert list(spanish) == ["Historial"] and spanish["Historial"][0][:2] == ["Momento (UTC)", "Clase"]
    # A client's download is English whatever its Accept-Language says.
    english = xlsx_sheets(client.get("/api/categories/eu_phones/history.xlsx", headers={"Accept-Language": "de"}))
    assert list(english) == ["History"] and english["History"][0][:2] == ["At (UTC)", "Kind"]


def test_a_german_pages_download_links_ask_for_german(client, api):
    api.create_category("eu_phones")
    page = client.get("/", headers={"Accept-Language": "de"}).text
    assert "/api/export/totals.xlsx?language=de" in page
    assert "language=" not in client.get("/", headers={"Accept-Language": "en"}).text.split("download-menu")[1]


def test_a_failed_files_reason_is_in_the_exports_language(client, api, run_jobs):
    from tests.browser.files import damaged_workbook

    api.create_category("eu_phones")
    api.upload("eu_phones", ("broken.xlsx", damaged_workbook()))
    run_jobs()
    german = csv_rows(client.get("/api/categories/eu_phones/files.csv?language=de"))
    assert german[1][5] == "Diese Datei ist beschädigt (ihre Liste der Blätter kann nicht gelesen werden)."
    english = csv_rows(client.get("/api/categories/eu_phones/files.csv"))
    assert english[1][5] == "This file is damaged (its list of sheets cannot be read)."


def test_an_export_in_a_language_the_app_does_not_speak_is_refused_saying_which_it_does(client, api):
    api.create_category("eu_phones", region="Europe", type="phones")
    for path in ("/api/export/totals.csv", "/api/categories/eu_phones/files.csv",
                 "/api/categories/eu_phones/history.csv", "/api/search/export.csv?q=x"):
        joined = "&" if "?" in path else "?"
        answer = client.get(f"{path}{joined}language=fr")
        assert answer.status_code == 400, path
        assert "The language must be one of: en, de, es." in str(answer.json), path
        assert client.get(f"{path}{joined}language=de").status_code == 200, path
