"""Pages kept per snapshot: each person sees their own page with their own session's token, a flash shows once,
and any change committed elsewhere is in the very next page."""

import io
import re

import psycopg
import pytest

from tests.fixtures_accounts import make_user, sign_in
from tests.fixtures_databases import statements_run

PAGES = ("/", "/categories/asian_phones", "/search?q=zebra")


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page).group(1)


def _commit_elsewhere(config, statement: str) -> None:
    url = config.SQLALCHEMY_DATABASE_URI.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture
def two_people(app, api, run_jobs, make_workbook):
    """Two editors of every region, each with a session, and a category with one processed file."""
    api.create_category("asian_phones")
    api.upload("asian_phones", ("zoo.xlsx", make_workbook({"S": [["zebra", 3]]})))
    run_jobs()
    return [sign_in(app.test_client(), make_user(app, "editor", username=name)) for name in ("ana", "bo")]


@pytest.mark.parametrize("path", PAGES)
def test_each_person_gets_their_own_page_and_their_own_token(two_people, path):
    ana, bo = two_people
    pages = {}
    for name, client in (("ana", ana), ("bo", bo)):
        for _ in range(2):  # the second is the kept page
            page = client.get(path)
            assert page.status_code == 200
            pages.setdefault(name, []).append(page.text)
    assert all("ana</a>" in p and "bo</a>" not in p for p in pages["ana"])
    assert all("bo</a>" in p and "ana</a>" not in p for p in pages["bo"])
    assert _token(pages["ana"][1]) == _token(pages["ana"][0]) != _token(pages["bo"][1])
    assert "csrf-token-" not in pages["ana"][1] + pages["bo"][1]


def test_a_kept_page_s_form_still_posts(two_people, make_workbook):
    ana, _ = two_people
    ana.get("/categories/asian_phones")
    page = ana.get("/categories/asian_phones").text
    posted = ana.post("/categories/asian_phones/upload", data={
        "csrf_token": _token(page), "file": [(io.BytesIO(make_workbook({"S": [[5]]})), "five.xlsx")]},
        content_type="multipart/form-data")
    assert posted.status_code == 302, posted.text


def test_a_flash_shows_once_though_the_page_is_kept(two_people):
    ana, _ = two_people
    for _ in range(2):
        ana.get("/")
    created = ana.post("/categories", data={"csrf_token": _token(ana.get("/").text), "name": "eu_tablets",
                                            "region": "Europe", "type": "tablets"}, follow_redirects=True)
    assert "Category “eu_tablets” created." in created.text
    assert "created." not in ana.get("/categories/eu_tablets").text


@pytest.mark.parametrize("path", PAGES)
def test_a_change_committed_elsewhere_is_in_the_next_page(two_people, config, path):
    ana, _ = two_people
    for _ in range(2):
        assert "renamed.xlsx" not in ana.get(path).text
    _commit_elsewhere(config, "UPDATE documents SET filename = 'renamed.xlsx'")
    assert "renamed.xlsx" in ana.get(path).text


def test_a_kept_page_runs_no_query_but_the_caller_s(app, two_people):
    ana, _ = two_people
    for _ in range(2):
        ana.get("/categories/asian_phones")
    with statements_run(app) as statements:
        assert "zoo.xlsx" in ana.get("/categories/asian_phones").text
    assert len(statements) == 1 and "users" in statements[0], statements
