"""Odd input never answers 500: NUL bytes, broken Unicode, ids and pages past PostgreSQL's integers.

Each case goes through the pages and the API as a client would send it; the answer is a plain message
(an HTML page, or `{"error"}` under /api) and nothing changes.
"""

import io

import pytest

from webapp.input_guard import PAGE_MESSAGE, UNSTORABLE_MESSAGE

TOO_MANY_DIGITS = "9" * 5000  # past Python's int() digit limit, as well as PostgreSQL's
WORKBOOK = b"a,b\n1,2\n"


def _file(name: str) -> dict:
    return {"file": [(io.BytesIO(WORKBOOK), name)]}


# (method, url, request arguments, status, message shown)
CASES = {
    # NUL bytes and lone surrogates in paths, query strings, JSON and form fields.
    "page path NUL": ("get", "/categories/%00", {}, 400, UNSTORABLE_MESSAGE),
    "page path NUL in name": ("get", "/categories/pho%00nes/rows", {}, 400, UNSTORABLE_MESSAGE),
    "dashboard type NUL": ("get", "/?type=%00", {}, 400, UNSTORABLE_MESSAGE),
    "dashboard region NUL": ("get", "/?region=a%00", {}, 400, UNSTORABLE_MESSAGE),
    "search q NUL": ("get", "/search?q=%00", {}, 400, UNSTORABLE_MESSAGE),
    "search filter NUL": ("get", "/search?q=widget&category=%00", {}, 400, UNSTORABLE_MESSAGE),
    "regions term NUL": ("get", "/regions?term=x%00", {}, 400, UNSTORABLE_MESSAGE),
    "form field NUL": ("post", "/categories", {"data": {"name": "nul\x00x", "region": "Asia", "type": "t"}}, 400,
                       UNSTORABLE_MESSAGE),
    "form file name NUL": ("post", "/categories/phones/upload",
                           {"data": _file("a\x00b.csv"), "content_type": "multipart/form-data"}, 400, UNSTORABLE_MESSAGE),
    "form upload without a file part": ("post", "/categories/phones/upload", {"data": {}}, 400,
                                        "Please choose at least one workbook"),
    "api path NUL": ("get", "/api/categories/%00", {}, 400, UNSTORABLE_MESSAGE),
    "api documents path NUL": ("get", "/api/categories/%00/documents", {}, 400, UNSTORABLE_MESSAGE),
    "api type NUL": ("get", "/api/types/%00/sum", {}, 400, UNSTORABLE_MESSAGE),
    "api search q NUL": ("get", "/api/search?q=%00", {}, 400, UNSTORABLE_MESSAGE),
    "api search type NUL": ("get", "/api/search?q=widget&type=%00", {}, 400, UNSTORABLE_MESSAGE),
    "api regions NUL": ("get", "/api/regions?term=%00", {}, 400, UNSTORABLE_MESSAGE),
    "api json NUL": ("post", "/api/categories", {"json": {"name": "nul\u0000x", "region": "Asia", "type": "t"}}, 400,
                     UNSTORABLE_MESSAGE),
    "api json NUL region": ("post", "/api/categories", {"json": {"name": "x", "region": "\u0000", "type": "t"}}, 400,
                            UNSTORABLE_MESSAGE),
    "api json lone surrogate": ("post", "/api/categories",
                                {"data": '{"name": "\\ud800", "region": "Asia", "type": "t"}',
                                 "content_type": "application/json"}, 400, UNSTORABLE_MESSAGE),
    "api json surrogate key": ("post", "/api/categories",
                               {"data": '{"\\udfff": 1, "name": "x", "region": "Asia", "type": "t"}',
                                "content_type": "application/json"}, 400, UNSTORABLE_MESSAGE),
    "api json nested too deep": ("post", "/api/categories",
                                 {"data": "[" * 100_000, "content_type": "application/json"}, 400, "nested too deeply"),
    "api file name NUL": ("post", "/api/categories/phones/files",
                          {"data": _file("a\x00b.csv"), "content_type": "multipart/form-data"}, 400, UNSTORABLE_MESSAGE),
    # Integers beyond PostgreSQL's range: ids are no route at all, pages are refused.
    "api document id past int": ("get", "/api/documents/3000160111570", {}, 404, "not found"),
    "api document id digits": ("get", f"/api/documents/{TOO_MANY_DIGITS}", {}, 404, "not found"),
    "page document id past int": ("get", "/documents/99999999999", {}, 404, "not found"),
    "page download id past int": ("get", "/documents/3000160111570/download", {}, 404, "not found"),
    "page retry id past int": ("post", "/documents/99999999999/retry", {}, 404, "not found"),
    "page delete id digits": ("get", f"/documents/{TOO_MANY_DIGITS}/delete", {}, 404, "not found"),
    "dashboard page past bigint": ("get", "/?page=1000000000000000000", {}, 400, PAGE_MESSAGE),
    "search page 2**63-1": ("get", f"/search?q=widget&page={2**63 - 1}", {}, 400, PAGE_MESSAGE),
    "search page underscores": ("get", "/search?q=widget&page=9_223_372_036_854_775_807", {}, 400, PAGE_MESSAGE),
    "search page NUL": ("get", "/search?q=widget&page=1%00", {}, 400, UNSTORABLE_MESSAGE),
    "api search page past bigint": ("get", "/api/search?q=widget&page=1000000000000000000", {}, 400, PAGE_MESSAGE),
    "api search page 2**63-1": ("get", f"/api/search?q=widget&page={2**63 - 1}", {}, 400, PAGE_MESSAGE),
    "api search page underscores": ("get", "/api/search?q=widget&page=1_000_000_000_000_000_000", {}, 400, PAGE_MESSAGE),
    "api search page zero": ("get", "/api/search?q=widget&page=0", {}, 400, "greater than or equal to 1"),
    "api search page not a number": ("get", "/api/search?q=widget&page=two", {}, 400, "Not a valid integer"),
}


@pytest.fixture
def shelf(api, run_jobs):
    api.create_category("phones")
    response = api.upload("phones", ("widgets.csv", b"item,count\nwidget,1\ngadget,2\n"))
    assert response.status_code == 202, response.json
    run_jobs()


def _state(client) -> tuple:
    categories = client.get("/api/categories").json["categories"]
    documents = client.get("/api/categories/phones/documents").json["documents"]
    return [c["name"] for c in categories], [(d["filename"], d["status"]) for d in documents]


@pytest.mark.parametrize("method, url, kwargs, status, message", CASES.values(), ids=CASES.keys())
def test_odd_input_gets_a_plain_answer_and_changes_nothing(client, shelf, method, url, kwargs, status, message):
    before = _state(client)
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, response.text[:300]
    if url.startswith("/api/"):
        assert response.is_json and message.lower() in response.json["error"].lower()
    else:
        assert response.mimetype == "text/html" and message.lower() in response.text.lower()
    assert _state(client) == before


def test_the_deepest_page_answers_with_no_hits_and_the_true_total(client, shelf):
    deepest = client.get("/api/search", query_string={"q": "widget", "page": 10_000})
    assert deepest.status_code == 200
    assert (deepest.json["total"], deepest.json["hits"]) == (1, [])
    assert client.get("/search", query_string={"q": "widget", "page": 10_000}).status_code == 200
    assert client.get("/", query_string={"page": 10_000}).status_code == 200
