import http.server
import os
import runpy
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from shortscience.env import env_bool, env_int, env_list
from shortscience.settings import _database_from_url

ROOT = Path(__file__).resolve().parents[2]


def test_env_helpers_parse_and_reject(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    monkeypatch.setenv("NUMBER", "42")
    monkeypatch.setenv("ITEMS", "a.org, b.org,,")
    assert env_bool("FLAG") is True
    assert env_int("NUMBER", 1) == 42
    assert env_list("ITEMS") == ["a.org", "b.org"]
    assert env_bool("MISSING", True) is True
    monkeypatch.setenv("FLAG", "maybe")
    monkeypatch.setenv("NUMBER", "forty-two")
    with pytest.raises(ImproperlyConfigured):
        env_bool("FLAG")
    with pytest.raises(ImproperlyConfigured):
        env_int("NUMBER", 1)


def test_database_url_is_parsed():
    db = _database_from_url("postgresql://user:p%40ss@db.example:6543/shortscience?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "user",
        "p@ss",
        "db.example",
        "6543",
        "shortscience",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_database_url_must_be_postgres():
    with pytest.raises(ImproperlyConfigured):
        _database_from_url("sqlite:///db.sqlite3")


def _manage(*args, **env):
    full_env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_values():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="shortscience.org",
        SITE_URL="https://shortscience.org",
        DJANGO_SETTINGS_MODULE="shortscience.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_check_deploy_warns_without_site_url_and_settings_refuse_a_bare_host():
    production = dict(
        SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="shortscience.org",
        DJANGO_SETTINGS_MODULE="shortscience.settings",
    )
    result = _manage("check", "--deploy", SITE_URL="", **production)
    assert "moderation.W001" in result.stderr and "SITE_URL is not set" in result.stderr
    result = _manage("check", SITE_URL="shortscience.org", **production)
    assert result.returncode != 0 and "SITE_URL must start with https://" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", SECRET_KEY="", DJANGO_SETTINGS_MODULE="shortscience.settings")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_no_model_changes_without_migrations():
    result = _manage("makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="shortscience.settings_test")
    assert result.returncode == 0, result.stdout + result.stderr


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


APP_SERVICES = ("web", "worker", "beat", "migrate")


def test_docker_compose_wires_the_services_for_many_machines():
    services = _compose()["services"]
    assert set(services) >= {"proxy", "web", "worker", "beat", "migrate", "db", "redis", "minio", "minio-init"}
    assert "scheduler" not in services  # the shell loop is gone: periodic jobs are beat's
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    assert services["minio"]["image"].startswith("minio/minio")
    env = services["web"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["DEBUG"] == "0"
    assert "SECRET_KEY" in env
    assert "gunicorn -c gunicorn.conf.py shortscience.wsgi:application" in " ".join(services["web"]["command"])
    assert " ".join(services["worker"]["command"]).startswith("celery -A shortscience worker")
    assert " ".join(services["beat"]["command"]).startswith("celery -A shortscience beat")
    assert " ".join(services["migrate"]["command"]) == "python manage.py migrate --noinput"


def test_every_app_service_gets_the_same_environment_and_image():
    services = _compose()["services"]
    environment = services["web"]["environment"]
    for name in APP_SERVICES:
        assert services[name]["environment"] == environment, name
        assert services[name]["image"] == services["web"]["image"], name


def test_app_services_start_after_migrate_finished_and_the_bucket_exists():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["minio-init"] == {"condition": "service_completed_successfully"}, name
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy", name
    assert services["migrate"]["restart"] == services["minio-init"]["restart"] == "no"  # one-shot
    assert "migrate" not in services["migrate"]["depends_on"]
    assert "mc mb" in services["minio-init"]["command"][0]


def test_beat_runs_exactly_once_and_web_and_worker_can_scale():
    compose = _compose()
    services = compose["services"]
    beat = services["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in beat and "container_name" not in beat
    for name in ("web", "worker"):
        service = services[name]
        # A fixed host port or container name makes a second replica fail to start.
        assert "ports" not in service and "container_name" not in service, name
    # Scaling is documented in the file itself and nothing scales beat.
    text = (ROOT / "docker-compose.yml").read_text()
    assert "--scale web=" in text and "--scale beat" not in text
    # The proxy is the one published port and sends requests to every web container.
    assert services["proxy"]["ports"] and services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}
    nginx = (ROOT / "docker" / "nginx.conf.template").read_text()
    assert "http://web:8000" in nginx and "resolver 127.0.0.11" in nginx


def test_web_healthcheck_asks_health_and_media_are_on_minio():
    services = _compose()["services"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "docker/healthcheck.py"]
    assert 'request("GET", "/health/"' in (ROOT / "docker" / "healthcheck.py").read_text()
    env = services["web"]["environment"]
    assert env["MEDIA_STORAGE"] == "s3"
    assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["AWS_STORAGE_BUCKET_NAME"] == services["proxy"]["environment"]["MEDIA_BUCKET"]
    assert "media" not in str(services["web"].get("volumes", ""))  # no local media disk left on web
    nginx = (ROOT / "docker" / "nginx.conf.template").read_text()
    assert "location /media/" in nginx and "X-Content-Type-Options nosniff" in nginx
    # gunicorn runs sync workers (gunicorn.conf.py): the proxy in front must buffer requests and answers.
    assert "proxy_buffering on;" in nginx and "proxy_request_buffering on;" in nginx


def test_dockerfile_copies_every_package_and_runs_gunicorn_with_its_config():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert f"COPY {package} ./{package}" in dockerfile, package
    assert "gunicorn.conf.py" in dockerfile and "docker/healthcheck.py" in dockerfile


def test_gunicorn_config_reads_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["workers"] == 5 and config["bind"] == "0.0.0.0:8000"
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 2 * os.cpu_count()


@pytest.mark.django_db
def test_site_connections_run_without_parallel_workers_by_default():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"


def test_database_url_options_come_after_the_parallel_setting():
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="shortscience.settings",
        DEBUG="1",
        DATABASE_URL="postgresql://u@db.example/ss?options=-c%20work_mem%3D32MB",
        DB_PARALLEL_WORKERS="2",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "-c max_parallel_workers_per_gather=2 -c work_mem=32MB", result.stderr


def test_container_healthcheck_asks_health_as_the_proxy_would(tmp_path):
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers["Host"], self.headers["X-Forwarded-Proto"]))
            self.send_response(200 if len(seen) == 1 else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"PATH": os.environ["PATH"], "PORT": str(server.server_port), "ALLOWED_HOSTS": ".example.org,b.org"}
        script = [sys.executable, str(ROOT / "docker" / "healthcheck.py")]
        assert subprocess.run(script, env=env, capture_output=True, timeout=30).returncode == 0
        assert subprocess.run(script, env=env, capture_output=True, timeout=30).returncode == 1  # 503
    finally:
        server.shutdown()
    assert seen[0] == ("/health/", "example.org", "https")
    server.server_close()
    env["PORT"] = str(server.server_port)  # nothing listens any more
    assert subprocess.run(script, env=env, capture_output=True, timeout=30).returncode == 1
