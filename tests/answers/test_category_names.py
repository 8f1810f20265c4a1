"""Names that work everywhere: created once, found by every page and the API in any letter case."""

import io
from urllib.parse import quote

import pytest

from tests.fixtures_accounts import signed_in_client

# Python's lower() and PostgreSQL's disagree on these; casefold() + NFC is the one comparison.
UNICODE_NAMES = {"İstanbul": "İSTANBUL", "ΣΊΣΥΦΟΣ": "σίσυφος", "Straße": "STRASSE", "Café": "CAFE\u0301"}


@pytest.mark.parametrize("name, other_case", UNICODE_NAMES.items(), ids=UNICODE_NAMES.keys())
def test_a_unicode_name_opens_everywhere_in_any_letter_case(client, api, name, other_case):
    created = client.post("/api/categories", json={"name": name, "region": name, "type": name})
    assert created.status_code == 201, created.json
    for spelling in (name, other_case):
        path = quote(spelling)
        assert client.get(f"/api/categories/{path}").json["name"] == name
        assert client.get(f"/api/categories/{path}/documents").status_code == 200
        assert client.get(f"/api/types/{path}/sum").json["type"] == name
        assert client.get(f"/categories/{path}").status_code == 200
        assert name in client.get("/", query_string={"type": spelling}).text
    duplicate = client.post("/api/categories", json={"name": other_case, "region": "r", "type": "t"})
    assert duplicate.status_code == 409


def test_names_are_kept_in_one_unicode_form(client, api):
    decomposed = "Cafe\u0301"  # e + combining acute: looks the same as "Café"
    created = api.create_category(decomposed, region="Re\u0301union", type="Te\u0301le\u0301phones")
    assert (created["name"], created["region"], created["type"]) == ("Café", "Réunion", "Téléphones")
    assert client.post("/api/categories", json={"name": "café", "region": "r", "type": "t"}).status_code == 409


def test_types_and_regions_differing_only_in_case_share_one_total(client, api, make_workbook, run_jobs):
    api.create_category("a", region="ΣΊΣΥΦΟΣ", type="İstanbul")
    other = api.create_category("b", region="σίσυφος", type="İSTANBUL")
    assert (other["region"], other["type"]) == ("ΣΊΣΥΦΟΣ", "İstanbul")
    api.upload("a", ("a.xlsx", make_workbook({"S": [[1.5]]})))
    api.upload("b", ("b.xlsx", make_workbook({"S": [[2]]})))
    run_jobs()
    assert client.get(f"/api/types/{quote('i̇stanbul')}/sum").json == {
        "type": "İstanbul", "total": "3.5", "documents": 2, "pending": 0}
    filtered = client.get("/api/search", query_string={"q": "1.5", "region": "σίσυφοσ"}).json
    assert [hit["filename"] for hit in filtered["hits"]] == ["a.xlsx"]


