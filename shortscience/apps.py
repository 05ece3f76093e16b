"""The project itself as an app: checks that concern the whole site, and the cache table that `migrate` makes."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    from django.conf import settings
    from django.core.management import call_command

    if any(cache["BACKEND"].endswith("DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)


class ShortScienceConfig(AppConfig):
    name = "shortscience"
    verbose_name = "ShortScience"

    def ready(self):
        from shortscience import checks, invalidation  # noqa: F401  (importing checks registers them)

        invalidation.connect()

        from django.core.signals import request_finished, request_started

        from shortscience.lib import versions

        request_started.connect(versions.open_request_memo, dispatch_uid="versions-memo-open")
        request_finished.connect(versions.close_request_memo, dispatch_uid="versions-memo-close")

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="shortscience-cache-table")
