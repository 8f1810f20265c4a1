"""In a real browser, with the Content-Security-Policy on: sign in, land where you were going, sign out;
the profile and Users pages at phone and desktop width; Swagger UI with no inline script."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import session_cookie, watch_for_errors
from tests.fixtures_accounts import PASSWORD, make_user

pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


@pytest.fixture
def fresh_tab(browser, live_server):
    """A tab nobody is signed in on; fails the test on any console error."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    tab = context.new_page()
    errors = watch_for_errors(tab)
    yield tab
    context.close()
    assert not errors, f"the page reported errors: {errors}"


def test_sign_in_lands_where_you_were_going_then_sign_out(fresh_tab, live_app, shot):
    tab = fresh_tab
    make_user(live_app, "editor", ["Asia"], username="maria")
    tab.goto("/search?q=charger")
    expect(tab).to_have_url(re.compile(r"/login\?next=/search\?q%3Dcharger$"))
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(tab.get_by_role("navigation", name="Main")).to_have_count(0)
    shot(tab, "sign-in-desktop")

    tab.get_by_label("Username").fill("maria")
    tab.get_by_label("Password").fill("not the password")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.locator("#sign-in-error")).to_have_text("Wrong username or password.")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(re.compile(r"/search\?q=charger$"))
    expect(tab.get_by_role("link", name=re.compile("maria"))).to_be_visible()
    expect(tab.get_by_role("link", name="Users")).to_have_count(0)

    tab.get_by_role("link", name=re.compile("maria")).click()
    expect(tab.locator("#profile-role")).to_have_text("editor")
    expect(tab.locator("#profile-regions")).to_contain_text("Asia")
    tab.get_by_label("Token name").fill("nightly import")
    tab.get_by_role("button", name="Create token").click()
    expect(tab.locator("#new-token")).to_have_text(re.compile(r"^wbt_"))
    expect(tab.locator("#token-list")).to_contain_text("nightly import")
    shot(tab, "profile-desktop")
    tab.set_viewport_size(PHONE)
    shot(tab, "profile-phone")

    tab.get_by_role("button", name="Sign out").click()
    expect(tab).to_have_url(re.compile(r"/login$"))
    expect(tab.locator(".flash-success")).to_have_text("You are signed out.")
    shot(tab, "sign-in-phone")
    tab.goto("/")
    expect(tab).to_have_url(re.compile(r"/login$"))


def test_admin_adds_an_editor_for_asia_on_the_users_page(page, shot):
    page.goto("/users")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#password-error")).to_have_text("A password needs at least 10 characters.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Role").select_option("editor")
    page.get_by_label("Regions").fill("Asia")
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".flash-success")).to_have_text("Created “maria” (editor, Asia).")
    row = page.locator("#accounts tbody tr").filter(has_text="maria")
    expect(row).to_contain_text("editor")
    expect(row).to_contain_text("Asia")
    shot(page, "users-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "users-phone")

    row.get_by_role("link", name="maria").click()
    expect(page.get_by_role("combobox", name="Regions")).to_have_value("Asia")
    shot(page, "user-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, "user-desktop")
    page.get_by_label("Can sign in").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#accounts tbody tr").filter(has_text="maria")).to_have_class("disabled")


def test_swagger_ui_starts_from_a_script_file_under_the_policy(page):
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Workbook totals API")
    expect(page.locator(".swagger-ui .btn.authorize")).to_be_visible()
    expect(page.locator(".swagger-ui .opblock-summary-path").filter(has_text="/api/tokens").first).to_be_visible()


def test_a_viewer_sees_no_upload_or_delete_controls(browser, live_app, live_server, site, make_workbook, shot):
    site.create_category("asian_phones")
    viewer = make_user(live_app, "viewer", username="vic")
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.add_cookies([session_cookie(live_app, live_server, viewer)])
    tab = context.new_page()
    errors = watch_for_errors(tab)
    try:
        tab.goto("/categories/asian_phones")
        expect(tab.get_by_role("heading", name="asian_phones")).to_be_visible()
        expect(tab.locator("#upload-form")).to_have_count(0)
        expect(tab.get_by_role("link", name="Delete this category…")).to_have_count(0)
        tab.goto("/")
        expect(tab.get_by_role("link", name="+ New category")).to_have_count(0)
        expect(tab.locator("#new-category")).to_have_count(0)
    finally:
        context.close()
    assert not errors, errors
