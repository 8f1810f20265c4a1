"""A user limited to regions sees nothing of another region, through pages and API, on both search backends,
and never an answer cached for someone who sees more."""

import io
import re

import pytest

from tests.fixtures_search import BACKENDS, on_each_backend, settle

ASIA_ONLY = ["Asia"]
ELSEWHERE = ("pixel.xlsx", "tab.xlsx", "eu_phones", "eu_tablets", "Europe")


@pytest.fixture(params=BACKENDS)
def app(request, app):
    """The app under test, once per search backend."""
    yield from on_each_backend(request, app)


@pytest.fixture
def library(app, api, make_workbook, run_jobs):
    """Phones in Asia and Europe, tablets in Europe, each with one processed file mentioning a charger."""
    api.create_category("asian_phones", region="Asia", type="phones")
    api.create_category("eu_phones", region="Europe", type="phones")
    api.create_category("eu_tablets", region="Europe", type="tablets")
    ids = {}
    for category, filename, rows in (("asian_phones", "galaxy.xlsx", [["Galaxy charger", 25]]),
                                     ("eu_phones", "pixel.xlsx", [["Pixel charger", 40]]),
                                     ("eu_tablets", "tab.xlsx", [["Tablet charger", 15]])):
        ids[filename] = api.upload(category, (filename, make_workbook({"Sheet": rows}))).json["documents"][0]["id"]
    run_jobs()
    settle(app)
    return ids


def _shows_nothing_of_europe(text: str, where: str) -> None:
    for word in ELSEWHERE:
        assert word not in text, f"{where} shows “{word}”"


def test_a_limited_viewer_sees_only_their_region_everywhere(login_as, library):
    asia = login_as("viewer", ASIA_ONLY)
    assert [c["name"] for c in asia.get("/api/categories").json["categories"]] == ["asian_phones"]
    found = asia.get("/api/search?q=charger").json
    assert (found["total"], [h["filename"] for h in found["hits"]]) == (1, ["galaxy.xlsx"])
    assert asia.get("/api/search?q=charger&region=Europe").json["total"] == 0
    assert asia.get("/api/search?q=charger&type=phones").json["total"] == 1
    regions = asia.get("/api/regions?term=charger").json
    assert (regions["regions"], regions["files"]) == (["Asia"], {"Asia": 1})
    assert asia.get("/api/types/phones/sum").json == {"type": "phones", "total": "25", "documents": 1, "pending": 0}
    assert asia.get("/api/types/tablets/sum").status_code == 404
    for document_id in (library["pixel.xlsx"], library["tab.xlsx"]):
        for path in (f"/api/documents/{document_id}", f"/documents/{document_id}", f"/documents/{document_id}/download"):
            assert asia.get(path).status_code == 404, path
    assert asia.get("/api/categories/eu_phones/documents").status_code == 404

    dashboard = asia.get("/").text
    assert 'id="grand-total">25<' in dashboard and 'id="files-counted">1<' in dashboard
    for page in ("/", "/search?q=charger", "/regions?term=charger", "/categories/asian_phones"):
        _shows_nothing_of_europe(asia.get(page).text, page)
    assert "No category matches." in asia.get("/?region=Europe").text
    assert asia.get("/api/me").json == {"username": asia.get("/api/me").json["username"], "role": "viewer",
                                        "regions": ["Asia"]}


def test_a_limited_editor_works_only_in_their_region(login_as, library, make_workbook):
    asia = login_as("editor", ASIA_ONLY)
    refused = asia.post("/api/categories", json={"name": "eu_more", "region": "Europe", "type": "phones"})
    assert refused.status_code == 403 and "Asia" in refused.json["error"]
    page = asia.post("/categories", data={"name": "eu_more", "region": "Europe", "type": "phones"})
    assert page.status_code == 403 and "You can only use categories in these regions: Asia." in page.text
    assert asia.post("/api/categories", json={"name": "asian_more", "region": "asia", "type": "phones"}).status_code == 201

    book = {"file": (io.BytesIO(make_workbook({"S": [[1]]})), "new.xlsx")}
    assert asia.post("/api/categories/eu_phones/files", data=book, content_type="multipart/form-data").status_code == 404
    book = {"file": (io.BytesIO(make_workbook({"S": [[1]]})), "new.xlsx")}
    accepted = asia.post("/api/categories/asian_more/files", data=book, content_type="multipart/form-data")
    assert accepted.status_code == 202
    listed = asia.get("/api/categories/asian_more/documents").json["documents"]
    assert [(d["filename"], d["uploaded_by"]) for d in listed] == [("new.xlsx", asia.get("/api/me").json["username"])]
    assert asia.post(f"/api/documents/{library['pixel.xlsx']}/reprocess").status_code == 404
    assert asia.post(f"/documents/{library['pixel.xlsx']}/reprocess").status_code == 404


def test_an_answer_cached_for_an_admin_is_never_served_to_a_limited_user(client, login_as, library):
    # Signed in first: adding a user is a commit, which alone would make every cached answer stale.
    asia = login_as("viewer", ASIA_ONLY)
    paths = ["/", "/api/types/phones/sum", "/api/search?q=charger", "/api/regions?term=charger", "/search?q=charger",
             "/regions?term=charger"]
    seen_by_admin = {path: client.get(path).get_data(as_text=True) for path in paths}
    assert "pixel.xlsx" in seen_by_admin["/search?q=charger"] and '"total":"65"' in seen_by_admin["/api/types/phones/sum"]
    for path in paths:
        _shows_nothing_of_europe(asia.get(path).get_data(as_text=True), path)
    assert asia.get("/api/types/phones/sum").json["total"] == "25"
    assert re.search(r'id="grand-total">25<', asia.get("/").text)
    # And the other way round: the admin still gets the whole picture afterwards.
    assert client.get("/api/types/phones/sum").json["total"] == "65"
    assert 'id="grand-total">80<' in client.get("/").text
