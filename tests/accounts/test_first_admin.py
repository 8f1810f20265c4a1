"""The first admin, both ways: from ADMIN_USER + ADMIN_PASSWORD, or `admin` with a printed random password that
the first sign-in must replace (its file is deleted then)."""

import re
import stat

import pytest


@pytest.fixture
def first_admin_settings(app, tmp_path):
    """Point the app at a throwaway instance folder and let each test choose ADMIN_USER / ADMIN_PASSWORD."""
    saved = {key: app.config[key] for key in ("INSTANCE_DIR", "ADMIN_USER", "ADMIN_PASSWORD")}
    app.config.update(INSTANCE_DIR=tmp_path, ADMIN_USER="", ADMIN_PASSWORD="")
    yield app.config
    app.config.update(saved)


def _create(runner):
    return runner.invoke(args=["users", "create-first-admin"])


def test_admin_user_and_password_from_the_environment(first_admin_settings, runner, anonymous, tmp_path):
    first_admin_settings.update(ADMIN_USER="boss", ADMIN_PASSWORD="chosen by the operator")
    assert "Created the first admin “boss” with the password from ADMIN_PASSWORD." in _create(runner).output
    assert not (tmp_path / "initial-admin-password").exists()
    signed_in = anonymous.post("/login", data={"username": "boss", "password": "chosen by the operator"})
    assert signed_in.status_code == 302 and signed_in.location == "/"
    assert "Users exist already" in _create(runner).output


def test_a_weak_admin_password_is_refused(first_admin_settings, runner):
    first_admin_settings.update(ADMIN_USER="boss", ADMIN_PASSWORD="short")
    result = _create(runner)
    assert result.exit_code == 1 and "ADMIN_USER / ADMIN_PASSWORD: A password needs at least 10 characters." in result.output


def test_without_settings_a_random_password_is_printed_kept_and_must_be_changed(first_admin_settings, runner, anonymous,
                                                                                tmp_path):
    output = _create(runner).output
    password = re.search(r"\n    (\S+)\n", output).group(1)
    kept = tmp_path / "initial-admin-password"
    assert kept.read_text().strip() == password and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "Created the first admin “admin”" in output

    assert anonymous.post("/api/tokens", json={"username": "admin", "password": password, "name": "t"}).status_code == 403
    signed_in = anonymous.post("/login", data={"username": "admin", "password": password, "next": "/search"})
    assert signed_in.location == "/profile/password"
    for path in ("/", "/users", "/profile"):
        assert anonymous.get(path).location == "/profile/password", path
    assert anonymous.get("/api/me").status_code == 403
    assert "Choose your own password" in anonymous.get("/profile/password").text

    mismatch = anonymous.post("/profile/password", data={"current": password, "new": "my own passphrase", "repeat": "other"})
    assert mismatch.status_code == 400 and kept.exists()
    changed = anonymous.post("/profile/password", data={"current": password, "new": "my own passphrase",
                                                        "repeat": "my own passphrase"})
    assert changed.location == "/"
    assert not kept.exists(), "the file goes once the password is changed"
    assert anonymous.get("/api/me").json["role"] == "admin"
    assert anonymous.post("/api/tokens", json={"username": "admin", "password": password, "name": "t"}).status_code == 401
