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

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="shortscience-cache-table")
