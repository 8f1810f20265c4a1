"""No upload can make a search expensive: the work of locating and highlighting is bounded by the page shown,
and a search statement that runs too long is cancelled with a plain answer.
"""

import threading

from sqlalchemy import text

from tests.fixtures_files import csv_bytes
from webapp.extensions import db
from webapp.search import highlight
from webapp.search.highlight import MATCHES_PER_DOCUMENT, MATCHES_PER_REQUEST

REPEATS = 10_900
FILES = 6


def _crafted(number: int) -> bytes:
    """A CSV like the issue's (~490 KB): one cell of `qq ` repeated 10,900 times, and thousands of rows saying qq."""
    rows = [["note", "amount"], ["qq " * REPEATS, "1"]]
    rows += [[f"qq line {number}-{i} qq qq", str(i)] for i in range(17_000)]
    return csv_bytes(rows)


def test_a_search_over_crafted_files_looks_at_a_bounded_number_of_matches(client, api, run_jobs):
    api.create_category("crafted")
    uploads = [(f"qq{n}.csv", _crafted(n)) for n in range(FILES)]
    assert all(len(data) > 450_000 for _, data in uploads)
    api.upload("crafted", *uploads)
    run_jobs()
    highlight.work.matches = 0
    response = client.get("/api/search", query_string={"q": "qq"})
    assert response.status_code == 200
    hits = response.json["hits"]
    assert len(hits) == FILES and all(hit["locations"] for hit in hits)
    assert hits[0]["locations"][0]["cell"] in ("A2", "A3")
    # The files hold about 350,000 matches; the search looked at no more than its budget allows.
    looked_at = highlight.work.matches
    assert 0 < looked_at <= min(MATCHES_PER_REQUEST, FILES * MATCHES_PER_DOCUMENT)
    highlight.work.matches = 0
    client.get("/api/search", query_string={"q": '"qq qq" line'})
    assert 0 < highlight.work.matches <= FILES * MATCHES_PER_DOCUMENT


def test_a_search_statement_past_its_time_limit_answers_unavailable(app, client, api, make_workbook, run_jobs):
    api.create_category("slow")
    api.upload("slow", ("a.xlsx", make_workbook({"S": [["lantern", 1]]})))
    run_jobs()
    before, app.config["SEARCH_STATEMENT_TIMEOUT_MS"] = app.config["SEARCH_STATEMENT_TIMEOUT_MS"], 300
    locked, release = threading.Event(), threading.Event()

    def hold_the_chunks() -> None:
        # Another session holding the table makes any search statement wait: the timeout must end the wait.
        with app.app_context():
            db.session.execute(text("LOCK TABLE document_chunks IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(30)
            db.session.rollback()

    holder = threading.Thread(target=hold_the_chunks)
    holder.start()
    try:
        assert locked.wait(10)
        response = client.get("/api/search", query_string={"q": "lantern", "page": 2})
        regions = client.get("/api/regions", query_string={"term": "lantern"})
    finally:
        release.set()
        holder.join(30)
        app.config["SEARCH_STATEMENT_TIMEOUT_MS"] = before
    assert response.status_code == 503 and "unavailable" in response.json["error"]
    assert regions.status_code == 503
    assert client.get("/api/search", query_string={"q": "lantern"}).json["total"] == 1
