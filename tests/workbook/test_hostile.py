"""Hostile and broken files: each gets a clear reason, nothing is counted, and the worker stays up."""

import io
import random
import string
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.fixtures_files import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    burst_worker,  # noqa: F401 - a fixture
    csv_bytes,
    deflate_bomb,
    encrypted_xlsx_bytes,
    far_cell_workbook,
    sheet_xml,
    xlsx_bytes,
    xlsx_with_sheet_xml,
    zip_with_raw_entry,
)
from webapp.extensions import db
from webapp.workbook.extract import ExtractionError, Limits, extract


@pytest.fixture
def read_limited(tmp_path):
    """Extract bytes directly, under the given limits."""

    def run(content: bytes, limits: Limits):
        path = tmp_path / "upload"
        path.write_bytes(content)
        return extract(path, limits)

    return run


def _stored(app) -> tuple[int, list[Path]]:
    with app.app_context():
        documents = db.session.execute(text("SELECT count(*) FROM documents")).scalar()
        db.session.remove()
    return documents, [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb_by_ratio() -> bytes:
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    deflated = deflate_bomb(head, b"<row><c><v>1</v></c></row>" * 4000, 2000, b"</sheetData></worksheet>")
    return zip_with_raw_entry(xlsx_bytes({"S": [[1]]}), "xl/worksheets/sheet1.xml", deflated)


def _too_many_parts() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(10_001):
            archive.writestr(f"xl/media/{i}.bin", b"")
    return buffer.getvalue()


def _entities_in_workbook_part() -> bytes:
    content = xlsx_bytes({"S": [[1]]})
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"?>", b"?>" + EXTERNAL_ENTITY.encode(), 1)
            target.writestr(item.filename, data)
    return buffer.getvalue()


def _utf16_entity_sheet() -> bytes:
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', prolog=BILLION_LAUGHS).decode()
    return xlsx_with_sheet_xml(xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))


LAUGHING_CELL = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'


@pytest.mark.parametrize(
    "filename, content, reason",
    [
        ("laughs.xlsx", xlsx_with_sheet_xml(sheet_xml(LAUGHING_CELL, prolog=BILLION_LAUGHS)), "declares XML entities"),
        ("external.xlsx", xlsx_with_sheet_xml(sheet_xml("", prolog=EXTERNAL_ENTITY)), "declares XML entities"),
        ("external-book.xlsx", _entities_in_workbook_part(), "declares XML entities"),
        ("utf16-laughs.xlsx", _utf16_entity_sheet(), "declares XML entities"),
        ("bomb.xlsx", _bomb_by_ratio(), "zip bombs"),
        ("parts.xlsx", _too_many_parts(), "at most 10,000"),
        ("locked.xlsx", encrypted_xlsx_bytes(), "is password-protected"),
        ("truncated.xlsx", xlsx_bytes({"S": [[1, 2]] * 50})[:900], "damaged"),
        ("program.xlsx", Path(sys.executable).read_bytes()[:200_000], "is a program"),
        ("page.csv", b"<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>", "web page"),
        ("empty.ods", b"", "is empty"),
        ("binary.xlsb", _zip({"xl/workbook.bin": b"\0" * 64}), "Excel binary workbook (.xlsb)"),
        ("letter.xlsx", _zip({"word/document.xml": b"<w:document/>"}), "Word or PowerPoint file"),
    ],
)
def test_hostile_uploads_are_refused_with_the_reason_and_nothing_is_kept(api, app, filename, content, reason):
    api.create_category("c")
    response = api.upload("c", (filename, content))
    assert response.status_code == 400, response.json
    assert reason in response.json["error"] and filename in response.json["error"]
    assert _stored(app) == (0, [])


def test_password_protected_workbook_message(api):
    api.create_category("c")
    error = api.upload("c", ("locked.xlsx", encrypted_xlsx_bytes())).json["error"]
    assert error.startswith("“locked.xlsx” is password-protected.")


@pytest.fixture
def outcome(api, run_jobs):
    """Upload one file next to a good one, run the worker, return the first document's JSON."""

    def upload(filename: str, content: bytes):
        api.create_category("c")
        response = api.upload("c", (filename, content), ("good.xlsx", xlsx_bytes({"S": [[7]]})))
        assert response.status_code == 202, response.json
        first, good = response.json["documents"]
        run_jobs()
        assert api.document(good["id"])["status"] == "done"
        return api.document(first["id"])

    return upload


def test_thousands_of_sheets_over_the_limit_fail_naming_it(outcome, client):
    sheets = {f"S{i}": [[1]] for i in range(2_001)}
    document = outcome("sheets.xlsx", xlsx_bytes(sheets, compresslevel=1))
    assert document["status"] == "failed"
    assert document["error"] == "This workbook has 2,001 sheets; at most 2,000 sheets per workbook can be read."
    assert client.get("/api/categories/c").json["total"] == "7"


def test_hundreds_of_sheets_within_the_limit_are_read(outcome):
    document = outcome("sheets.xlsx", xlsx_bytes({f"S{i}": [[i]] for i in range(300)}, compresslevel=1))
    assert document["status"] == "done" and document["total"] == str(sum(range(300)))


def test_a_declared_size_is_not_judged_only_the_cells_really_there(outcome):
    # LibreOffice declares A1:AMJ1048576 (a billion cells) for a sheet of four rows.
    content = xlsx_bytes({"Sheet1": [[1, 2], [3, "4 kg"], [5], [6]]}, dimensions={"Sheet1": "A1:AMJ1048576"})
    document = outcome("libreoffice.xlsx", content)
    assert document["status"] == "done" and document["total"] == "21"


