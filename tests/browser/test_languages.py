"""In a real browser whose language is German: sign in, the dashboard, a category, an upload counted and its
total written the German way (`1.234,5`); then Spanish from the footer, kept on the profile."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch_for_errors
from tests.browser.files import chosen
from tests.fixtures_accounts import PASSWORD, make_user

pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


def test_a_german_user_works_in_german_and_switches_to_spanish(browser, live_server, live_app, worker,
                                                               make_workbook, shot):
    make_user(live_app, "editor", ["Europa"], username="greta")
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="de-DE")
    tab = context.new_page()
    errors = watch_for_errors(tab)

    tab.goto("/")
    expect(tab.locator("html")).to_have_attribute("lang", "de")
    expect(tab.get_by_role("heading", name="Anmelden")).to_be_visible()
    tab.get_by_label("Benutzername").fill("greta")
    tab.get_by_label("Passwort").fill(PASSWORD)
    tab.get_by_role("button", name="Anmelden").click()
    expect(tab.get_by_role("heading", name="Summen", exact=True)).to_be_visible()
    expect(tab.get_by_text("Noch keine Kategorien.")).to_be_visible()

    tab.get_by_role("textbox", name="Name").fill("europa_telefone")
    tab.get_by_role("textbox", name="Region").fill("Europa")
    tab.get_by_role("textbox", name="Typ").fill("Telefone")
    tab.get_by_role("button", name="Kategorie anlegen").click()
    expect(tab.locator(".flash-success")).to_have_text("Kategorie „europa_telefone“ angelegt.")
    expect(tab).to_have_url(re.compile(r"/categories/europa_telefone$"))
    expect(tab.get_by_role("heading", name="Arbeitsmappen hochladen")).to_be_visible()

    tab.locator("#file").set_input_files([chosen("preise.xlsx", make_workbook({"S": [[1234], [0.5]]}))])
    expect(tab.locator("#uploads-folded")).to_have_text("✓ 1 hochgeladene Datei steht in der Dateiliste unten.")
    expect(tab.locator('#documents tr[data-status="done"]')).to_have_count(1)
    expect(tab.locator("#documents .sum")).to_have_text("1.234,5")
    expect(tab.locator("#category-total")).to_have_text("1.234,5")
    expect(tab.locator("#documents .badge")).to_have_text("fertig")
    shot(tab, "category-de-desktop")
    tab.set_viewport_size(PHONE)
    shot(tab, "category-de-phone")

    tab.set_viewport_size(DESKTOP)
    tab.get_by_role("link", name="Übersicht").first.click()
    expect(tab.locator("#grand-total")).to_have_text("1.234,5")
    shot(tab, "dashboard-de-desktop")

    tab.get_by_label("Sprache").select_option("es")
    tab.get_by_role("button", name="Ändern").click()
    expect(tab.locator("html")).to_have_attribute("lang", "es")
    expect(tab.get_by_role("heading", name="Totales", exact=True)).to_be_visible()
    expect(tab.locator("#grand-total")).to_have_text("1.234,5")
    tab.set_viewport_size(PHONE)
    shot(tab, "dashboard-es-phone")

    # The choice is kept on the profile: another browser, still German, signs in and reads Spanish.
    other = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="de-DE").new_page()
    other.goto("/login")
    other.get_by_label("Benutzername").fill("greta")
    other.get_by_label("Passwort").fill(PASSWORD)
    other.get_by_role("button", name="Anmelden").click()
    expect(other.locator("html")).to_have_attribute("lang", "es")
    other.context.close()
    context.close()
    assert not errors, f"the page reported errors: {errors}"
