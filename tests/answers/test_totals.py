"""Totals by category, type and region, and sum_type, on the dashboard and through the API."""

import re


def _upload_and_process(api, run_jobs, make_workbook, category, *values):
    for i, value in enumerate(values):
        assert api.upload(category, (f"{category}-{i}.xlsx", make_workbook({"S": [[value]]}))).status_code == 202
    run_jobs()


def test_sum_type_adds_every_category_of_that_type_exactly(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    api.create_category("eu_tablets", region="Europe", type="tablets")
    _upload_and_process(api, run_jobs, make_workbook, "asian_phones", 12.5, 0.1)
    _upload_and_process(api, run_jobs, make_workbook, "eu_phones", 33.7, 0.2)
    _upload_and_process(api, run_jobs, make_workbook, "eu_tablets", 1000)
    assert client.get("/api/types/phones/sum").json == {"type": "phones", "total": "46.5", "documents": 4, "pending": 0}
    assert client.get("/api/types/PHONES/sum").json["total"] == "46.5"
    assert client.get("/api/types/tablets/sum").json["total"] == "1000"


def test_sum_type_counts_only_processed_files_and_reports_pending(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    _upload_and_process(api, run_jobs, make_workbook, "asian_phones", 5)
    api.upload("asian_phones", ("later.xlsx", make_workbook({"S": [[100]]})))
    assert client.get("/api/types/phones/sum").json == {"type": "phones", "total": "5", "documents": 1, "pending": 1}


def test_sum_type_for_an_unknown_type_is_404(client, api):
    api.create_category("asian_phones")
    response = client.get("/api/types/boats/sum")
    assert response.status_code == 404 and "boats" in response.json["error"]


def test_a_type_with_categories_but_no_files_sums_to_zero(client, api):
    api.create_category("asian_phones")
    assert client.get("/api/types/phones/sum").json == {"type": "phones", "total": "0", "documents": 0, "pending": 0}


def test_dashboard_lists_categories_and_totals_by_type_and_region(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    api.create_category("asian_tabs", region="Asia", type="tablets")
    _upload_and_process(api, run_jobs, make_workbook, "asian_phones", 1.5)
    _upload_and_process(api, run_jobs, make_workbook, "eu_phones", 2.25)
    _upload_and_process(api, run_jobs, make_workbook, "asian_tabs", 10)
    api.upload("asian_tabs", ("pending.xlsx", make_workbook({"S": [[99]]})))
    page = client.get("/").text
    assert _row_with(page, "by-type", "phones", "3.75")
    assert _row_with(page, "by-type", "tablets", "10")
    assert _row_with(page, "by-region", "Asia", "11.5")
    assert _row_with(page, "by-region", "Europe", "2.25")
    assert _row_with(page, "categories", "asian_tabs", "Asia", "tablets", ">1<", "10")


def _row_with(page: str, table_id: str, *texts: str) -> bool:
    """Tell whether the table with this id has a row containing every text."""
    table = page[page.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return any(all(t in row for t in texts) for row in re.findall(r"<tr.*?</tr>", table, re.S))


def test_list_categories_api_shows_exact_totals(client, api, run_jobs, make_workbook):
    api.create_category("b_cat")
    api.create_category("a_cat")
    _upload_and_process(api, run_jobs, make_workbook, "a_cat", 0.1, 0.2)
    listed = client.get("/api/categories").json["categories"]
    assert [(c["name"], c["total"], c["documents"]) for c in listed] == [("a_cat", "0.3", 2), ("b_cat", "0", 0)]
