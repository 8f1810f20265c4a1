"""The production stack as files: docker-compose.yml is valid Compose and gives the app what it reads."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# check-jsonschema's wheel ships the Compose Specification as a builtin schema: nothing outside the repository.
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
APP_SERVICES = ("migrate", "web", "worker")
# What webapp/config.py and the worker need to run against the stack's services.
APP_SETTINGS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ELASTICSEARCH_URL", "ELASTICSEARCH_USERNAME",
                "ELASTICSEARCH_PASSWORD", "UPLOAD_FOLDER")
_REFERENCE = re.compile(r"\$\{(\w+)(:?[-?])?([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    """docker-compose.yml as Compose reads it (anchors and merge keys resolved)."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _environment(service: dict) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#"))


def test_compose_file_follows_the_compose_specification():
    checked = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True, timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_stack_has_every_service_with_a_healthcheck_where_others_wait(compose):
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "elasticsearch", "migrate", "web", "worker"}
    for name in ("postgres", "redis", "elasticsearch", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["sh", "-c", "flask db upgrade && flask users create-first-admin"]
    assert services["migrate"]["restart"] == "no"
    assert "gunicorn" in services["web"]["command"] and "wsgi:app" in services["web"]["command"]
    assert services["worker"]["command"] == ["python", "worker.py"]


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_starts_after_migrations_and_healthy_services(compose, name):
    depends = compose["services"][name]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    for service in ("postgres", "redis", "elasticsearch"):
        assert depends[service]["condition"] == "service_healthy", service
    assert compose["services"]["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_worker_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_containers_get_every_setting_the_app_reads(compose, name):
    environment = _environment(compose["services"][name])
    assert set(APP_SETTINGS) <= set(environment)
    config = (ROOT / "webapp" / "config.py").read_text()
    for key in set(environment) - {"FLASK_APP"}:
        assert f'"{key}"' in config, f"{key} is set in docker-compose.yml but webapp/config.py never reads it"
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379")
    assert environment["ELASTICSEARCH_URL"].startswith(("http://elasticsearch:9200", "https://elasticsearch:9200"))


def test_uploads_and_databases_live_in_named_volumes(compose):
    volumes = set(compose["volumes"])
    services = compose["services"]

    def mounts(name: str) -> dict[str, str]:
        return dict(entry.split(":")[:2][::-1] for entry in services[name]["volumes"])

    upload_folder = _environment(services["web"])["UPLOAD_FOLDER"]
    for name in ("web", "worker"):
        assert mounts(name)[upload_folder] in volumes, name
    assert mounts("web")[upload_folder] == mounts("worker")[upload_folder]
    for name, path in (("postgres", "/var/lib/postgresql"), ("redis", "/data"),
                       ("elasticsearch", "/usr/share/elasticsearch/data")):
        assert mounts(name)[path] in volumes, name


def test_redis_keeps_jobs_and_elasticsearch_is_secured(compose):
    redis = " ".join(compose["services"]["redis"]["command"])
    assert "--appendonly yes" in redis and "--maxmemory-policy noeviction" in redis
    elastic = _environment(compose["services"]["elasticsearch"])
    assert elastic["discovery.type"] == "single-node"
    assert elastic["xpack.security.enabled"] == "true"
    assert elastic["ELASTIC_PASSWORD"].startswith("${ELASTIC_PASSWORD")
    assert _environment(compose["services"]["web"])["ELASTICSEARCH_PASSWORD"].startswith("${ELASTIC_PASSWORD")


def test_migrate_creates_the_first_admin_from_the_environment_and_cookies_are_secure(compose):
    migrate = _environment(compose["services"]["migrate"])
    assert migrate["ADMIN_USER"].startswith("${ADMIN_USER") and migrate["ADMIN_PASSWORD"].startswith("${ADMIN_PASSWORD")
    assert set(APP_SETTINGS) <= set(migrate)
    assert "ADMIN_PASSWORD" not in _environment(compose["services"]["web"]), "the password stays with the one-shot service"
    assert _environment(compose["services"]["web"])["SESSION_COOKIE_SECURE"] == "${SESSION_COOKIE_SECURE:-true}"
    assert {"ADMIN_USER", "ADMIN_PASSWORD", "SESSION_COOKIE_SECURE"} <= set(_env_example())


def test_env_example_defines_every_required_variable():
    text = (ROOT / "docker-compose.yml").read_text()
    required = {name for name, operator, _ in _REFERENCE.findall(text) if operator in ("?", ":?")}
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ELASTIC_PASSWORD"} <= required
    assert required <= set(_env_example())


def test_image_installs_requirements_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git"} <= set(ignored)
