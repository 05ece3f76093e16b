from django.apps import AppConfig


class MembersConfig(AppConfig):
    """A member's public profile, settings, data export and account deletion: pages that read every app's
    rows about one member. Imports the domain apps; none imports it."""

    verbose_name = "Members"
    name = "members"
    default_auto_field = "django.db.models.BigAutoField"
