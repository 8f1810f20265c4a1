"""Admins manage accounts through the API and the Users page; the last active admin is always kept."""

import io

import pytest

from tests.fixtures_accounts import PASSWORD, make_user, sign_in


def test_admin_creates_lists_changes_and_deletes_users(client, anonymous, app):
    made = client.post("/api/users", json={"username": "maria", "password": PASSWORD, "role": "editor", "regions": ["Asia"]})
    assert made.status_code == 201 and made.json == {"username": "maria", "role": "editor", "regions": ["Asia"], "active": True}
    assert client.post("/api/users", json={"username": "victor", "password": PASSWORD, "role": "viewer"}).json["regions"] == []
    assert [u["username"] for u in client.get("/api/users").json["users"]][-2:] == ["maria", "victor"]

    token = anonymous.post("/api/tokens", json={"username": "maria", "password": PASSWORD, "name": "t"}).json["token"]
    maria = {"Authorization": f"Bearer {token}"}
    changed = client.patch("/api/users/Maria", json={"role": "viewer", "regions": ["Asia", "Europe", "asia"]})
    assert changed.json == {"username": "maria", "role": "viewer", "regions": ["Asia", "Europe"], "active": True}
    assert anonymous.get("/api/me", headers=maria).json["regions"] == ["Asia", "Europe"]
    assert anonymous.post("/api/categories", headers=maria, json={"name": "x", "region": "Asia", "type": "t"}).status_code == 403

    assert client.delete("/api/users/maria").status_code == 204
    assert client.get("/api/users/maria").status_code == 405
    assert anonymous.get("/api/me", headers=maria).status_code == 401, "a deleted user's tokens go with it"
    assert client.delete("/api/users/maria").status_code == 404


def test_bad_accounts_are_refused_with_a_reason(client):
    cases = [
        ({"username": "maria", "password": "short", "role": "viewer"}, 400, "at least 10 characters"),
        ({"username": "maria", "password": PASSWORD, "role": "boss"}, 400, "viewer, editor, admin"),
        ({"username": "", "password": PASSWORD, "role": "viewer"}, 400, "A username has"),
        ({"username": "<script>", "password": PASSWORD, "role": "viewer"}, 400, "A username has"),
        ({"username": "maria", "password": PASSWORD, "role": "viewer", "regions": "Asia"}, 400, "Not a valid list"),
    ]
    for fields, status, reason in cases:
        answer = client.post("/api/users", json=fields)
        assert answer.status_code == status and reason in answer.json["error"], (fields, answer.json)
    assert client.post("/api/users", json={"username": "maria", "password": PASSWORD, "role": "viewer"}).status_code == 201
    taken = client.post("/api/users", json={"username": "MARIA", "password": PASSWORD, "role": "viewer"})
    assert taken.status_code == 409 and "taken" in taken.json["error"]
    assert client.patch("/api/users/maria", json={"password": "short"}).status_code == 400
    assert client.patch("/api/users/nobody", json={"role": "viewer"}).status_code == 404


def test_only_admins_manage_users(login_as):
    editor = login_as("editor")
    assert editor.get("/api/users").status_code == 403
    assert editor.post("/api/users", json={"username": "x", "password": PASSWORD, "role": "admin"}).status_code == 403
    assert editor.get("/users").status_code == 403


def test_the_last_active_admin_cannot_be_removed_demoted_or_disabled(app):
    only = make_user(app, "admin", username="root")
    me = sign_in(app.test_client(), only)
    for change in ({"role": "editor"}, {"active": False}):
        refused = me.patch("/api/users/root", json=change)
        assert refused.status_code == 409 and "last active admin" in refused.json["error"]
    assert me.delete("/api/users/root").status_code == 409
    assert me.get("/api/me").json["role"] == "admin"

    make_user(app, "admin", username="second")
    assert me.patch("/api/users/second", json={"active": False}).status_code == 200
    assert me.patch("/api/users/root", json={"role": "viewer"}).status_code == 409, "a disabled admin does not count"
    assert me.patch("/api/users/second", json={"active": True}).status_code == 200
    assert me.patch("/api/users/root", json={"role": "viewer"}).json["role"] == "viewer"
    assert me.get("/api/users").status_code == 403, "the change applies to the very next request"


def test_a_new_password_ends_the_users_other_sessions(app, client, anonymous):
    user = make_user(app, "viewer", username="vic")
    elsewhere = sign_in(app.test_client(), user)
    assert elsewhere.get("/api/me").status_code == 200
    client.patch("/api/users/vic", json={"password": "a brand new passphrase"})
    assert elsewhere.get("/api/me").status_code == 401
    assert anonymous.post("/api/tokens", json={"username": "vic", "password": PASSWORD, "name": "t"}).status_code == 401
    assert anonymous.post("/api/tokens", json={"username": "vic", "password": "a brand new passphrase",
                                               "name": "t"}).status_code == 201


