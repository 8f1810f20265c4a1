"""Retry and reprocess go back to the page they were pressed on, and only ever to a page of this site."""

import io
import zipfile

import pytest

from tests.web.test_sign_in import HOSTILE_NEXT

# Referer headers a hostile page (or client) can send; each must land on the file's own page instead.
HOSTILE_REFERRERS = [
    "https://evil.example/phish",
    "http://evil.example/categories/phones",
    "//evil.example/x",
    "http://localhost.evil.example/categories/phones",
    "http://localhost@evil.example/",
    "http://evil.example@localhost:8000/",
    "http://localhost//evil.example/x",
    "http://localhost/\\evil.example",
    "http://localhost/\t/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/categories/phones",  # not an address at all: a browser never sends one
    *HOSTILE_NEXT,
]


@pytest.fixture
def files(api, make_workbook, run_jobs):
    """A counted file (reprocess applies) and a failed one (retry applies), in the category `phones`."""
    api.create_category("phones")
    done = api.upload("phones", ("a.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # a workbook cut short: accepted, then fails in the worker
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    failed = api.upload("phones", ("broken.xlsx", buffer.getvalue())).json["documents"][0]["id"]
    run_jobs()
    assert (api.document(done)["status"], api.document(failed)["status"]) == ("done", "failed")
    return {"reprocess": done, "retry": failed}


@pytest.mark.parametrize("action", ["reprocess", "retry"])
@pytest.mark.parametrize("referrer", HOSTILE_REFERRERS)
def test_an_outside_referrer_lands_on_the_file_page(client, files, action, referrer):
    document_id = files[action]
    answer = client.post(f"/documents/{document_id}/{action}", headers={"Referer": referrer})
    assert answer.status_code == 302
    assert answer.location == f"/documents/{document_id}", referrer


@pytest.mark.parametrize("action", ["reprocess", "retry"])
def test_a_referrer_on_this_site_is_where_you_go_back_to(client, files, action):
    back = client.post(f"/documents/{files[action]}/{action}", headers={"Referer": "http://localhost/search?q=widget&page=2"})
    assert back.location == "/search?q=widget&page=2"
    assert client.post(f"/documents/{files[action]}/{action}").location == f"/documents/{files[action]}", "no referrer"
