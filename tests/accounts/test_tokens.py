"""API tokens: made from a username and password, shown once, stored as a hash, revoked one by one."""

from sqlalchemy import text

from tests.fixtures_accounts import PASSWORD, make_user, sign_in
from webapp.extensions import db


def _token(anonymous, username: str, password: str = PASSWORD, name: str = "nightly import"):
    return anonymous.post("/api/tokens", json={"username": username, "password": password, "name": name})


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_is_made_used_listed_and_revoked(app, anonymous):
    make_user(app, "editor", ["Asia"], username="maria")
    made = _token(anonymous, "MARIA")
    assert made.status_code == 201 and set(made.json) == {"id", "name", "token"} and made.json["name"] == "nightly import"
    token = made.json["token"]
    assert anonymous.get("/api/me", headers=_auth(token)).json == {"username": "maria", "role": "editor", "regions": ["Asia"]}

    listed = anonymous.get("/api/tokens", headers=_auth(token)).json["tokens"]
    assert [t["name"] for t in listed] == ["nightly import"] and "token" not in listed[0]
    assert listed[0]["created_at"] and listed[0]["last_used_at"]
    with app.app_context():
        stored = db.session.execute(text("SELECT token_hash FROM api_tokens")).scalar()
        assert token not in stored and len(stored) == 64  # only its SHA-256 is kept

    assert anonymous.delete(f"/api/tokens/{made.json['id']}", headers=_auth(token)).status_code == 204
    refused = anonymous.get("/api/me", headers=_auth(token))
    assert refused.status_code == 401 and "error" in refused.json
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_credentials_and_a_missing_name_are_refused(app, anonymous):
    make_user(app, "viewer", username="vic")
    for attempt in (_token(anonymous, "vic", "not the password"), _token(anonymous, "nobody")):
        assert attempt.status_code == 401 and attempt.json == {"error": "Wrong username or password."}
    assert _token(anonymous, "vic", name="  ").status_code == 400
    assert anonymous.post("/api/tokens", data="not json").status_code == 400, "no credentials: a bad request"
    assert anonymous.get("/api/me", headers=_auth("wbt_madeup")).status_code == 401


def test_one_cannot_revoke_someone_elses_token(app, anonymous):
    make_user(app, "viewer", username="vic")
    make_user(app, "viewer", username="val")
    vics = _token(anonymous, "vic").json
    vals = _token(anonymous, "val").json
    assert anonymous.delete(f"/api/tokens/{vics['id']}", headers=_auth(vals["token"])).status_code == 404
    assert anonymous.get("/api/me", headers=_auth(vics["token"])).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(app, anonymous):
    make_user(app, "viewer", username="vic")
    token = _token(anonymous, "vic").json["token"]

    def last_used():
        with app.app_context():
            return db.session.execute(text("SELECT last_used_at FROM api_tokens")).scalar()

    assert last_used() is None
    anonymous.get("/api/me", headers=_auth(token))
    first = last_used()
    assert first is not None
    for _ in range(3):
        anonymous.get("/api/me", headers=_auth(token))
    assert last_used() == first, "a token used again within a minute is not written again"
    with app.app_context():
        db.session.execute(text("UPDATE api_tokens SET last_used_at = last_used_at - interval '2 minutes'"))
        db.session.commit()
    anonymous.get("/api/me", headers=_auth(token))
    assert last_used() > first


def test_a_disabled_users_sessions_and_tokens_stop_at_once(app, client, anonymous):
    user = make_user(app, "editor", username="maria")
    session = sign_in(app.test_client(), user)
    token = _token(anonymous, "maria").json["token"]
    assert session.get("/api/me").status_code == 200 and anonymous.get("/api/me", headers=_auth(token)).status_code == 200

    assert client.patch("/api/users/maria", json={"active": False}).json["active"] is False
    assert session.get("/api/me").status_code == 401
    assert session.get("/").status_code == 302
    assert anonymous.get("/api/me", headers=_auth(token)).status_code == 401
    assert _token(anonymous, "maria").status_code == 401
    # Enabled again, the old session stays ended; the token (a separate credential) works again.
    client.patch("/api/users/maria", json={"active": True})
    assert session.get("/api/me").status_code == 401
    assert anonymous.get("/api/me", headers=_auth(token)).status_code == 200


def test_a_named_token_wins_over_a_signed_in_browser(app, client):
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/me", headers=_auth("wbt_revoked-or-made-up")).status_code == 401


def test_tokens_on_the_profile_page_are_shown_once_and_revoked(app, login_as):
    browser = login_as("viewer")
    made = browser.post("/profile/tokens", data={"name": "laptop script"})
    assert made.status_code == 200 and 'id="new-token">wbt_' in made.text
    secret = made.text.split('id="new-token">')[1].split("<")[0]
    assert app.test_client().get("/api/me", headers=_auth(secret)).status_code == 200
    profile = browser.get("/profile").text
    assert "laptop script" in profile and secret not in profile
    with app.app_context():
        token_id = db.session.execute(text("SELECT id FROM api_tokens")).scalar()
    revoked = browser.post(f"/profile/tokens/{token_id}/revoke", follow_redirects=True)
    assert "The token is revoked" in revoked.text
    assert app.test_client().get("/api/me", headers=_auth(secret)).status_code == 401
