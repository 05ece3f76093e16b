"""Without Redis the cache is a table in PostgreSQL that every gunicorn worker shares.

A per-process cache let one member post 82 comments in a row against a limit of 30 an hour: each worker
counted on its own. These tests run real separate processes against the test database.
"""

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from shortscience.apps import create_cache_table
from shortscience.cache import DatabaseCache

ROOT = Path(__file__).resolve().parents[2]
DB_CACHE = {"default": {"BACKEND": "shortscience.cache.DatabaseCache", "LOCATION": "shortscience_cache"}}


def _env_for_test_database():
    """The environment of a separate process that uses the test database and no Redis."""
    db = connection.settings_dict
    host = db["HOST"]
    url = f"postgresql://{quote(db['USER'] or 'postgres')}@:{db['PORT'] or 5432}/{db['NAME']}?host={quote(host)}"
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="shortscience.settings", DEBUG="1", CONN_MAX_AGE="0")
    return env


def test_without_redis_the_settings_choose_the_shared_database_cache():
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DJANGO_SETTINGS_MODULE="shortscience.settings", DEBUG="1", DATABASE_URL="postgresql://x@127.0.0.1/x")
    code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "shortscience.cache.DatabaseCache" in result.stdout, result.stderr


@pytest.mark.django_db
def test_migrate_creates_the_cache_table():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS shortscience_cache")
    with override_settings(CACHES=DB_CACHE):
        call_command("migrate", verbosity=0)
    assert "shortscience_cache" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_counting_at_once_from_many_connections_loses_no_hit():
    with override_settings(CACHES=DB_CACHE):
        create_cache_table(using="default")
    counter = DatabaseCache("shortscience_cache", {})
    counter.set("hits", 0)

    def count():
        from django.db import connections

        for _ in range(20):
            counter.incr("hits")
        connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.get("hits") == 80


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_share_one_rate_limit():
    with override_settings(CACHES=DB_CACHE):
        create_cache_table(using="default")
    # Each "worker" tries 20 comments against a limit of 30 an hour: together they get 30, not 40.
    worker = textwrap.dedent(
        """
        import django
        django.setup()
        from django.utils import timezone
        from accounts import ratelimit
        print(sum(ratelimit._hit("comment:user:1", 30, 3600, timezone.now()) for _ in range(20)))
        """
    )
    env = _env_for_test_database()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", worker], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    allowed = []
    for stdout, stderr in outputs:
        assert stdout.strip(), stderr.decode()
        allowed.append(int(stdout))
    assert sum(allowed) == 30


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_check_deploy_warns_when_the_cache_lives_in_each_worker():
    messages = run_checks(include_deployment_checks=True)
    assert "shortscience.W001" in {message.id for message in messages}


@override_settings(CACHES=DB_CACHE)
def test_check_deploy_accepts_the_shared_database_cache():
    messages = run_checks(include_deployment_checks=True)
    assert "shortscience.W001" not in {message.id for message in messages}


@pytest.mark.parametrize(("worker", "database"), [("", "15"), ("gw0", "15"), ("gw1", "14")])
def test_each_test_worker_gets_its_own_redis_database(worker, database):
    # Tests empty the cache (FLUSHDB on Redis): two workers sharing one database would empty each other's.
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="shortscience.settings_test",
        DATABASE_URL="postgresql://x@127.0.0.1/x",
        REDIS_URL="redis://127.0.0.1:6379/15",
        PYTEST_XDIST_WORKER=worker,
    )
    code = "from django.conf import settings; print(settings.CACHES['default']['LOCATION'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"redis://127.0.0.1:6379/{database}", result.stderr
