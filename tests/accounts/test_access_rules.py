"""Every route has an access rule, and the rules hold: one table walks the app's URL map.

A new route without `@access.<rule>` under its `@bp.route` fails here. For each route and method:
nobody signed in is sent to /login (pages) or gets 401 JSON (/api); a role too low gets 403; a user
limited to another region gets exactly what a missing category or file gets; the right role passes.
"""

import io
import itertools

from flask import url_for

from tests.fixtures_accounts import make_user, sign_in
from webapp.accounts import access
from webapp.models import Role

METHODS = ("GET", "POST", "PATCH", "DELETE")
_serial = itertools.count(1)


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield rule, method


def test_every_route_declares_an_access_rule(app):
    missing = sorted({rule.endpoint for rule, _ in _routes(app) if access.rule_for(rule.endpoint, app) is None})
    assert not missing, f"routes without an access rule (add @access.<rule> under @bp.route): {missing}"


def _things(app, admin_client, make_workbook) -> dict:
    """A fresh Asia category with one file, a user and its token: what one request may change or delete."""
    n = next(_serial)
    name = f"asia-{n}"
    assert admin_client.post("/api/categories", json={"name": name, "region": "Asia", "type": "phones"}).status_code == 201
    upload = admin_client.post(f"/api/categories/{name}/files", content_type="multipart/form-data",
                               data={"file": [(io.BytesIO(make_workbook({"S": [[n]]})), f"file-{n}.xlsx")]})
    account = make_user(app, "viewer", username=f"someone-{n}")
    token = admin_client.post("/api/tokens", json={"username": account.username, "password": "correct horse battery",
                                                   "name": "t"})
    return {"name": name, "document_id": upload.json["documents"][0]["id"], "username": account.username,
            "token_id": token.json["id"], "type": "phones", "filename": f"file-{n}.xlsx", "format": "csv"}


_MISSING = {"name": "no-such-category", "document_id": 987654, "username": "nobody-at-all", "token_id": 987654,
            "type": "no-such-type", "filename": "css/app.css", "format": "csv"}


def _url(app, rule, values: dict) -> str:
    values = {**values, "filename": "swagger-ui.css" if rule.endpoint == "docs_assets.static" else "css/app.css"}
    with app.test_request_context():
        return url_for(rule.endpoint, **{key: values[key] for key in rule.arguments})


def _send(client, method: str, url: str):
    if url.startswith("/api/"):
        answer = client.open(url, method=method, json={} if method in ("POST", "PATCH") else None)
    else:
        answer = client.open(url, method=method, data={} if method == "POST" else None)
    # Read and close it as a server does: a streamed answer (a CSV export) holds its request's context until then.
    answer.get_data()
    answer.close()
    return answer


def _lower_role(role: Role) -> str | None:
    return list(Role)[role.rank - 1].value if role.rank else None


def test_every_route_refuses_the_anonymous_and_the_wrong_role_and_lets_the_right_one_in(app, client, make_workbook):
    failures = []
    for rule, method in _routes(app):
        where = f"{method} {rule.rule}"
        required = access.rule_for(rule.endpoint, app)
        if required is None:
            continue  # reported by test_every_route_declares_an_access_rule
        values = _things(app, client, make_workbook)
        url = _url(app, rule, values)
        answer = _send(app.test_client(), method, url)
        if required.role is None:
            # (Signing in with no credentials answers 401 on purpose: that is the sign-in saying no, not the rule.)
            if answer.status_code == 403 or answer.status_code == 302 and answer.location.startswith("/login"):
                failures.append(f"{where}: public, yet {answer.status_code} for the anonymous")
            continue
        if url.startswith("/api/"):
            if answer.status_code != 401 or "error" not in (answer.json or {}):
                failures.append(f"{where}: anonymous got {answer.status_code}, not 401 JSON")
        elif answer.status_code != 302 or not answer.location.startswith("/login"):
            failures.append(f"{where}: anonymous got {answer.status_code} {answer.location}, not a redirect to /login")

        lower = _lower_role(required.role)
        if lower and not required.before_password_change:
            answer = _send(sign_in(app.test_client(), make_user(app, lower)), method, url)
            if answer.status_code != 403:
                failures.append(f"{where}: a {lower} got {answer.status_code}, not 403")

        if rule.arguments & {"name", "document_id", "type"}:
            # Limited to another region, with every right otherwise: the Asia category looks like none at all.
            europe = sign_in(app.test_client(), make_user(app, "admin", ["Europe"]))
            hidden, missing = _send(europe, method, url), _send(europe, method, _url(app, rule, _MISSING))
            if hidden.status_code != missing.status_code or hidden.status_code not in (302, 404):
                failures.append(f"{where}: another region's answer {hidden.status_code} ≠ a missing one's {missing.status_code}")
            if values["filename"].encode() in hidden.get_data():
                failures.append(f"{where}: another region's file name leaked")

        right = sign_in(app.test_client(), make_user(app, required.role.value))
        answer = _send(right, method, url)
        signing_out = rule.endpoint == "people.logout"  # lands on /login by design
        if answer.status_code in (401, 403) or (answer.status_code == 302 and answer.location.startswith("/login")
                                                 and not signing_out):
            failures.append(f"{where}: a {required.role} was refused with {answer.status_code}")
    assert not failures, "\n".join(failures)


def test_operations_routes_declare_their_rules(app):
    rules = {endpoint: access.rule_for(endpoint, app) for endpoint in (
        "system.system_page", "system.retry_all_failed", "system.rebuild_search", "system.check_totals",
        "api.system_facts", "system.metrics_view")}
    assert {endpoint: rule.name for endpoint, rule in rules.items()} == {
        "system.system_page": "admin", "system.retry_all_failed": "admin", "system.rebuild_search": "admin",
        "system.check_totals": "admin", "api.system_facts": "admin",
        # A scraper has no account: the view itself admits loopback, METRICS_TOKEN or an admin (tests/system).
        "system.metrics_view": "public",
    }


def test_export_routes_declare_their_rules(app):
    endpoints = ("api.export_totals", "api.export_files", "api.export_search", "api.export_history")
    # A download needs exactly what the JSON it formats needs.
    assert {endpoint: access.rule_for(endpoint, app).name for endpoint in endpoints} == dict.fromkeys(endpoints, "viewer")
    assert access.rule_for("api.export_history", app).name == access.rule_for("api.category_history", app).name
