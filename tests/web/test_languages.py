"""Pages speak English, German or Spanish: every template's text goes through a translation call, the catalogues
are complete, a page in German or Spanish keeps no English phrase, and totals are written the language's way."""

import html
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.browser.files import damaged_workbook
from webapp.number_format import grouped

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "webapp" / "templates"
CATALOGUES = ROOT / "webapp" / "translations"
LANGUAGES = ("de", "es")
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
# Not words to translate: the brand, the language names of the switch, marks and arrows.
NOT_WORDS = {"Workbook totals", "English", "Deutsch", "Español", "GB MB KB"}


class _Text(HTMLParser):
    """Collect what a reader sees: text nodes and the attributes read out or shown as tooltips."""

    def __init__(self, skip_code: bool = False):
        super().__init__()
        self.found: list[str] = []
        self._hidden = 0
        self._skipped = ("script", "style", "svg") + (("code",) if skip_code else ())

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in self._skipped
        self.found += [value for key, value in attrs if key in VISIBLE_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        self._hidden -= tag in self._skipped

    def handle_data(self, data):
        if not self._hidden:
            self.found.append(data)


def _words(texts) -> list[str]:
    phrases = (" ".join(text.replace("Workbook totals", " ").split()) for text in texts)
    return [p for p in phrases if re.search(r"[^\W\d_]", p) and p not in NOT_WORDS]


def untranslated(source: str) -> list[str]:
    """Return the text of a template that no translation call wraps."""
    source = re.sub(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}", " ", source, flags=re.S)
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    parser = _Text(skip_code=True)
    parser.feed(source)
    return [w for w in _words(parser.found) if not w.startswith("data-")]


def test_no_template_has_text_outside_a_translation_call():
    found = {str(path.relative_to(TEMPLATES)): untranslated(path.read_text())
             for path in TEMPLATES.rglob("*.html") if path.name != "swagger_ui.html"}
    assert {name: texts for name, texts in found.items() if texts} == {}


def test_untranslated_text_is_found():
    assert untranslated('<p>Hello {{ name }}</p><b title="Open it">{{ _("Fine") }}</b>') == ["Hello", "Open it"]
    assert untranslated("<p>{% trans %}Fine{% endtrans %} {{ _('Also fine') }}</p>") == []


def _plain(string):
    return tuple(string) if isinstance(string, (list, tuple)) else string


def _extracted() -> set[str]:
    method_map = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "said": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_and_the_compiled_catalogue_matches(language):
    folder = CATALOGUES / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        catalogue, compiled = read_po(po, locale=language), read_mo(mo)
    entries = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue if m.id}
    missing = sorted(_extracted() - set(entries))
    assert not missing, f"not in the {language} catalogue (run `make translations`, then translate): {missing}"
    empty = sorted(key for key, m in entries.items()
                   if not (all(m.string) if isinstance(m.string, tuple) else m.string))
    assert not empty, f"empty {language} translations: {empty}"
    assert not list(catalogue.check()), "placeholders differ between English and the translation"
    def same(m) -> bool:
        built = compiled.get(m.id)
        return built is not None and _plain(built.string) == _plain(m.string)

    stale = sorted(key for key, m in entries.items() if not same(m))
    assert not stale, f"{language}: messages.mo is older than messages.po (run `make translations`): {stale[:5]}"


@pytest.mark.parametrize(("language", "shown"), [
    ("en", "1,234,567.123456789"), ("de", "1.234.567,123456789"), ("es", "1.234.567,123456789"),
])
def test_totals_keep_every_digit_in_every_language(language, shown):
    assert grouped(Decimal("1234567.123456789"), language) == shown
    assert grouped(Decimal("-123456789012345678901234567890.5"), language).endswith(
        {"en": "567,890.5", "de": "567.890,5", "es": "567.890,5"}[language])