def test_a_real_cell_bomb_is_stopped_before_parsing(read_limited):
    # 1.2 million real cells against a limit of 100,000: counted in the XML, refused before any parser runs.
    content = xlsx_bytes({"Bomb": [[1] * 40] * 30_000}, compresslevel=1)
    with pytest.raises(ExtractionError, match=r"more than 100,000 cells \(reached in sheet “Bomb”\)"):
        read_limited(content, Limits(max_cells=100_000))


def test_a_sheet_past_a_million_rows_is_read(outcome, app):
    cells = '<row r="1"><c r="A1"><v>5</v></c></row><row r="1048576"><c r="A1048576"><v>2</v></c></row>'
    document = outcome("tall.xlsx", xlsx_with_sheet_xml(sheet_xml(cells)))
    assert document["status"] == "done" and document["total"] == "7"


def test_a_million_character_cell_is_read_and_cut_for_search(outcome, app):
    rnd = random.Random(7)
    words = " ".join("".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(2, 9))) for _ in range(170_000))
    assert len(words) > 1_000_000
    document = outcome("long.xlsx", xlsx_bytes({"S": [[words + " 42"]]}))
    assert document["status"] == "done" and document["total"] == "42"
    with app.app_context():
        row = db.session.execute(text("SELECT length(text), breakdown FROM documents WHERE id = :id"), {"id": document["id"]}).one()
        db.session.remove()
    assert row[0] < 40_000 and row[1]["cut_cells"] == 1


def test_a_damaged_sheet_fails_in_the_worker_with_a_reason(outcome):
    broken = xlsx_with_sheet_xml(b'<?xml version="1.0"?><worksheet><sheetData><row><c><v>1</v></row></worksheet>')
    document = outcome("broken.xlsx", broken)
    assert document["status"] == "failed" and "damaged" in document["error"]


def test_a_csv_that_stops_being_text_fails_with_a_reason(outcome):
    content = csv_bytes([["a", "b"], ["1", "2"]] * 40_000) + b"\x81\x82,\xff\xfe\n"
    document = outcome("mixed.csv", content)
    assert document["status"] == "failed" and "not valid UTF-8 text" in document["error"]


def _queue_uploads(api, *files):
    api.create_category("c")
    response = api.upload("c", *files)
    assert response.status_code == 202, response.json
    return [d["id"] for d in response.json["documents"]]


def test_the_memory_cap_stops_a_file_the_size_checks_let_through(api, client, burst_worker):  # noqa: F811
    # 2 KB on disk, honest zip sizes, no <dimension>: only reading it shows it needs ~670 MB.
    bomb, good = _queue_uploads(api, ("wide.xlsx", far_cell_workbook("T1048576")), ("good.xlsx", xlsx_bytes({"S": [[7]]})))
    finished = burst_worker(JOB_MEMORY_MB="512")
    assert finished.returncode == 0, finished.stderr[-3000:]
    document = api.document(bomb)
    assert document["status"] == "failed", finished.stderr[-3000:]
    assert "more memory than one file may use" in document["error"]
    assert document["failure_kind"] == "memory"  # fails the same way again: its page offers no Retry
    assert api.document(good)["status"] == "done"
    assert client.get("/api/categories/c").json["total"] == "7"
    # The same file under the default cap gets as far as the cell limit, which then refuses it.
    api.create_category("d")
    again = api.upload("d", ("wide.xlsx", far_cell_workbook("T1048576"))).json["documents"][0]["id"]
    assert burst_worker().returncode == 0
    assert "more than 10,000,000 cells" in api.document(again)["error"]


def test_a_file_that_kills_the_reader_fails_with_a_reason_and_the_worker_goes_on(api, client, burst_worker):  # noqa: F811
    # Cells at A1 and XFD1048576: 17 billion grid cells, an allocation no machine grants.
    bomb, good = _queue_uploads(api, ("far.xlsx", far_cell_workbook()), ("good.xlsx", xlsx_bytes({"S": [[7]]})))
    finished = burst_worker()
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "more memory than one file may use" in api.document(bomb)["error"]
    assert api.document(good)["status"] == "done"


def test_a_job_past_its_time_limit_fails_naming_the_limit(api, app, client, burst_worker, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "JOB_TIMEOUT_SECONDS", 1)
    # About four million cells of CSV: several seconds of reading, far past a one-second limit.
    slow = csv_bytes([[str(i % 97) for i in range(20)]] * 200_000)
    (slow_id,) = _queue_uploads(api, ("slow.csv", slow))
    monkeypatch.setitem(app.config, "JOB_TIMEOUT_SECONDS", 60)
    good = api.upload("c", ("good.xlsx", xlsx_bytes({"S": [[7]]}))).json["documents"][0]["id"]
    finished = burst_worker()
    assert finished.returncode == 0, finished.stderr[-3000:]
    document = api.document(slow_id)
    assert document["status"] == "failed", finished.stderr[-3000:]
    assert document["error"] == "Processing took longer than the 1-second limit for one file, so it was stopped."
    assert document["failure_kind"] == "timeout"  # a less busy worker may finish it: its page offers Retry
    assert api.document(good)["status"] == "done"
    assert client.get("/api/categories/c").json["total"] == "7"
