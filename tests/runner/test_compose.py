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
                "ELASTICSEARCH_PASSWORD", "S3_BUCKET", "S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
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
    assert set(services) >= {"postgres", "redis", "elasticsearch", "s3", "migrate", "web", "worker"}
    for name in ("postgres", "redis", "elasticsearch", "s3", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["sh", "-c", "flask db upgrade && flask users create-first-admin"]
    assert services["migrate"]["restart"] == "no"
    assert "gunicorn" in services["web"]["command"] and "wsgi:app" in services["web"]["command"]
    assert services["worker"]["command"] == ["python", "worker.py"]


@pytest.mark.parametrize("name", ["web", "worker"])
def test_app_starts_after_migrations_and_healthy_services(compose, name):
    depends = compose["services"][name]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    for service in ("postgres", "redis", "elasticsearch", "s3"):
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
    assert environment["S3_ENDPOINT_URL"] == "http://s3:8333"
    assert environment["AWS_SECRET_ACCESS_KEY"] == _environment(compose["services"]["s3"])["AWS_SECRET_ACCESS_KEY"]


def test_files_and_databases_live_in_named_volumes_and_no_disk_is_shared(compose):
    volumes = set(compose["volumes"])
    services = compose["services"]

    def mounts(name: str) -> dict[str, str]:
        return dict(entry.split(":")[:2][::-1] for entry in services[name].get("volumes", []))

    for name in ("migrate", "web", "worker"):
        assert mounts(name) == {}, f"{name} keeps nothing on a disk: files are in the s3 service"
    for name, path in (("postgres", "/var/lib/postgresql"), ("redis", "/data"),
                       ("elasticsearch", "/usr/share/elasticsearch/data"), ("s3", "/data")):
        assert mounts(name)[path] in volumes, name


def test_s3_runs_seaweedfs_with_credentials_and_its_bucket(compose):
    s3 = compose["services"]["s3"]
    assert s3["image"].startswith("chrislusf/seaweedfs:")
    command = s3["command"]
    assert "mini" in command and "-dir=/data" in command and "-s3.port=8333" in command
    assert "-master.telemetry=false" in command and "-admin.ui=false" in command
    assert any(arg.startswith("-bucket=${S3_BUCKET") for arg in command)
    assert _environment(s3)["AWS_SECRET_ACCESS_KEY"].startswith("${S3_SECRET_KEY:?")
    assert "8333" in " ".join(s3["healthcheck"]["test"])
    assert "ports" not in s3, "the file store is reachable only inside the stack"


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
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "ELASTIC_PASSWORD", "S3_SECRET_KEY"} <= required
    assert required <= set(_env_example())


def test_image_installs_requirements_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git"} <= set(ignored)


def test_nginx_is_the_only_way_in_and_runs_the_repositorys_configuration(compose):
    services = compose["services"]
    nginx = services["nginx"]
    assert nginx["image"].startswith("nginx:")
    assert nginx["ports"] == ["${PORT:-8000}:80"]
    published = {name: service["ports"] for name, service in services.items() if "ports" in service}
    # Besides nginx only the optional Prometheus, and only on this machine's loopback.
    assert set(published) <= {"nginx", "prometheus"}
    assert all(port.startswith("127.0.0.1:") for port in published.get("prometheus", []))
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"
    mounts = dict(entry.split(":")[:2] for entry in nginx["volumes"])
    template = ROOT / "deploy" / "nginx" / "default.conf.template"
    assert mounts["./deploy/nginx/default.conf.template"] == "/etc/nginx/templates/default.conf.template"
    environment, web = _environment(nginx), _environment(services["web"])
    # The image fills in every ${NAME} the template uses from this environment, and nothing else.
    assert set(re.findall(r"\$\{(\w+)\}", template.read_text())) == set(environment)
    assert mounts["./webapp/static"] == environment["STATIC_ROOT"]
    assert environment["MAX_UPLOAD_MB"] == web["MAX_UPLOAD_MB"], "nginx must refuse exactly what the app refuses"
    assert environment["APP_UPSTREAM"] == "web:8000" and "0.0.0.0:8000" in services["web"]["command"]
    assert web["PROXY_HOPS"] == "1"
    assert "PROXY_HOPS" not in _environment(services["worker"])


def test_prometheus_is_an_optional_service_scraping_web_and_every_worker_with_the_token(compose):
    services = compose["services"]
    prometheus = services["prometheus"]
    assert prometheus["profiles"] == ["monitoring"] and prometheus["image"].startswith("prom/prometheus:")
    mounts = dict(entry.split(":")[:2] for entry in prometheus["volumes"])
    assert mounts["./deploy/prometheus/prometheus.yml"] == "/etc/prometheus/prometheus.yml"
    assert mounts["./deploy/prometheus/rules.yml"] == "/etc/prometheus/rules.yml"
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    assert prometheus["secrets"] == ["metrics_token"]
    assert _environment(services["web"])["METRICS_TOKEN"].startswith("${METRICS_TOKEN:?")
    worker_port = _environment(services["worker"])["WORKER_METRICS_PORT"]
    assert "WORKER_METRICS_PORT" not in _environment(services["web"])

    scraping = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    assert scraping["rule_files"] == ["/etc/prometheus/rules.yml"]
    jobs = {job["job_name"]: job for job in scraping["scrape_configs"]}
    assert set(jobs) == {"web", "worker"}
    for job in jobs.values():
        assert job["authorization"] == {"type": "Bearer", "credentials_file": "/run/secrets/metrics_token"}
    assert jobs["web"]["static_configs"] == [{"targets": ["web:8000"]}]
    assert jobs["worker"]["dns_sd_configs"] == [{"names": ["worker"], "type": "A", "port": int(worker_port)}]


def test_alert_rules_watch_queue_age_failing_files_and_totals_mismatches():
    groups = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules.yml").read_text())["groups"]
    rules = {rule["alert"]: rule for group in groups for rule in group["rules"]}
    assert {"QueueWaitingTooLong", "DocumentsFailing", "TotalsMismatch"} <= set(rules)
    assert "workbooks_queue_oldest_seconds" in rules["QueueWaitingTooLong"]["expr"]
    assert 'workbooks_documents{status="failed"}' in rules["DocumentsFailing"]["expr"]
    assert "workbooks_totals_check_mismatches > 0" in rules["TotalsMismatch"]["expr"]
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"], name
