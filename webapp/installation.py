"""The local installation under instance/: the embedded servers `make run` and `flask …` start, its secret key."""

import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from webapp.config import Config
from webapp.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedS3


def uses_embedded_s3(folder: Path, given: Mapping[str, str]) -> bool:
    """Tell whether this installation keeps its files in an embedded SeaweedFS: asked with S3=1, or done so before."""
    return not given.get("S3_BUCKET") and (Config.EMBEDDED_S3 or (folder / "s3").is_dir())


def start_servers(folder: Path, given: Mapping[str, str], servers: list,
                  say: Callable[[str], None] = lambda line: None) -> dict[str, str]:
    """Start an embedded server for each of PostgreSQL, Redis and SeaweedFS that `given` does not name.

    Return the settings that reach them; each started server is appended to `servers`, for the caller to stop.
    """
    settings: dict[str, str] = {}
    if not given.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(folder / "postgres")
        settings["DATABASE_URL"] = postgres.start("workbooks")
        servers.append(postgres)
        say(f"embedded PostgreSQL with data in {folder / 'postgres'}: DATABASE_URL={settings['DATABASE_URL']}")
    if not given.get("REDIS_URL"):
        redis = EmbeddedRedis(folder / "redis")
        settings["REDIS_URL"] = redis.start()
        servers.append(redis)
        say(f"embedded Redis with data in {folder / 'redis'}: REDIS_URL={settings['REDIS_URL']}")
    if uses_embedded_s3(folder, given):
        s3 = EmbeddedS3(folder / "s3")
        settings.update(s3.start())
        servers.append(s3)
        say(f"embedded SeaweedFS with files in {folder / 's3'}: S3_ENDPOINT_URL={s3.endpoint_url} S3_BUCKET={s3.bucket}")
    return settings


def secret_key(folder: Path) -> str:
    """Return this installation's secret key, generated into instance/secret_key the first time."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
