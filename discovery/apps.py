from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    """The read side that spans apps: site search, feeds, sitemaps and the pages that show several apps' data.
    Imports the domain apps; none imports it."""

    verbose_name = "Discovery"
    name = "discovery"
    default_auto_field = "django.db.models.BigAutoField"
