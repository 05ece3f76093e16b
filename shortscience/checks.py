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


@register(deploy=True)
def media_links_embed(app_configs, **kwargs):
    """Summaries show images only from https:// or from a MEDIA_URL path on this site (shortscience.lib.markdown)."""
    media_url = settings.MEDIA_URL
    if settings.MEDIA_STORAGE != "s3" or not media_url.startswith("http://"):
        return []
    return [
        Warning(
            f"MEDIA_URL is {media_url}, a plain-http address: summaries show uploaded images only from https:// "
            "addresses or a path on this site, so every uploaded image would appear as a link.",
            hint="Set MEDIA_URL=/media/ and route /media/ to the bucket in the proxy (as docker-compose.yml does), "
            "or serve the bucket over https (AWS_S3_CUSTOM_DOMAIN).",
            id="shortscience.W002",
        )
    ]