def test_files_stay_when_their_uploader_is_deleted(app, client, make_workbook):
    maria = make_user(app, "editor", username="maria")
    client.post("/api/categories", json={"name": "asian_phones", "region": "Asia", "type": "phones"})
    uploaded = sign_in(app.test_client(), maria).post(
        "/api/categories/asian_phones/files", content_type="multipart/form-data",
        data={"file": [(io.BytesIO(make_workbook({"S": [[3]]})), "a.xlsx")]})
    document_id = uploaded.json["documents"][0]["id"]
    assert client.get(f"/api/documents/{document_id}").json["uploaded_by"] == "maria"
    assert "by maria" in client.get("/categories/asian_phones").text
    assert client.delete("/api/users/maria").status_code == 204
    assert client.get(f"/api/documents/{document_id}").json["uploaded_by"] is None


def test_the_users_page_adds_edits_and_deletes_an_account(client):
    page = client.get("/users")
    assert page.status_code == 200 and "Add a user" in page.text
    added = client.post("/users", data={"username": "maria", "password": PASSWORD, "role": "editor", "regions": "Asia, Europe"},
                        follow_redirects=True)
    assert "Created “maria” (editor, Asia, Europe)." in added.text
    refused = client.post("/users", data={"username": "maria", "password": PASSWORD, "role": "viewer", "regions": ""})
    assert refused.status_code == 409 and "is taken" in refused.text
    weak = client.post("/users", data={"username": "tom", "password": "short", "role": "viewer", "regions": ""})
    assert weak.status_code == 400 and "at least 10 characters" in weak.text

    saved = client.post("/users/maria", data={"role": "viewer", "regions": "", "password": ""}, follow_redirects=True)
    assert "Saved “maria”." in saved.text
    assert client.get("/api/users").json["users"][-1] == {"username": "maria", "role": "viewer", "regions": [], "active": False}

    kept = client.post("/users/maria/delete", data={"confirm_username": "mar"})
    assert kept.status_code == 400 and "nothing was deleted" in kept.text
    gone = client.post("/users/maria/delete", data={"confirm_username": "maria"}, follow_redirects=True)
    assert "Deleted “maria”." in gone.text and "maria" not in [u["username"] for u in client.get("/api/users").json["users"]]


def test_operators_manage_accounts_from_the_command_line(runner, anonymous):
    made = runner.invoke(args=["users", "create", "maria", "--role", "editor", "--region", "Asia", "--password", PASSWORD])
    assert made.exit_code == 0 and "Created “maria” (editor, Asia)." in made.output
    assert "maria  editor  Asia" in runner.invoke(args=["users", "list"]).output
    weak = runner.invoke(args=["users", "create", "tom", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    assert runner.invoke(args=["users", "set-password", "maria", "--password", "a forgotten one, reset"]).exit_code == 0
    assert anonymous.post("/login", data={"username": "maria", "password": "a forgotten one, reset"}).status_code == 302
    assert runner.invoke(args=["users", "set-password", "nobody", "--password", PASSWORD]).exit_code == 1


@pytest.mark.parametrize("region, reason", [(".", "cannot be “.”"), ("Asia\u200b", "U+200B"), ("As\u202eia", "U+202E"),
                                            ("Eu\x07rope", "U+0007")])
def test_a_region_an_account_may_see_follows_the_rules_of_a_category_region(client, region, reason):
    answer = client.post("/api/users", json={"username": "maria", "password": PASSWORD, "role": "viewer", "regions": [region]})
    assert answer.status_code == 400 and "A region name" in answer.json["error"] and reason in answer.json["error"]
    assert "maria" not in [u["username"] for u in client.get("/api/users").json["users"]]


def test_an_unknown_role_is_refused_naming_the_roles_in_the_reader_s_language(client):
    from webapp.accounts.users import ROLE_RULE
    from webapp.models import Role

    refused = client.post("/api/users", json={"username": "someone", "password": PASSWORD, "role": "boss"})
    assert refused.status_code == 400
    assert "The role must be one of: viewer, editor, admin." in str(refused.json)
    assert str(ROLE_RULE) == f"The role must be one of: {', '.join(role.value for role in Role)}."  # the API's names
    with client.application.test_request_context(headers={"Accept-Language": "de"}):
        from webapp.language import spoken

        assert spoken(ROLE_RULE) == "Die Rolle muss eine der folgenden sein: Betrachter, Bearbeiter, Administrator."
