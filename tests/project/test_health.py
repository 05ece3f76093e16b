"""/health/: 200 when the database, cache, migrations (and, with a broker, the broker and the workers' heartbeat)
are fine, 503 otherwise; a body that says only which check fails; never cached; reachable over plain HTTP."""

from __future__ import annotations

import json
import socket
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from jobs import heartbeat

pytestmark = pytest.mark.django_db

SECRET = "db.internal.example:5432 password=hunter2"


def get(client, path="/health/"):
    response = client.get(path)
    return response, json.loads(response.content)


@pytest.fixture
def broker(settings):
    """A broker is configured (tasks go to workers): the broker and worker checks join in."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once
    return settings


def redis_listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_healthy_site_answers_200_with_each_check_ok(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # SELECT 1, and the applied migrations
        response, body = get(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "migrations": "ok"}}


def test_the_answer_is_never_cached(client):
    response = client.get("/health/")
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]


def test_probes_over_plain_http_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # middleware reads the setting when the client's handler starts
    assert client.get("/health/").status_code == 200
    assert client.get("/health/web/").status_code == 200
    assert client.get("/about/").status_code == 301


class BrokenConnections(dict):
    def __getitem__(self, alias):
        raise OperationalError(f"could not connect to server {SECRET}")


def test_a_failing_database_answers_503_without_the_error_text(client, monkeypatch, caplog):
    monkeypatch.setattr("health_check.contrib.db_heartbeat.backends.connections", BrokenConnections())
    response, body = get(client)
    assert response.status_code == 503
    assert body == {"status": "failing", "checks": {"database": "failing", "cache": "ok", "migrations": "ok"}}
    assert SECRET not in response.content.decode()
    assert SECRET in caplog.text  # the reason is in the log, for the operator


@pytest.mark.parametrize(
    "error", [ConnectionError(f"redis {SECRET}"), OperationalError(f"cache table {SECRET}")], ids=type
)
def test_a_failing_cache_answers_503(client, monkeypatch, error):
    def refuse(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(LocMemCache, "set", refuse)
    response, body = get(client)
    assert response.status_code == 503
    assert body["checks"]["cache"] == "failing" and body["checks"]["database"] == "ok"
    content = response.content.decode()
    assert SECRET not in content and "Traceback" not in content


def test_unapplied_migrations_answer_503(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("papers.0099_new", False)])
    response, body = get(client)
    assert response.status_code == 503
    assert body["checks"]["migrations"] == "failing"
    assert "0099" not in response.content.decode()


def test_the_body_names_checks_and_states_only(client, broker):
    heartbeat.beat()
    response, body = get(client)
    assert set(body) == {"status", "checks"}
    assert set(body["checks"].values()) <= {"ok", "failing"}
    content = response.content.decode()
    for leak in ["127.0.0.1", "redis://", "Connection refused", "5.2", "Django", "celery"]:
        assert leak not in content, leak


def test_with_a_broker_the_broker_and_worker_heartbeat_are_checked(client, broker):
    heartbeat.beat()
    response, body = get(client)
    assert response.status_code == 503
    assert body["checks"] == {
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
        "broker": "failing",
        "worker": "ok",
    }


def test_a_stale_or_missing_heartbeat_fails_the_worker_check(client, broker, settings):
    settings.HEARTBEAT_MAX_AGE_MINUTES = 5
    assert get(client)[1]["checks"]["worker"] == "failing"  # no heartbeat at all
    heartbeat.beat(now=time.time() - 6 * 60)
    assert get(client)[1]["checks"]["worker"] == "failing"
    heartbeat.beat(now=time.time() - 4 * 60)
    assert get(client)[1]["checks"]["worker"] == "ok"


@pytest.mark.skipif(not redis_listening(), reason="no Redis on 127.0.0.1:6379 to connect to")
def test_a_reachable_broker_and_a_fresh_heartbeat_answer_200(client, broker):
    broker.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"  # connects only; writes nothing to Redis
    heartbeat.beat()
    response, body = get(client)
    assert response.status_code == 200, body
    assert body["checks"]["broker"] == "ok" and body["checks"]["worker"] == "ok"


def test_the_web_probe_ignores_the_workers(client, broker):
    response, body = get(client, "/health/web/")
    assert response.status_code == 200
    assert body["checks"] == {"database": "ok", "cache": "ok", "migrations": "ok"}
