"""The OpenAPI document says what the API sends: its error body, required fields, name rules; 405s name the methods."""

import re

import pytest

from webapp import names


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").json


def _schema(spec, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def test_every_error_response_is_documented_as_the_error_body_sent(spec, client):
    error = spec["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"] and list(error["properties"]) == ["error"]
    responses = spec["components"]["responses"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    continue
                response = responses[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                body = _schema(spec, response["content"]["application/json"]["schema"])
                assert body == error, (method, path, status)
    missing = client.get("/api/categories/nope")
    assert missing.status_code == 404 and list(missing.json) == ["error"]


@pytest.mark.parametrize("path, method, required", [
    ("/api/categories", "post", {"name", "region", "type"}),
    ("/api/tokens", "post", {"username", "password", "name"}),
    ("/api/users", "post", {"username", "password", "role"}),
    ("/api/categories/{name}/files", "post", {"file"}),
])
def test_required_body_fields_are_marked_required(spec, path, method, required):
    content = spec["paths"][path][method]["requestBody"]["content"]
    schema = _schema(spec, next(iter(content.values()))["schema"])
    assert set(schema["required"]) == required


@pytest.mark.parametrize("path, name", [("/api/search", "q"), ("/api/regions", "term")])
def test_the_search_words_are_a_required_parameter(spec, client, path, name):
    parameter = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)
    assert parameter["required"] is True
    answer = client.get(path)
    assert answer.status_code == 400 and "Please type a word to search for." in answer.json["error"]


@pytest.mark.parametrize("url", ["/api/categories", "/api/documents/1", "/api/types/phones/sum"])
def test_a_method_the_api_does_not_take_gets_405_naming_the_ones_it_does(client, url):
    answer = client.put(url)
    assert answer.status_code == 405 and answer.is_json and answer.json["error"]
    allowed = {m.strip() for m in answer.headers["Allow"].split(",")}
    assert "GET" in allowed and "PUT" not in allowed


def test_a_page_also_names_its_methods_on_405(client):
    answer = client.put("/")
    assert answer.status_code == 405 and "<html" in answer.text
    assert "GET" in answer.headers["Allow"]


@pytest.mark.parametrize("value", [
    "asian_phones", "İstanbul", "ΣΊΣΥΦΟΣ", "  padded  ", "a.b", "...", ".x", "x" * 64,
    ".", "..", " .. ", "", "   ", "x" * 65, "a/b", "é😀\u202egnp.csv", "zero\u200bwidth", "tab\there", "bell\x07",
])
def test_the_documented_name_pattern_is_the_rule_the_api_applies(spec, client, value):
    pattern = spec["components"]["schemas"]["CategoryIn"]["properties"]["name"]["pattern"]
    answer = client.post("/api/categories", json={"name": value, "region": "Asia", "type": "phones"})
    assert answer.status_code in (201, 400)
    assert (answer.status_code == 201) == bool(re.match(pattern, value)), answer.json


def test_the_pattern_covers_every_hidden_character():
    pattern = re.compile(names.pattern(64))
    for code in (0x00, 0x1F, 0x7F, 0x9F, 0xAD, 0x200B, 0x200E, 0x202E, 0x2066, 0xFEFF, 0xE0001):
        assert not pattern.match(f"a{chr(code)}b") and names.unusable(f"a{chr(code)}b"), hex(code)
