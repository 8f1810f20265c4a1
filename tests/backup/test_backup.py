"""`flask backup create` / `restore`: a full installation restored into an empty one answers exactly the same;
damaged, altered or misplaced restores are refused before anything changes."""

import copy
import io
import json
import secrets
import shutil
import tarfile
import tempfile
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.fixtures_accounts import signed_in_client
from tests.fixtures_storage import empty_bucket, on_s3, run_jobs_in
from webapp import broker, create_app
from webapp.backup import postgres
from webapp.extensions import db

SEARCHES = ["anvil", "hammer", "12.5", "late", '"red hammer"', "-anvil hammer"]


def _psycopg_url(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


@pytest.fixture
def empty_installation(config, s3_server):
    """Make a fresh installation (a database with no schema at all, its own storage) on either backend."""
    made = []

    def make(backend: str):
        name = f"restore_{secrets.token_hex(4)}"
        with psycopg.connect(_psycopg_url(config.SQLALCHEMY_DATABASE_URI, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        own = on_s3(config, s3_server) if backend == "s3" else copy.copy(config)
        own.SQLALCHEMY_DATABASE_URI = make_url(config.SQLALCHEMY_DATABASE_URI).set(database=name).render_as_string(
            hide_password=False)
        own.UPLOAD_FOLDER = tempfile.mkdtemp(prefix="wb-restore-")
        app = create_app(own)
        made.append((app, name))
        return app

    yield make
    for app, name in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if app.config["S3_BUCKET"]:
            empty_bucket(app)
        shutil.rmtree(app.config["UPLOAD_FOLDER"], ignore_errors=True)
        with psycopg.connect(_psycopg_url(config.SQLALCHEMY_DATABASE_URI, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _upload(client, category, *files):
    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    response = client.post(f"/api/categories/{category}/files", data=data, content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    return [d["id"] for d in response.json["documents"]]


def _fill(app, make_workbook) -> None:
    """Several categories, files done, failed, queued, half-processed and deleted, one file in two categories."""
    client = signed_in_client(app)
    for name, region, type_ in [("asia_phones", "Asia", "phones"), ("eu_phones", "Europe", "phones"),
                                ("asia_tablets", "Asia", "tablets")]:
        assert client.post("/api/categories", json={"name": name, "region": region, "type": type_}).status_code == 201
    shared = make_workbook({"Stock": [["anvil", 12.5], ["red hammer", "0.1 kg"]]})
    broken = io.BytesIO()
    with __import__("zipfile").ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")
    _upload(client, "asia_phones", ("stock.xlsx", shared), ("tools.xlsx", make_workbook({"S": [["hammer", 0.2, 3]]})))
    _upload(client, "eu_phones", ("stock-eu.xlsx", shared), ("broken.xlsx", broken.getvalue()))
    (gone,) = _upload(client, "asia_tablets", ("gone.xlsx", make_workbook({"S": [[99]]})))
    run_jobs_in(app)
    assert client.post(f"/documents/{gone}/delete").status_code == 302
    _upload(client, "asia_tablets", ("late.xlsx", make_workbook({"S": [["late", 5]]})))
    (half,) = _upload(client, "asia_tablets", ("half.xlsx", make_workbook({"S": [[0.5]]})))
    with app.app_context():  # a worker claimed it and then vanished: processing, leased, not counted
        db.session.execute(text("UPDATE documents SET status = 'processing', attempts = 1, "
                                "lease_until = now() + interval '10 minutes' WHERE id = :id"), {"id": half})
        db.session.commit()


def _picture(app) -> dict:
    """Everything a user sees: categories and totals, every document, search and region answers, the files."""
    client = signed_in_client(app)
    with app.app_context():
        documents = [tuple(row) for row in db.session.execute(text(
            "SELECT d.id, c.name, d.filename, d.sha256, d.size, d.status, d.total, d.counted_total, d.error, "
            "d.text, d.attempts FROM documents d JOIN categories c ON c.id = d.category_id ORDER BY d.id"))]
        db.session.remove()
    hits = {q: client.get("/api/search", query_string={"q": q}).json["hits"] for q in SEARCHES}
    searches = {q: [(hit["document_id"], hit["highlights"], hit["locations"]) for hit in found] for q, found in hits.items()}
    return {
        "categories": client.get("/api/categories").json,
        "types": [client.get(f"/api/types/{t}/sum").json for t in ("phones", "tablets")],
        "documents": documents,
        "searches": searches,
        "regions": [client.get("/api/regions", query_string={"term": t}).json for t in ("anvil", "hammer")],
        "files": {row[0]: client.get(f"/documents/{row[0]}/download").data for row in documents},
    }


@pytest.mark.parametrize(("source_backend", "target_backend"), [("s3", "local"), ("local", "s3")])
def test_a_backup_restores_into_an_empty_installation_with_identical_answers(
    source_backend, target_backend, app, s3_app, empty_installation, make_workbook, tmp_path
):
    source = s3_app if source_backend == "s3" else app
    _fill(source, make_workbook)
    before = _picture(source)
    assert before["searches"]["anvil"] and before["regions"][0]["regions"] == ["Asia", "Europe"]
    archive = tmp_path / "backup.tar"

    made = source.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert made.exit_code == 0, made.output
    assert "3 categories, 6 documents, 5 files" in made.output

    target = empty_installation(target_backend)
    with target.app_context():
        broker.connection().flushdb()  # the new installation's queue is its own (the tests share one Redis)
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Proven: totals check is clean" in restored.output and "2 unfinished document(s) were queued" in restored.output

    after = _picture(target)
    for key in before:
        assert after[key] == before[key], key
    assert target.test_cli_runner().invoke(args=["storage", "check"]).exit_code == 0
    assert target.test_cli_runner().invoke(args=["search", "check"]).exit_code == 0
    # The restored installation carries on: its queued and half-processed files are counted once.
    run_jobs_in(target)
    assert signed_in_client(target).get("/api/categories/asia_tablets").json["total"] == "5.5"
    assert target.test_cli_runner().invoke(args=["totals", "check"]).exit_code == 0


def _small_backup(app, make_workbook, path: Path) -> None:
    client = signed_in_client(app)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    _upload(client, "phones", ("a.xlsx", make_workbook({"S": [["anvil", 1.5]]})))
    run_jobs_in(app)
    made = app.test_cli_runner().invoke(args=["backup", "create", str(path)])
    assert made.exit_code == 0, made.output


def _untouched(app) -> bool:
    with app.app_context():
        untouched = db.session.execute(text("SELECT to_regclass('public.categories') IS NULL")).scalar()
        db.session.remove()
    return untouched and not any(Path(app.config["UPLOAD_FOLDER"]).rglob("*"))


def test_a_cut_short_or_altered_archive_is_refused_and_nothing_changes(app, empty_installation, make_workbook, tmp_path):
    whole = tmp_path / "whole.tar"
    _small_backup(app, make_workbook, whole)
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    altered = tmp_path / "altered.tar"
    shutil.copy(whole, altered)
    with tarfile.open(whole) as tar:
        offset = next(m for m in tar.getmembers() if m.name.startswith("files/")).offset_data
    with altered.open("r+b") as handle:  # one byte of the stored workbook changed, the manifest left as it was
        handle.seek(offset + 40)
        byte = handle.read(1)
        handle.seek(offset + 40)
        handle.write(bytes([byte[0] ^ 0xFF]))

    hostile = tmp_path / "hostile.tar"  # a manifest rewritten to smuggle a name into SQL
    with tarfile.open(whole) as source, tarfile.open(hostile, "w") as target_tar:
        for member in source.getmembers():
            body = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(body)
                manifest["counts"]["rows"]['documents"; DROP TABLE categories; --'] = 0
                body = json.dumps(manifest).encode()
                member.size = len(body)
            target_tar.addfile(member, io.BytesIO(body))

    target = empty_installation("local")
    runner = target.test_cli_runner()
    for archive, reason in [(cut, "cut short"), (altered, "does not match its manifest"), (hostile, "was altered")]:
        refused = runner.invoke(args=["backup", "restore", str(archive)])
        assert refused.exit_code == 1 and reason in refused.output and "Nothing was restored" in refused.output
        assert _untouched(target), archive.name
    assert runner.invoke(args=["backup", "restore", str(whole)]).exit_code == 0


def test_restoring_into_an_installation_that_holds_data_is_refused(app, make_workbook, tmp_path):
    archive = tmp_path / "backup.tar"
    _small_backup(app, make_workbook, archive)
    refused = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code == 1 and "only into an empty installation" in refused.output
    assert signed_in_client(app).get("/api/categories/phones").json["total"] == "1.5"
    again = app.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert again.exit_code == 1 and "exists already" in again.output, "a backup is never overwritten"


def test_backup_tools_must_match_the_servers_major_version(app):
    with app.app_context():
        major = postgres.server_major()
        assert postgres.find_tools(major).major == major
        with pytest.raises(postgres.ToolsUnavailable, match=f"PostgreSQL {major - 1}.*found pg_dump {major}"):
            postgres.find_tools(major - 1)
    assert postgres.parse_major("pg_dump (PostgreSQL) 18.6") == 18


def test_an_older_backup_is_brought_forward_by_the_migrations(empty_installation, make_workbook, tmp_path):
    older = empty_installation("local")
    with older.app_context():
        upgrade()
        script = ScriptDirectory.from_config(older.extensions["migrate"].migrate.get_config())
        head = script.get_current_head()
        previous = script.get_revision(head).down_revision
    client = signed_in_client(older)
    client.post("/api/categories", json={"name": "phones", "region": "Asia", "type": "phones"})
    _upload(client, "phones", ("a.xlsx", make_workbook({"S": [["anvil", 1.5]]})))
    run_jobs_in(older)
    with older.app_context():
        downgrade(revision=previous)  # as if the backup had been made by the version before the newest migration
    archive = tmp_path / "older.tar"
    assert older.test_cli_runner().invoke(args=["backup", "create", str(archive)]).exit_code == 0
    assert json.loads(tarfile.open(archive).extractfile("manifest.json").read())["alembic_revision"] == previous

    target = empty_installation("s3")
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        db.session.remove()
    assert signed_in_client(target).get("/api/categories/phones").json["total"] == "1.5"
    assert [h["document_id"] for h in signed_in_client(target).get("/api/search?q=anvil").json["hits"]] == [1]
