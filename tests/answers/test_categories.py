"""create_category through the API and the dashboard form."""

import re

import pytest

from tests.fixtures_accounts import make_user, signed_in_client, token_for
from webapp import create_app


def test_api_creates_category_with_zero_total(client):
    response = client.post("/api/categories", json={"name": "asian_phones", "region": "Asia", "type": "phones"})
    assert response.status_code == 201
    assert response.json == {"name": "asian_phones", "region": "Asia", "type": "phones", "total": "0", "documents": 0}


def test_names_are_unique_whatever_the_letter_case(client, api):
    api.create_category("asian_phones")
    response = client.post("/api/categories", json={"name": "ASIAN_phones", "region": "Asia", "type": "phones"})
    assert response.status_code == 409
    assert "already exists" in response.json["error"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({"name": "", "region": "Asia", "type": "phones"}, "Name is required."),
        ({"name": "   ", "region": "Asia", "type": "phones"}, "Name is required."),
        ({"name": "x", "region": "Asia"}, "Type is required."),
        ({"name": "x" * 65, "region": "Asia", "type": "phones"}, "Name must be at most 64 characters."),
        ({"name": "x", "region": "R" * 65, "type": "phones"}, "Region must be at most 64 characters."),
        ({"name": 12, "region": "Asia", "type": "phones"}, "Not a valid string."),
    ],
)
def test_api_refuses_invalid_fields_and_creates_nothing(client, body, message):
    response = client.post("/api/categories", json=body)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert client.get("/api/categories").json == {"categories": []}


def test_api_refuses_a_body_that_is_not_json(client):
    response = client.post("/api/categories", data="name=x", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]


def test_get_category_matches_name_case_insensitively_and_404s(client, api):
    api.create_category("asian_phones")
    assert client.get("/api/categories/Asian_Phones").json["name"] == "asian_phones"
    missing = client.get("/api/categories/nope")
    assert missing.status_code == 404
    assert "nope" in missing.json["error"]


def test_region_and_type_keep_the_first_spelling(client, api):
    api.create_category("a", region="Asia", type="phones")
    created = api.create_category("b", region="ASIA", type="Phones")
    assert (created["region"], created["type"]) == ("Asia", "phones")


def test_dashboard_form_creates_category_and_redirects_to_it(client):
    response = client.post("/categories", data={"name": "eu_tabs", "region": "Europe", "type": "tablets"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "eu_tabs" in page.text and "Europe" in page.text
    assert "Category “eu_tabs” created." in page.text


def test_dashboard_form_shows_errors_next_to_fields(client):
    response = client.post("/categories", data={"name": "", "region": "x" * 65, "type": "t"})
    assert response.status_code == 400
    assert 'id="name-error"' in response.text and "Name is required." in response.text
    assert 'id="region-error"' in response.text and "at most 64 characters" in response.text
    assert client.get("/api/categories").json == {"categories": []}


def test_dashboard_form_reports_duplicate_name(client, api):
    api.create_category("asian_phones")
    response = client.post("/categories", data={"name": "Asian_Phones", "region": "Asia", "type": "phones"})
    assert response.status_code == 409
    assert "already exists" in response.text


def test_html_forms_and_session_api_writes_require_csrf_but_a_token_does_not(config):
    config.WTF_CSRF_ENABLED = True
    try:
        app = create_app(config)
    finally:
        config.WTF_CSRF_ENABLED = False
    client = signed_in_client(app)
    page = client.get("/")
    assert 'name="csrf_token"' in page.text
    refused = client.post("/categories", data={"name": "x", "region": "Asia", "type": "phones"})
    assert refused.status_code == 400
    fields = {"name": "x", "region": "Asia", "type": "phones"}
    # A browser's session writes through the API only with the page's token (as upload.js sends it) ...
    assert client.post("/api/categories", json=fields).status_code == 400
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    assert client.post("/api/categories", json=fields, headers={"X-CSRFToken": csrf}).status_code == 201
    # ... while a script's token needs none.
    headers = {"Authorization": f"Bearer {token_for(app, make_user(app, 'editor'))}"}
    assert app.test_client().post("/api/categories", json={**fields, "name": "y"}, headers=headers).status_code == 201
