"""Settings for the test suite: the real settings with fast hashing, in-memory e-mail and no HTTPS."""

import os
import tempfile
import urllib.parse

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from django.core.exceptions import ImproperlyConfigured

from shortscience.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="shortscience-test-media-")
# pytest-xdist names each worker gw0, gw1, … (unset without -n).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
elif XDIST_WORKER:
    # Tests empty the cache, and RedisCache.clear() flushes the whole Redis database: each worker gets its own,
    # counting down from the one in REDIS_URL (…/15 → gw0 uses 15, gw1 uses 14).
    _redis = urllib.parse.urlsplit(CACHES["default"]["LOCATION"])
    _redis_db = int(_redis.path.strip("/") or 0) - int(XDIST_WORKER.removeprefix("gw"))
    if _redis_db < 0:
        raise ImproperlyConfigured(
            f"REDIS_URL's database number leaves no Redis database for test worker {XDIST_WORKER}: "
            "use a higher one (e.g. /15) or fewer workers."
        )
    CACHES["default"]["LOCATION"] = _redis._replace(path=f"/{_redis_db}").geturl()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Parallel test runs against one server (several developers' checkouts, or CI's two passes) each get their own
# test database. Under pytest-xdist, pytest-django appends the worker's name to it (test_shortscience_gw0, …),
# on DATABASE_URL's server and on the embedded one alike.
if os.environ.get("TEST_DB_SUFFIX"):
    DATABASES["default"]["TEST"] = {"NAME": f"test_shortscience_{os.environ['TEST_DB_SUFFIX']}"}  # noqa: F405
# Tasks run in-process (after commit) in tests, whatever REDIS_URL says, so mail.outbox sees their e-mails; the
# real-worker tests (tests/jobs/test_worker.py) switch to the broker in REDIS_URL and start a worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
# The page cache is off: a test's writes never commit, so the version stamps its keys hold never move and a
# page read twice around a write would come back unchanged. tests/project/test_page_cache.py switches it on and
# runs the writes' on-commit callbacks.
PAGE_CACHE_SECONDS = 0