def test_a_page_in_german_writes_totals_the_german_way(client, api, run_jobs, make_workbook):
    api.create_category("asian_phones")
    api.upload("asian_phones", ("big.xlsx", make_workbook({"S": [[1234], [Decimal("0.5")]]})))
    run_jobs()
    page = client.get("/categories/asian_phones", headers={"Accept-Language": "de"}).text
    assert 'id="category-total">1.<wbr>234,5</strong>' in page
    assert 'title="Genauer Wert: 1234.5"' in page and 'data-copy="1234.5"' in page
    assert client.get("/api/categories/asian_phones", headers={"Accept-Language": "de"}).json["total"] == "1234.5"


def test_the_browser_language_decides_before_sign_in_and_html_lang_follows(anonymous):
    german = anonymous.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).text
    assert '<html lang="de">' in german and "Anmelden" in german
    assert '<html lang="en">' in anonymous.get("/login", headers={"Accept-Language": "fr, pt"}).text
    spanish = anonymous.get("/login", headers={"Accept-Language": "es-ES"}).text
    assert '<html lang="es">' in spanish and "Iniciar sesión" in spanish


def test_the_footer_switch_keeps_the_choice_for_the_session_and_the_profile(app, client, login_as):
    answer = client.post("/language", data={"language": "es", "next": "/regions"}, headers={"Accept-Language": "de"})
    assert answer.status_code == 302 and answer.location.endswith("/regions")
    assert '<html lang="es">' in client.get("/", headers={"Accept-Language": "de"}).text
    # An API answer stays English whatever the profile says.
    assert client.get("/api/categories/nothing-here").json["error"].startswith("There is no category")


def test_a_profile_language_follows_the_user_to_another_browser(app, anonymous):
    from tests.fixtures_accounts import make_user, sign_in

    user = make_user(app, "viewer", username="greta")
    sign_in(anonymous, user)
    anonymous.post("/language", data={"language": "de", "next": "/"})
    other = app.test_client()
    sign_in(other, user)
    assert '<html lang="de">' in other.get("/", headers={"Accept-Language": "en"}).text


def test_an_unknown_language_or_an_outside_address_changes_nothing(client):
    answer = client.post("/language", data={"language": "xx", "next": "https://elsewhere.example/"})
    assert answer.status_code == 302 and "elsewhere" not in answer.location
    assert '<html lang="en">' in client.get("/").text


def test_error_pages_speak_the_language(client):
    page = client.get("/no-such-page", headers={"Accept-Language": "de"}).text
    assert "Nicht gefunden" in page and "Zurück zur Übersicht" in page


def _visible(html: str) -> set[str]:
    parser = _Text(skip_code=True)
    parser.feed(html)
    return set(_words(parser.found))


# Words that are spelled the same in English and the other language, and what the test data itself holds.
SAME_IN = {
    "de": {"Name", "Region", "Status", "Text", "System", "Backend", "API", "Worker", "Workers", "CSV, UTF-8 (.csv)",
           "PostgreSQL", "Redis", "in", "System ·", "postgresql"},
    "es": {"Total", "Editor", "API", "CSV, UTF-8 (.csv)", "PostgreSQL", "Redis", "postgresql"},
}


@pytest.fixture
def pages(client, api, run_jobs, make_workbook, app):
    """The main pages' addresses, with a category, a counted file, a failed file and a second user to show."""
    from tests.fixtures_accounts import make_user

    api.create_category("asian_phones", region="Asia", type="phones")
    done = api.upload("asian_phones", ("stock.xlsx", make_workbook({"Stock": [["charger", 1234.5]]})))
    failed = api.upload("asian_phones", ("broken.xlsx", damaged_workbook()))
    run_jobs()
    make_user(app, "viewer", username="maria")
    document_id = done.json["documents"][0]["id"]
    failed_id = (failed.json.get("documents") or [{}])[0].get("id")
    return ["/", "/categories/asian_phones", f"/documents/{document_id}", f"/documents/{failed_id}", "/search?q=charger",
            "/regions?term=charger", "/profile", "/profile/password", "/users", "/users/maria",
            f"/documents/{document_id}/delete", "/categories/asian_phones/delete", "/system", "/search?q=nothing",
            "/categories/asian_phones/history", "/categories/asian_phones/history?as_of=2999-01-01T00:00:00",
            "/categories/asian_phones/history?as_of=2000-01-01", "/?as_of=2999-01-01T00:00:00", "/?as_of=2000-01-01",
            "/audit"]


