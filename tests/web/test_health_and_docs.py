"""/healthz, the OpenAPI document and Swagger UI served without any CDN."""

import re

import pytest

from webapp import create_app
from webapp.api import DOCS_ASSETS


def test_healthz_reports_every_service_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "queue": "ok", "search": "ok", "storage": "ok"}


def test_healthz_names_what_is_down(config):
    saved = config.REDIS_URL
    config.REDIS_URL = "redis://127.0.0.1:1/0"
    try:
        app = create_app(config)
    finally:
        config.REDIS_URL = saved
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and response.json["queue"].startswith("down")


def test_openapi_document_describes_the_four_operations(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in [
        ("/api/categories", "post"),
        ("/api/categories/{name}/files", "post"),
        ("/api/types/{type}/sum", "get"),
        ("/api/regions", "get"),
        ("/api/search", "get"),
        ("/api/documents/{document_id}", "get"),
    ]:
        assert method in paths[path], (path, method)
    assert "201" in paths["/api/categories"]["post"]["responses"]
    assert "409" in paths["/api/categories/{name}/files"]["post"]["responses"]


def test_openapi_document_describes_how_to_sign_in(client, anonymous):
    spec = client.get("/api/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearerToken"]["description"]}
    assert {"bearerToken": []} in spec["security"]
    assert spec["paths"]["/api/tokens"]["post"]["security"] == [], "making a token needs no token"
    for path, method in [("/api/users", "post"), ("/api/users/{username}", "patch"), ("/api/me", "get"),
                         ("/api/documents/{document_id}", "delete"), ("/api/documents/{document_id}/retry", "post")]:
        assert method in spec["paths"][path], (path, method)
    assert anonymous.get("/api/openapi.json").status_code == 401


def test_swagger_ui_is_served_with_vendored_assets_only(client):
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert "/api/openapi.json" in page.text
    assets = {s.removeprefix("/docs/assets/") for s in sources if s.startswith("/docs/assets/")}
    assert assets == DOCS_ASSETS, "serve exactly what /docs loads"


@pytest.mark.parametrize("name", ["index.html", "oauth2-redirect.html", "index.j2", "swagger-initializer.js",
                                  "swagger-ui.js", "swagger-ui-bundle.js.map", "favicon-32x32.png", "../__init__.py"])
def test_the_rest_of_the_swagger_ui_package_is_not_served(anonymous, client, name):
    for who in (anonymous, client):
        assert who.get(f"/docs/assets/{name}").status_code == 404, name


def test_unknown_page_is_a_friendly_404_and_unknown_api_path_is_json(client):
    page = client.get("/nowhere")
    assert page.status_code == 404 and "<html" in page.text
    api = client.get("/api/nowhere")
    assert api.status_code == 404 and "error" in api.json


def test_every_api_operation_has_a_summary_written_for_people(client):
    spec = client.get("/api/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            summary = operation.get("summary", "")
            assert summary and summary[0].isupper(), (method, path, summary)
            # Not a function's signature or name: `create_category(name, region, type)`, `sum_type(type): …`.
            assert not re.search(r"\w+_\w+\(|\w\(", summary), (method, path, summary)
            assert len(summary) <= 60, (method, path, summary)


def test_openapi_document_describes_history_as_of_and_the_audit_trail(client):
    paths = client.get("/api/openapi.json").json["paths"]
    history = paths["/api/categories/{name}/history"]["get"]
    assert {"page"} <= {p["name"] for p in history["parameters"]}
    for path in ("/api/categories/{name}", "/api/types/{type}/sum"):
        operation = paths[path]["get"]
        assert "as_of" in {p["name"] for p in operation["parameters"]} and "400" in operation["responses"], path
    audit = paths["/api/audit"]["get"]
    assert {"user", "kind", "since", "until", "page"} <= {p["name"] for p in audit["parameters"]}
