"""Configuration read from the environment, with safe defaults for local use."""

import os
from pathlib import Path

from webapp import runtime

INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))
# Written by `make run` (webapp/runner.py) while it runs: the settings its web and worker processes got.
RUNTIME_FILE = INSTANCE_DIR / "runtime.json"


def _running(path: Path) -> dict[str, str]:
    """Return the settings a live `make run` gave its processes; none when the environment names its own database."""
    if os.environ.get("DATABASE_URL"):
        return {}
    written = runtime.read(path)
    return written["settings"] if written else {}


_RUNNING = _running(RUNTIME_FILE)


def _setting(name: str, default: str = "") -> str:
    """Read a setting from the environment, else from the running `make run`, else the default."""
    return os.environ.get(name) or _RUNNING.get(name) or default


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Production-shaped settings; every value can come from the environment."""

    SECRET_KEY = _setting("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _setting("DATABASE_URL")
    # psycopg prepares a statement after 5 runs, and PostgreSQL may then switch it to a generic plan
    # that ignores the search words: for full-text search that changed latency by 6× either way.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "connect_args": {"options": "-c plan_cache_mode=force_custom_plan"},
    }
    REDIS_URL = _setting("REDIS_URL")
    ELASTICSEARCH_URL = _setting("ELASTICSEARCH_URL")
    ELASTICSEARCH_USERNAME = _setting("ELASTICSEARCH_USERNAME")
    ELASTICSEARCH_PASSWORD = _setting("ELASTICSEARCH_PASSWORD")
    ELASTICSEARCH_CA_CERTS = _setting("ELASTICSEARCH_CA_CERTS")
    ELASTICSEARCH_INDEX = _setting("ELASTICSEARCH_INDEX", "documents")
    # Files: an S3 bucket when S3_BUCKET is set (S3_ENDPOINT_URL for servers other than AWS; credentials and
    # region as boto3 reads them), else the folder UPLOAD_FOLDER. Either way each file is named by its sha256.
    UPLOAD_FOLDER = _setting("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    S3_BUCKET = _setting("S3_BUCKET")
    S3_ENDPOINT_URL = _setting("S3_ENDPOINT_URL")
    AWS_ACCESS_KEY_ID = _setting("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = _setting("AWS_SECRET_ACCESS_KEY")
    AWS_DEFAULT_REGION = _setting("AWS_DEFAULT_REGION")
    MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 50)
    # What one request may ask: files in one upload, multipart parts (files and fields) werkzeug reads,
    # and the size of one text field. werkzeug also holds each 64 KB piece of a file it reads to this
    # limit, so it must stay well above 64 (a field here is a few hundred bytes at most).
    MAX_FILES_PER_UPLOAD = _int("MAX_FILES_PER_UPLOAD", 100)
    MAX_FORM_PARTS = _int("MAX_FORM_PARTS", 250)
    MAX_FORM_FIELD_KB = _int("MAX_FORM_FIELD_KB", 500)
    # What one person may upload (services/pipeline/quota.py): files sent per moving window, accepted or
    # not (429 past it), and the size of the files their uploads keep (413 past it). "0" turns either off.
    UPLOAD_RATE = os.environ.get("UPLOAD_RATE", "1000 per hour")
    UPLOAD_QUOTA_MB = _int("UPLOAD_QUOTA_MB", 10_240)
    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed (nginx in
    # docker-compose: 1). 0 believes none: `make run` faces clients directly, who could claim anything.
    PROXY_HOPS = _int("PROXY_HOPS", 0)
    # Uncompressed bytes a workbook may declare before we refuse it as a zip bomb.
    MAX_UNZIPPED_MB = _int("MAX_UNZIPPED_MB", 500)
    # Largest workbook the worker reads, in cells and in sheets; each refusal names its limit.
    MAX_CELLS = _int("MAX_CELLS", 10_000_000)
    MAX_SHEETS = _int("MAX_SHEETS", 2_000)
    JOB_TIMEOUT_SECONDS = _int("JOB_TIMEOUT_SECONDS", 300)
    # Memory one workbook's read may take (its reader runs in a forked child, capped), so a hostile file cannot take the host down.
    JOB_MEMORY_MB = _int("JOB_MEMORY_MB", 2048)
    PROCESSING_LEASE_SECONDS = _int("PROCESSING_LEASE_SECONDS", 600)
    # How often workers look for stranded documents, and how long one may sit queued before it is re-sent.
    SWEEP_INTERVAL_SECONDS = _int("SWEEP_INTERVAL_SECONDS", 60)
    SEARCH_PAGE_SIZE = _int("SEARCH_PAGE_SIZE", 20)
    # A search (or find_regions) statement running longer is cancelled and answers "unavailable" (milliseconds);
    # Elasticsearch gets the same budget as its search timeout.
    SEARCH_STATEMENT_TIMEOUT_MS = _int("SEARCH_STATEMENT_TIMEOUT_MS", 5000)
    # Reuse sum_type, dashboard and PostgreSQL search answers while the database is unchanged
    # (services/answers/snapshot_cache.py); 0 computes every answer afresh (the bench measures both).
    SNAPSHOT_CACHE = os.environ.get("SNAPSHOT_CACHE", "1") != "0"
    # Operations (webapp/metrics.py, webapp/logs.py, webapp/system/). The folder where web processes and
    # workers on one machine share their metric values (make run: instance/metrics; unset: gunicorn and
    # worker.py each make a fresh temporary one). /metrics answers loopback, admins, or this bearer token.
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    METRICS_TOKEN = _setting("METRICS_TOKEN")
    # A worker serves its own metrics on this port (0: none; compose sets one, Prometheus scrapes each worker).
    WORKER_METRICS_PORT = _int("WORKER_METRICS_PORT", 0)
    # "json": one JSON object per line (production); "text": readable key=value lines (the default, make run).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    # How often a worker checks every total against its documents (0: only `flask totals check` and the System page).
    TOTALS_CHECK_INTERVAL_SECONDS = _int("TOTALS_CHECK_INTERVAL_SECONDS", 3600)
    # Tests only: kill or hold a job at a named point (services/pipeline/faults.py); empty does nothing.
    FAULT_INJECT = os.environ.get("FAULT_INJECT", "")
    # Pages speak the user's language (webapp/language.py); WTForms' own messages are translated too.
    BABEL_DEFAULT_LOCALE = "en"
    WTF_I18N_ENABLED = True
    FAULT_ONCE = os.environ.get("FAULT_ONCE", "")
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    REQUIRE_SECRET = True

    # Accounts (webapp/accounts/). The first admin, created when no user exists yet: without both,
    # `flask users create-first-admin` makes `admin` with a random password that must be changed.
    ADMIN_USER = os.environ.get("ADMIN_USER", "")
    ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")
    # Session cookie: never readable by scripts, not sent by other sites' forms; Secure behind HTTPS.
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Failed sign-ins allowed per username and per address before 429 (Flask-Limiter, stored in Redis).
    LOGIN_THROTTLE = os.environ.get("LOGIN_THROTTLE", "5 per minute")
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = False
    # argon2id cost of each password hash (argon2-cffi's defaults: ~0.15 s on 2 cores); tests use less.
    PASSWORD_HASH_TIME_COST = _int("PASSWORD_HASH_TIME_COST", 3)
    PASSWORD_HASH_MEMORY_KIB = _int("PASSWORD_HASH_MEMORY_KIB", 65536)

    # `make run` (webapp/runner.py): where it serves, how many workers and web processes it starts,
    # and the cache size of the embedded PostgreSQL it starts when DATABASE_URL is not set. S3=1 keeps files in an
    # embedded SeaweedFS under instance/s3 (and, once it holds them, `make run` and commands keep using it).
    INSTANCE_DIR = INSTANCE_DIR
    RUNTIME_FILE = RUNTIME_FILE
    EMBEDDED_S3 = os.environ.get("S3", "") == "1"
    HOST = os.environ.get("HOST", "127.0.0.1")
    PORT = _int("PORT", 8000)
    WORKERS = _int("WORKERS", 1)
    WEB_CONCURRENCY = _int("WEB_CONCURRENCY", 2)
    EMBEDDED_POSTGRES_SHARED_BUFFERS = os.environ.get("EMBEDDED_POSTGRES_SHARED_BUFFERS", "")

    # OpenAPI document and Swagger UI (flask-smorest), served without any CDN.
    API_TITLE = "Workbook totals API"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "api/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"

    @property
    def MAX_CONTENT_LENGTH(self) -> int:  # noqa: N802 - Flask reads this name
        return self.MAX_UPLOAD_MB * 1024 * 1024

    @property
    def MAX_FORM_MEMORY_SIZE(self) -> int:  # noqa: N802 - Flask reads this name
        return self.MAX_FORM_FIELD_KB * 1024

    @property
    def RATELIMIT_STORAGE_URI(self) -> str:  # noqa: N802 - Flask-Limiter reads this name
        # Sign-in throttling counts in the same Redis as the queue, so every web process shares the counts
        # (the `limits` library spells a Unix socket, as the embedded Redis uses, `redis+unix://`).
        url = self.REDIS_URL
        return "redis+" + url if url.startswith("unix://") else url


class TestConfig(Config):
    """Tests: URLs come from the test fixtures, CSRF is exercised explicitly."""

    TESTING = True
    REQUIRE_SECRET = False
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "")
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
    ELASTICSEARCH_URL = ""
    # Tests choose their file store per fixture (tests/fixtures_storage.py): the local folder unless asked.
    S3_BUCKET = S3_ENDPOINT_URL = AWS_ACCESS_KEY_ID = AWS_SECRET_ACCESS_KEY = ""
    WTF_CSRF_ENABLED = False
    # Cheap hashes: tests create and sign in hundreds of users.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
