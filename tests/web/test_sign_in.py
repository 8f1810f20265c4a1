"""Signing in and out through the pages: back to where you were going (only on this site), throttled failures,
security headers, no inline scripts, downloads as attachments, and passwords never logged."""

import io
import re

import pytest

from tests.fixtures_accounts import PASSWORD, make_user

HOSTILE_NEXT = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                "http:/evil.example", "/\t/evil.example", " //evil.example", "evil.example"]


def _sign_in(client, username, password=PASSWORD, next_="", address="10.0.0.1"):
    return client.post("/login", data={"username": username, "password": password, "next": next_},
                       environ_base={"REMOTE_ADDR": address})


def test_a_page_asks_to_sign_in_and_comes_back_after(app, anonymous):
    make_user(app, "viewer", username="vic")
    asked = anonymous.get("/search?q=charger")
    assert asked.status_code == 302 and asked.location == "/login?next=/search?q%3Dcharger"
    form = anonymous.get(asked.location)
    assert form.status_code == 200 and 'value="/search?q=charger"' in form.text
    back = _sign_in(anonymous, "vic", next_="/search?q=charger")
    assert back.status_code == 302 and back.location == "/search?q=charger"
    assert anonymous.get("/login?next=/regions").location == "/regions", "signed in already: straight on"

    wrong = _sign_in(app.test_client(), "vic", "not it")
    assert wrong.status_code == 401 and "Wrong username or password." in wrong.text


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_never_sends_you_off_the_site(app, anonymous, target):
    make_user(app, "viewer", username="vic")
    assert _sign_in(anonymous, "vic", next_=target).location == "/"
    assert anonymous.get("/login", query_string={"next": target}).location == "/"


def test_a_retry_goes_back_only_to_a_page_of_this_site(client, api, make_workbook):
    api.create_category("phones")
    document_id = api.upload("phones", ("a.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    here = client.post(f"/documents/{document_id}/reprocess", headers={"Referer": "http://localhost/categories/phones"})
    assert here.location == "/categories/phones"
    away = client.post(f"/documents/{document_id}/reprocess", headers={"Referer": "https://evil.example/phish"})
    assert away.location == f"/documents/{document_id}"


def test_signing_out_ends_the_session(client):
    assert client.get("/").status_code == 200
    out = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in out.text
    assert client.get("/").status_code == 302 and client.get("/api/me").status_code == 401


def test_five_failures_block_a_username_then_an_address_but_never_others(app):
    make_user(app, "viewer", username="vic")
    make_user(app, "viewer", username="val")
    attacker = app.test_client()
    for _ in range(5):
        assert _sign_in(attacker, "vic", "guess", address="10.0.0.66").status_code == 401
    blocked = _sign_in(attacker, "vic", address="10.0.0.66")
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text, "even the right password waits"
    # The username is blocked from everywhere; the API's token door shares the count.
    assert _sign_in(app.test_client(), "VIC", address="10.0.0.7").status_code == 429
    assert app.test_client().post("/api/tokens", json={"username": "vic", "password": PASSWORD, "name": "t"},
                                  environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 429
    # Others sign in as usual, however often.
    for _ in range(8):
        assert _sign_in(app.test_client(), "val", address="10.0.0.9").status_code == 302

    sprayer = app.test_client()
    for n in range(5):
        assert _sign_in(sprayer, f"user{n}", "guess", address="10.0.0.99").status_code == 401
    refused = sprayer.post("/api/tokens", json={"username": "val", "password": PASSWORD, "name": "t"},
                           environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.json["error"]


def test_every_response_carries_the_security_headers(client, anonymous, api, make_workbook):
    for response in (anonymous.get("/login"), client.get("/"), client.get("/api/categories"), anonymous.get("/healthz")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
    cookie = _sign_in(anonymous, make_user(client.application, "viewer").username).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie

    api.create_category("phones")
    document_id = api.upload("phones", ("<b>a</b>.xlsx", make_workbook({"S": [[1]]}))).json["documents"][0]["id"]
    download = client.get(f"/documents/{document_id}/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_no_page_has_an_inline_script(client, anonymous, api, make_workbook, run_jobs):
    api.create_category("phones")
    document_id = api.upload("phones", ("a.xlsx", make_workbook({"S": [["charger", 1]]}))).json["documents"][0]["id"]
    run_jobs()
    pages = ["/", "/categories/phones", f"/documents/{document_id}", "/search?q=charger", "/regions?term=charger",
             "/profile", "/profile/password", "/users", "/docs", f"/documents/{document_id}/delete"]
    for path, html in [(p, client.get(p).text) for p in pages] + [("/login", anonymous.get("/login").text)]:
        inline = [s for s in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if "src=" not in s[0] or s[1].strip()]
        assert not inline, (path, inline)
        assert not re.search(r"\son[a-z]+=", html), (path, "an inline event handler")


def test_passwords_never_reach_the_logs_and_failures_name_user_and_address(app, client, anonymous, caplog):
    caplog.set_level("INFO")
    secret = "a very secret passphrase"
    client.post("/api/users", json={"username": "maria", "password": secret, "role": "viewer"})
    _sign_in(anonymous, "maria", "wrong " + secret, address="10.1.2.3")
    _sign_in(anonymous, "maria", secret, address="10.1.2.3")
    anonymous.post("/api/tokens", json={"username": "maria", "password": secret, "name": "t"})
    assert secret not in caplog.text
    assert re.search(r"event=sign_in_failed user='maria' address=10\.1\.2\.3", caplog.text)
    assert "event=signed_in user='maria'" in caplog.text and "event=user_created user='maria'" in caplog.text


def test_uploading_through_the_page_records_the_uploader(app, login_as, api, make_workbook):
    api.create_category("phones")
    editor = login_as("editor")
    sent = editor.post("/categories/phones/upload", content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(make_workbook({"S": [[2]]})), "b.xlsx")]})
    assert sent.status_code == 302
    documents = editor.get("/api/categories/phones/documents").json["documents"]
    assert documents[0]["uploaded_by"] == editor.get("/api/me").json["username"]
