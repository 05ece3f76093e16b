from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Daily arXiv digest"
    default_auto_field = "django.db.models.BigAutoField"
