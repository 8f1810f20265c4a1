"""Odd input never answers 500: NUL bytes, broken Unicode, ids and pages past PostgreSQL's integers.

Each case goes through the pages and the API as a client would send it; the answer is a plain message
(an HTML page, or `{"error"}` under /api) and nothing changes.
"""

import io

import pytest
from flask import url_for

from tests.fixtures_accounts import make_user
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
    message = str(message)  # a sentence with a key reads as its English here (no Accept-Language)
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


# Every page and form, as a fuzzer would hit them: query strings and bodies no browser sends.
ODD_QUERIES = ["page=abc", "page=-1", "page=0", "page=1e5", "page=%ff", "q=%ff%fe", "q=" + "a" * 20_000, "type=%ed%a0%80",
               "q=a&q=b&page=1&page=2", "region=%c0%af", "term=%ff", "category=..", "next=%ff", "q=%22", "q=-", "q=or",
               "q=*", "q=%5C", "q=)(", "q=%26%7C!"]
ODD_BODIES = [b"name=%ff&region=%fe&type=x", b"name=" + b"a" * 100_000, b"%ff=%ff", b"name&region&type", b"csrf_token=%00x",
              b"username=%ff&password=%fe", b"role=boss&regions=%ff", b"file=notafile", b"confirm=%ff&name=%ff", b"{\"name\": ["]
ODD_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/json", "text/plain"]


def _page_urls(app, document_id: int):
    values = {"name": "phones", "document_id": document_id, "username": "nobody", "token_id": 1, "type": "t"}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(("/api/", "/static/", "/docs")):
                yield rule, url_for(rule.endpoint, **{key: values[key] for key in rule.arguments})


def test_no_page_or_form_answers_500_to_odd_queries_bodies_or_headers(app, client, api, make_workbook, run_jobs):
    api.create_category("phones")
    document_id = api.upload("phones", ("a.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    run_jobs()
    errors = []
    for rule, url in _page_urls(app, document_id):
        if "GET" in rule.methods:
            errors += [(url, query, status) for query in ODD_QUERIES
                       if (status := client.get(f"{url}?{query}").status_code) >= 500]
        if "POST" in rule.methods:
            errors += [(url, body[:30], kind, status) for body in ODD_BODIES for kind in ODD_TYPES
                       if (status := client.post(url, data=body, content_type=kind).status_code) >= 500]
    for headers in [{"Referer": "\xff"}, {"Authorization": "Bearer \xff\xfe"}, {"Cookie": "session=\xff"},
                    {"Host": "a" * 5000}, {"Host": "x" * 64 + ".example"}, {"Accept-Language": "\xff"}, {"X-CSRFToken": "\x00"}]:
        errors += [(url, headers, status) for url in ("/", "/api/categories")
                   if (status := client.get(url, headers=headers).status_code) >= 500]
    assert not errors, errors


def test_a_host_that_is_no_host_name_gets_400(client):
    answer = client.get("/", headers={"Host": "a" * 64 + ".example"})
    assert answer.status_code == 400 and "not a valid address" in answer.text


def test_a_throttled_sign_in_with_a_body_that_is_not_json_still_gets_its_page(app):
    make_user(app, "viewer", username="vic")
    attacker = app.test_client()
    for _ in range(5):
        attacker.post("/login", data={"username": "vic", "password": "wrong"})
    answer = attacker.post("/login", data=b"{not json", content_type="application/json")
    assert answer.status_code == 429 and "Too many failed sign-ins" in answer.text
