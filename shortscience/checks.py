"""System checks for settings that only hurt in production."""

from django.conf import settings
from django.core.checks import Warning, register

# Backends whose entries live in one process: each gunicorn worker would count rate limits on its own.
PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@register(deploy=True)
def cache_is_shared(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The cache ({backend.rsplit('.', 1)[-1]}) lives inside each worker process: every gunicorn worker "
            "keeps its own rate-limit counters, so a member gets the limit once per worker, and cached pages "
            "and counts differ between workers.",
            hint="Set REDIS_URL, or leave CACHES at its default (a table in the site's PostgreSQL).",
            id="shortscience.W001",
        )
    ]
