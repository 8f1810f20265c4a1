"""X-Forwarded-* headers are believed only from the configured number of proxies (PROXY_HOPS)."""

import copy

import pytest
from flask import jsonify, request

from webapp import create_app
from webapp.accounts import access

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "totals.example",
             "X-Forwarded-Prefix": "/totals"}


def _seen_by_the_app(config, hops: int) -> dict:
    own = copy.copy(config)
    own.PROXY_HOPS = hops
    app = create_app(own)
    app.add_url_rule("/_seen", "seen", lambda: jsonify(
        client=request.remote_addr, scheme=request.scheme, host=request.host, root=request.script_root))
    access.declare(app, "seen", access.PUBLIC)
    return app.test_client().get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.2"}).json


@pytest.mark.parametrize("hops, seen", [
    (1, {"client": "203.0.113.7", "scheme": "https", "host": "totals.example", "root": "/totals"}),
    (0, {"client": "10.0.0.2", "scheme": "http", "host": "localhost", "root": ""}),
], ids=["behind nginx", "make run"])
def test_forwarded_headers_count_only_behind_a_configured_proxy(config, hops, seen):
    assert _seen_by_the_app(config, hops) == seen
