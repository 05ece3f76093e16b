import os
import subprocess
import sys
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


def test_docker_compose_wires_db_redis_and_web():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "web"}
    assert services["db"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")
    web = services["web"]
    env = web["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["DEBUG"] == "0"
    assert "SECRET_KEY" in env
    assert "migrate" in web["command"] and "gunicorn" in web["command"]
    assert set(web["depends_on"]) == {"db", "redis"}
    scheduler = services["scheduler"]
    assert scheduler["environment"] == env  # one environment block for both
    assert "end_expired_bans" in scheduler["command"]
    assert (ROOT / "Dockerfile").exists()


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
