"""System checks for moderation: e-mails sent outside a request need to know where the site lives."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def site_url_is_set(app_configs, **kwargs):
    if settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is not set: links in e-mails sent outside a request (moderation notices) fall back to "
            "https:// and the first ALLOWED_HOSTS name.",
            hint="Set SITE_URL to the site's public address, e.g. https://shortscience.org.",
            id="moderation.W001",
        )
    ]
