"""A category with many files: sort and filter by name, status, total and date, one page at a time, with each
row's actions in one small menu."""

import re

import pytest
from sqlalchemy import text

from webapp.extensions import db

STATUSES = ("done", "done", "failed", "queued", "processing")


@pytest.fixture
def many_files(app, api):
    """150 files in one category: names file-000 … file-149, every fifth one failed, totals 0 … 149 × 1000.5."""
    api.create_category("big_category")
    with app.app_context():
        db.session.execute(text("""
            INSERT INTO documents (category_id, filename, sha256, size, status, total, counted_total, counted_at,
                                   error, failure_kind, created_at)
            SELECT c.id, 'file-' || lpad(n::text, 3, '0') || '.xlsx', lpad(n::text, 64, '0'), 100,
                   (ARRAY['done', 'done', 'failed', 'queued', 'processing'])[n % 5 + 1],
                   CASE WHEN n % 5 < 2 THEN n * 1000.5 END, CASE WHEN n % 5 < 2 THEN n * 1000.5 END,
                   CASE WHEN n % 5 < 2 THEN now() END,
                   CASE WHEN n % 5 = 2 THEN 'This file could not be read as a workbook: it may be damaged.' END,
                   CASE WHEN n % 5 = 2 THEN 'file' END,
                   timestamp '2024-01-01' + n * interval '1 day'
              FROM categories c, generate_series(0, 149) n
        """))
        db.session.commit()
        db.session.remove()


def _names(page: str) -> list[str]:
    body = page[page.index('id="documents"'):page.index("</table>", page.index('id="documents"'))]
    return re.findall(r">(file-\d{3}\.xlsx)</a></th>", body)


def test_a_long_list_comes_in_pages_newest_first(client, many_files):
    page = client.get("/categories/big_category").text
    assert _names(page)[:2] == ["file-149.xlsx", "file-148.xlsx"] and len(_names(page)) == 50
    assert "1–50 of 150 files" in page
    assert 'aria-label="Pages of files"' in page and 'aria-label="Page 3"' in page
    third = client.get("/categories/big_category?page=3").text
    assert _names(third)[-1] == "file-000.xlsx" and len(_names(third)) == 50
    assert "101–150 of 150 files" in third


def test_sort_by_name_total_and_status(client, many_files):
    by_name = _names(client.get("/categories/big_category?sort=name").text)
    assert by_name[:3] == ["file-000.xlsx", "file-001.xlsx", "file-002.xlsx"]
    by_total = client.get("/categories/big_category?sort=total").text
    assert _names(by_total)[:2] == ["file-146.xlsx", "file-145.xlsx"]
    assert 'data-exact="146073" title="Exact value: 146073">146,<wbr>073</td>' in by_total
    ascending = _names(client.get("/categories/big_category?sort=total&order=asc").text)
    assert ascending[:2] == ["file-000.xlsx", "file-001.xlsx"]
    by_status = client.get("/categories/big_category?sort=status&order=asc").text
    assert re.findall(r'data-status="(\w+)"', by_status)[:30] == ["failed"] * 30
    # The header links say which way the list is sorted, and clicking again turns it around.
    assert 'aria-sort="descending"' in by_total and "sort=total&amp;order=asc" in by_total


def test_filter_by_name_status_total_and_date(client, many_files):
    failed = client.get("/categories/big_category?status=failed").text
    assert len(_names(failed)) == 30 and "30 files matching" in failed
    assert set(re.findall(r'data-status="(\w+)"', failed)) == {"failed"}
    assert _names(client.get("/categories/big_category?file=FILE-01").text) == [f"file-01{n}.xlsx" for n in range(9, -1, -1)]
    totals = _names(client.get("/categories/big_category?min=100,000&max=110050").text)
    assert totals == ["file-106.xlsx", "file-105.xlsx", "file-101.xlsx", "file-100.xlsx"]
    dated = _names(client.get("/categories/big_category?from=2024-01-03&to=2024-01-05").text)
    assert dated == ["file-004.xlsx", "file-003.xlsx", "file-002.xlsx"]
    nothing = client.get("/categories/big_category?file=nope").text
    assert "No file matches these filters." in nothing and "Clear filters" in nothing


def test_a_filter_that_cannot_be_read_says_why_and_shows_the_list_unfiltered(client, many_files):
    response = client.get("/categories/big_category?min=lots&from=yesterday&status=lost&sort=colour")
    assert response.status_code == 400
    for message in ("The smallest total must be a number", "must be a date written as YYYY-MM-DD",
                    "Status must be one of", "Files can be sorted by"):
        assert message in response.text
    assert len(_names(response.text)) == 50


def test_the_rows_the_page_swaps_in_follow_the_same_view(client, many_files):
    rows = client.get("/categories/big_category/rows?status=done&sort=name&page=2").text
    names = re.findall(r">(file-\d{3}\.xlsx)</a></th>", rows)
    assert len(names) == 10 and names[0] == "file-125.xlsx"
    page = client.get("/categories/big_category?status=done&sort=name&page=2").text
    assert 'data-rows="/categories/big_category/rows?status=done&amp;sort=name&amp;page=2"' in page


def test_row_actions_sit_in_one_menu_and_retry_only_where_it_helps(client, many_files):
    page = client.get("/categories/big_category?sort=name").text
    row = re.search(r'<tr id="document-\d+" data-status="done">.*?</tr>', page, re.S).group(0)
    assert '<details class="menu">' in row and "Reprocess" in row.split('<details class="menu">')[1]
    assert row.count("<button") == 1  # only inside the menu
    failed = re.search(r'<tr id="document-\d+" data-status="failed">.*?</tr>', page, re.S).group(0)
    assert "Retry" not in failed  # a damaged file fails the same way again


def _row_tokens(page: str) -> set[str]:
    body = page[page.index('id="documents"'):page.index("</table>", page.index('id="documents"'))]
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', body))


def test_rows_kept_between_requests_show_a_change_at_once_and_carry_each_session_token(app, client, login_as,
                                                                                       many_files):
    """The rendered rows are reused while nothing changes: a change elsewhere is in the very next page."""
    first = client.get("/categories/big_category").text
    assert _names(first)[0] == "file-149.xlsx" and "<csrf-token-slot/>" not in first
    with app.app_context():  # another process renames the newest file
        db.session.execute(text("UPDATE documents SET filename = 'renamed.xlsx' WHERE filename = 'file-149.xlsx'"))
        db.session.commit()
        db.session.remove()
    assert _names(client.get("/categories/big_category").text)[0] == "file-148.xlsx"
    assert "renamed.xlsx" in client.get("/categories/big_category").text
    # Someone else, with another role, sees their own forms' token and only the actions that role has.
    other = login_as("viewer")
    theirs = other.get("/categories/big_category").text
    assert "renamed.xlsx" in theirs and not _row_tokens(theirs) and "Reprocess" not in theirs
    mine = client.get("/categories/big_category").text
    editor = login_as("editor").get("/categories/big_category").text
    assert _row_tokens(mine) and _row_tokens(editor) and _row_tokens(mine).isdisjoint(_row_tokens(editor))
    rows = client.get("/categories/big_category/rows").text
    assert "<csrf-token-slot/>" not in rows and _row_tokens("<table id=\"documents\">" + rows + "</table>")
