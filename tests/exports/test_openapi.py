"""The exports are part of the API's OpenAPI document: paths, the format choice and both media types."""

from tests.exports.reading import XLSX


def test_every_export_is_described_with_both_formats(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in ("/api/export/totals.{format}", "/api/categories/{name}/files.{format}", "/api/search/export.{format}",
                 "/api/categories/{name}/history.{format}"):
        operation = paths[path]["get"]
        formats = [p for p in paths[path]["parameters"] if p["name"] == "format"]
        assert formats and formats[0]["schema"]["enum"] == ["xlsx", "csv"], path
        assert set(operation["responses"]["200"]["content"]) == {XLSX, "text/csv"}, path
    search = {p["name"] for p in paths["/api/search/export.{format}"]["get"]["parameters"]}
    assert {"q", "type", "region", "category"} <= search and "page" not in search
