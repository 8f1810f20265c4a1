"""schemathesis against /api/openapi.json with every check on: the API answers as its document says, and never 500.

The app is served for real (werkzeug's threaded server, in this process, on the test database) and schemathesis
runs all its phases (examples, coverage, fuzzing, stateful) with a fixed seed and a bounded number of examples.
Each request is signed in with a new admin's token, so a request that disables, deletes or revokes its own
account cannot sign the rest out.
"""

import logging
import threading

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from werkzeug.serving import make_server

from tests.fixtures_accounts import make_user, token_for

EXAMPLES_PER_OPERATION = 10
CONFIG = {
    "seed": 14,
    "workers": 1,
    "generation": {
        "max-examples": EXAMPLES_PER_OPERATION,
        # A NUL character is refused with 400 on every field (webapp/input_guard.py, tests/web/test_odd_input.py),
        # a rule of the whole API rather than of one field's schema.
        "allow-x00": False,
        # No example database: every run generates the same cases from the seed, whatever an earlier run found.
        "database": "none",
    },
    "operations": [{
        # Whether a file is a workbook is judged from its bytes, which no schema can say: a valid upload request
        # carrying a PNG is refused with 400 and the reason.
        "include-name": "POST /api/categories/{name}/files",
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}},
    }] + [{
        # Whether a string is a real instant (`as_of`, `since`, `until`: ISO 8601, a calendar date) no schema
        # pattern can say either: one that is not is refused with 400 and the reason, as the API promises.
        "include-name": name,
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404"]}},
    } for name in ("GET /api/categories/{name}", "GET /api/types/{type}/sum", "GET /api/audit")],
}


class _Server:
    """The app served over HTTP on a free port, for as long as the `with` block lasts."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _failures(stream) -> tuple[list[str], int]:
    """Collect every failed check and engine error of a schemathesis run, and count the requests it made."""
    found, requests = [], 0
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            requests += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                found += [f"{event.recorder.label} · {c.name}: {c.failure_info.failure.title}\n"
                          f"{c.failure_info.failure.message}\n{c.failure_info.code_sample}"
                          for c in checks if c.failure_info is not None]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"{getattr(event, 'label', 'run')}: {getattr(event, 'value', None) or event.exception!r}")
    return found, requests


@pytest.mark.slow  # about 30 s of requests: left out of `make test-fast`
def test_the_api_keeps_its_documented_contract(app):
    admin = {"Authorization": f"Bearer {token_for(app, make_user(app, 'admin'))}"}
    with _Server(app) as server:
        schema = schemathesis.openapi.from_url(f"{server.base}/api/openapi.json", headers=admin,
                                               config=SchemathesisConfig.from_dict(CONFIG))

        @schema.auth(refresh_interval=None)
        class FreshAdmin:
            def get(self, case, context):
                return token_for(app, make_user(app, "admin"))

            def set(self, case, token, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

        failures, requests = _failures(schemathesis.engine.from_schema(schema).execute())
    assert not failures, f"{len(failures)} failures in {requests} requests:\n\n" + "\n\n".join(failures)
    print(f"schemathesis: {requests} requests")
    assert requests > 300, "the run stopped early"