UNUSABLE = {
    "dot": (".", "cannot be “.”"),
    "dot dot": ("..", "cannot be “..”"),
    "right-to-left override": ("é😀\u202egnp", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "isolate": ("a\u2067b", "U+2067"),
    "zero-width space": ("in\u200bvisible", "U+200B ZERO WIDTH SPACE"),
    "zero-width joiner": ("a\u200db", "U+200D"),
    "byte order mark": ("\ufeffname", "U+FEFF"),
    "bell": ("ring\x07", "U+0007"),
    "newline inside": ("two\nlines", "U+000A"),
    "line separator": ("a\u2028b", "U+2028"),
}


@pytest.mark.parametrize("field", ["name", "region", "type"])
@pytest.mark.parametrize("value, message", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_names_that_cannot_work_everywhere_are_refused_and_nothing_is_created(client, field, value, message):
    body = {"name": "fine", "region": "Asia", "type": "phones", field: value}
    response = client.post("/api/categories", json=body)
    assert response.status_code == 400
    assert f"{field.capitalize()} " in response.json["error"] and message in response.json["error"]
    page = client.post("/categories", data=body)
    assert page.status_code == 400 and message in page.text
    assert client.get("/api/categories").json == {"categories": []}


def test_a_type_cannot_hold_a_slash_but_a_region_can(client, api):
    refused = client.post("/api/categories", json={"name": "x", "region": "Asia", "type": "phones/tablets"})
    assert refused.status_code == 400 and "Type cannot contain “/”" in refused.json["error"]
    assert api.create_category("x", region="EMEA/APAC")["region"] == "EMEA/APAC"


def test_file_names_are_kept_as_written_but_shown_without_direction_overrides(client, api, run_jobs):
    api.create_category("phones")
    written = "é😀\u202egnp.csv"
    response = api.upload("phones", (written, b"item,count\nwidget,1\ngadget,2\n"))
    assert response.status_code == 202, response.json
    document_id = response.json["documents"][0]["id"]
    run_jobs()
    assert client.get(f"/api/documents/{document_id}").json["filename"] == written
    shown = "é😀gnp.csv"  # the real extension shows; nothing reads as "…vsc.png"
    for url in ("/categories/phones", f"/documents/{document_id}", "/", "/search?q=widget",
                f"/documents/{document_id}/delete"):
        page = client.get(url).text
        assert shown in page and "\u202e" not in page, url
    download = client.get(f"/documents/{document_id}/download")
    assert "\u202e" not in download.headers["Content-Disposition"]
    assert quote(shown) in download.headers["Content-Disposition"]


def test_flash_messages_show_file_names_without_direction_overrides(client, api):
    api.create_category("phones")
    data = {"file": [(io.BytesIO(b"item,count\nwidget,1\ngadget,2\n"), "x\u202etxt.csv")]}
    response = client.post("/categories/phones/upload", data=data, content_type="multipart/form-data", follow_redirects=True)
    assert "xtxt.csv" in response.text and "\u202e" not in response.text


@pytest.fixture
def database_at_0004(config):
    """An app on a database of its own, migrated only up to the revision before the name keys."""
    import copy

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, make_url, text

    from webapp import create_app
    from webapp.extensions import db

    url = make_url(config.SQLALCHEMY_DATABASE_URI)
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS names_migration"))
        connection.execute(text("CREATE DATABASE names_migration"))
    own = copy.copy(config)
    own.SQLALCHEMY_DATABASE_URI = url.set(database="names_migration").render_as_string(hide_password=False)
    app = create_app(own)
    with app.app_context():
        upgrade(revision="0004_filtered_search")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with server.connect() as connection:
        connection.execute(text("DROP DATABASE names_migration"))
    server.dispose()


def test_the_migration_fills_keys_for_existing_categories(database_at_0004):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from webapp.extensions import db

    app = database_at_0004
    rows = [  # lower() told these apart, casefold() does not (final sigma); one name in decomposed form
        ("ΣΊΣΥΦΟΣ", "ΣΊΣΥΦΟΣ", "phones"),
        ("σίσυφος", "σίσυφος", "Phones"),
        ("Cafe\u0301", "Asia", "phones"),
    ]
    with app.app_context():
        for name, region, type_ in rows:
            db.session.execute(text("INSERT INTO categories (name, region, type, total, documents) "
                                    "VALUES (:name, :region, :type, 2.5, 1)"), {"name": name, "region": region, "type": type_})
        db.session.commit()
        upgrade()
        migrated = db.session.execute(text("SELECT name, name_key, region, region_key, type, type_key FROM categories "
                                           "ORDER BY id")).all()
    assert [tuple(row) for row in migrated] == [
        ("ΣΊΣΥΦΟΣ", "σίσυφοσ", "ΣΊΣΥΦΟΣ", "σίσυφοσ", "phones", "phones"),
        ("σίσυφος (2)", "σίσυφοσ (2)", "ΣΊΣΥΦΟΣ", "σίσυφοσ", "phones", "phones"),
        ("Café", "café", "Asia", "asia", "phones", "phones"),
    ]
    client = signed_in_client(app)
    assert client.get(f"/api/categories/{quote('σίσυφος')}").json["name"] == "ΣΊΣΥΦΟΣ"
    assert client.get(f"/api/categories/{quote('café')}").json["name"] == "Café"
    assert client.get("/api/types/PHONES/sum").json == {"type": "phones", "total": "7.5", "documents": 3, "pending": 0}