# Pages that stay English on purpose, and why (the no-English test does not read them).
ENGLISH_BY_DESIGN = {
    "/docs": "the API's reference (Swagger UI): the API, its errors and its documentation stay English for its "
             "clients; only the page's own header is translated",
}


def test_the_pages_read_leave_out_only_what_stays_english_by_design(pages):
    assert not set(ENGLISH_BY_DESIGN) & set(pages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_phrase_remains_on_a_page_in_another_language(client, pages, language):
    data = {"asian_phones", "stock.xlsx", "broken.xlsx", "Asia", "phones", "charger", "Stock",
            "maria", "admin-", "tests", "cli"}  # the fixtures' user and how it was made
    left = {}
    for path in pages:
        english = _visible(client.get(path, headers={"Accept-Language": "en"}).text)
        other = _visible(client.get(path, headers={"Accept-Language": language}).text)
        same = {p for p in english & other if p not in SAME_IN[language] and not any(d in p for d in data)
                and not re.fullmatch(r"[A-Z]{1,3}\d*|\(?[\d.,]+ bytes\)?|[\d-]{10} [\d:]{5,8} UTC", p)}
        # Above: a preview's column; "18 bytes" in es; a ledger instant, written as the UTC date pickers read it.
        if same:
            left[path] = sorted(same)
    assert left == {}


def test_a_date_the_picker_cannot_read_is_explained_in_the_page_language_and_the_api_keeps_english(client, api):
    api.create_category("phones")
    page = client.get("/categories/phones?as_of=soon", headers={"Accept-Language": "de"}).text
    assert "„soon“ ist kein Datum und keine Uhrzeit" in page
    audit = client.get("/audit?since=soon", headers={"Accept-Language": "es"})
    assert audit.status_code == 400 and "«soon» no es una fecha ni una hora" in audit.text
    answer = client.get("/api/categories/phones?as_of=soon", headers={"Accept-Language": "de"})
    assert answer.status_code == 400 and "is not a date or time" in answer.json["error"]


def test_a_failed_files_reason_is_shown_in_the_page_language_and_the_api_keeps_english(client, api, run_jobs):
    api.create_category("phones")
    document_id = api.upload("phones", ("broken.xlsx", damaged_workbook())).json["documents"][0]["id"]
    run_jobs()
    german = "Diese Datei ist beschädigt (ihre Liste der Blätter kann nicht gelesen werden)."
    assert german in client.get(f"/documents/{document_id}", headers={"Accept-Language": "de"}).text
    assert german in client.get("/categories/phones", headers={"Accept-Language": "de"}).text
    spanish = "Este archivo está dañado (no se puede leer su lista de hojas)."
    assert spanish in client.get(f"/documents/{document_id}", headers={"Accept-Language": "es"}).text
    english = "This file is damaged (its list of sheets cannot be read)."
    answer = client.get(f"/api/documents/{document_id}", headers={"Accept-Language": "de"}).json
    assert answer["error"] == english


def test_a_reason_stored_before_reasons_had_keys_is_shown_as_stored(app, client, api, run_jobs):
    from webapp.extensions import db
    from webapp.models import Document

    api.create_category("phones")
    document_id = api.upload("phones", ("broken.xlsx", damaged_workbook())).json["documents"][0]["id"]
    run_jobs()
    with app.app_context():
        document = db.session.get(Document, document_id)
        document.error, document.error_wording = "An old reason, in the English it was stored in.", None
        db.session.commit()
    page = client.get(f"/documents/{document_id}", headers={"Accept-Language": "de"}).text
    assert "An old reason, in the English it was stored in." in page


def test_a_refused_upload_is_explained_in_the_page_language_and_the_api_keeps_english(client, api):
    api.create_category("phones")
    pdf = b"%PDF-1.7\n1 0 obj\n"
    page = client.post("/categories/phones/upload", data={"file": (io.BytesIO(pdf), "report.pdf")},
                       content_type="multipart/form-data", headers={"Accept-Language": "de"})
    assert page.status_code == 400
    assert ("„report.pdf“ ist ein PDF-Dokument, keine Arbeitsmappe. Bitte wählen Sie eines davon: "
            "Excel-Arbeitsmappen (.xlsx, .xlsm, .xls)") in html.unescape(page.text)
    answer = client.post("/api/categories/phones/files", data={"file": (io.BytesIO(pdf), "report.pdf")},
                         content_type="multipart/form-data", headers={"Accept-Language": "de"})
    assert answer.status_code == 400
    assert answer.json["error"] == ("“report.pdf” is a PDF document, not a workbook. Please choose one of: Excel "
                                    "workbooks (.xlsx, .xlsm, .xls), OpenDocument spreadsheets (.ods) or CSV files (.csv).")


def test_a_duplicate_upload_names_the_earlier_file_in_the_page_language(client, api, make_workbook):
    api.create_category("phones")
    content = make_workbook({"S": [[1]]})
    earlier = api.upload("phones", ("first.xlsx", content)).json["documents"][0]["id"]
    page = client.post("/categories/phones/upload", data={"file": (io.BytesIO(content), "again.xlsx")},
                       content_type="multipart/form-data", headers={"Accept-Language": "es"})
    assert page.status_code == 409
    assert f"Este contenido ya está en «phones» como «first.xlsx» (archivo n.º {earlier})." in html.unescape(page.text)


def test_ledger_instants_are_written_the_page_languages_way(client, api, run_jobs, make_workbook):
    api.create_category("phones")
    api.upload("phones", ("stock.xlsx", make_workbook({"S": [[1]]})))
    run_jobs()
    german = client.get("/categories/phones/history", headers={"Accept-Language": "de"}).text
    assert re.search(r">\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} UTC</time>", german)
    assert not re.search(r">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC</time>", german)
    english = client.get("/categories/phones/history", headers={"Accept-Language": "en"}).text
    assert re.search(r">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M UTC</time>", english)


def test_the_upload_script_hears_a_refusal_in_the_page_language_and_an_upload_as_the_api_answers(client, api,
                                                                                                  make_workbook):
    api.create_category("phones")
    script = {"Accept": "application/json", "Accept-Language": "es"}
    refused = client.post("/categories/phones/upload", data={"file": (io.BytesIO(b""), "empty.csv")},
                          content_type="multipart/form-data", headers=script)
    assert refused.status_code == 400
    assert refused.json["error"].startswith("«empty.csv» está vacío. Elija uno de estos: ")
    accepted = client.post("/categories/phones/upload", data={"file": (io.BytesIO(make_workbook({"S": [[1]]})), "a.xlsx")},
                           content_type="multipart/form-data", headers=script)
    assert accepted.status_code == 202 and accepted.json["queue"] in ("ok", "unavailable")
    assert [(d["filename"], d["status"]) for d in accepted.json["documents"]] == [("a.xlsx", "queued")]
    assert 'data-upload-url="/categories/phones/upload"' in client.get("/categories/phones").text


def test_a_category_forms_errors_are_in_the_page_language_and_the_api_keeps_english(client, api):
    api.create_category("phones", region="Asia", type="phones")
    page = client.post("/categories", data={"name": "PHONES", "region": "", "type": "a/b"},
                       headers={"Accept-Language": "de"})
    text = html.unescape(page.text)
    assert page.status_code == 400 and "Region ist erforderlich." in text and "Typ darf kein „/“ enthalten." in text
    taken = client.post("/categories", data={"name": "PHONES", "region": "Asia", "type": "phones"},
                        headers={"Accept-Language": "es"})
    assert taken.status_code == 409 and "Ya existe una categoría llamada «PHONES»." in html.unescape(taken.text)
    answer = client.post("/api/categories", json={"name": "PHONES", "region": "Asia", "type": "phones"},
                         headers={"Accept-Language": "de"})
    assert answer.status_code == 409 and answer.json["error"] == "A category named “PHONES” already exists."


def test_an_account_flows_errors_are_in_the_page_language(client):
    page = client.post("/profile/tokens", data={"name": "x" * 65}, headers={"Accept-Language": "de"})
    assert page.status_code == 400
    assert "Geben Sie dem Token einen Namen mit 1 bis 64 Zeichen" in html.unescape(page.text)


def test_why_a_cell_counts_nothing_is_said_in_the_page_language(client, api, run_jobs, make_workbook):
    from datetime import date

    api.create_category("phones")
    upload = api.upload("phones", ("mixed.xlsx", make_workbook({"S": [[1, True, date(2024, 5, 1)]]})))
    run_jobs()
    document_id = upload.json["documents"][0]["id"]
    page = client.get(f"/documents/{document_id}", headers={"Accept-Language": "de"}).text
    assert "<td>wahr/falsch</td>" in page and "<td>Datum</td>" in page
    assert "<td>true/false</td>" in client.get(f"/documents/{document_id}", headers={"Accept-Language": "en"}).text


def test_the_audit_page_says_its_events_objects_and_details_in_the_page_language(app, client, api, make_workbook):
    from tests.fixtures_accounts import make_user

    api.create_category("phones")
    document_id = api.upload("phones", ("stock.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    make_user(app, "viewer", username="maria")
    page = html.unescape(client.get("/audit", headers={"Accept-Language": "de"}).text)
    assert f"Datei Nr. {document_id} stock.xlsx" in page and "Kategorie phones" in page
    spanish = html.unescape(client.get("/audit", headers={"Accept-Language": "es"}).text)
    assert "categoría phones" in spanish
    listed = client.get("/api/audit", headers={"Accept-Language": "de"})
    assert listed.status_code == 200 and f"file #{document_id} stock.xlsx" in listed.text  # the API keeps English


def test_a_refused_delete_and_retry_are_explained_in_the_page_language(client, api, make_workbook):
    api.create_category("phones")
    document_id = api.upload("phones", ("a.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    page = client.post("/categories/phones/delete", data={"confirm_name": "wrong"}, headers={"Accept-Language": "de"})
    assert page.status_code == 400
    assert "Geben Sie den Kategorienamen „phones“ genau ein, um zu bestätigen" in html.unescape(page.text)
    retried = client.post(f"/documents/{document_id}/retry", headers={"Accept-Language": "es"}, follow_redirects=True)
    assert "Solo se puede reintentar un archivo que haya fallado." in html.unescape(retried.text)
    answer = client.post(f"/api/documents/{document_id}/retry", headers={"Accept-Language": "de"})
    assert answer.status_code == 409 and answer.json["error"] == "Only a file that failed can be retried."


def test_a_refused_page_and_a_missing_one_say_why_in_the_page_language_and_the_api_in_english(login_as, client):
    viewer = login_as("viewer")
    page = viewer.get("/users", headers={"Accept-Language": "de"})
    assert page.status_code == 403
    assert "Ihre Rolle (Betrachter) darf das nicht; die Rolle Administrator darf es." in html.unescape(page.text)
    missing = client.get("/categories/nowhere", headers={"Accept-Language": "es"})
    assert missing.status_code == 404 and "No existe ninguna categoría llamada «nowhere»." in html.unescape(missing.text)
    answer = viewer.get("/api/users", headers={"Accept-Language": "de"})
    assert answer.status_code == 403 and answer.json["error"].startswith("Your role (viewer) cannot do this; an admin can.")
