"""``{% constant_fragment "includes/layout/…html" %}``: a piece of the layout that is the same on every page for
every reader (the footer, the browsing links, the stylesheet and script links), rendered once per process.

Every page carries them; as template nodes they were some 35 ``{% url %}`` and ``{% static %}`` look-ups per
request, a tenth of a signed-in member's page, whose pages never come from the page cache (issue 14). What
they show changes only with the code or settings, which a restart reloads. With ``DEBUG`` on (templates
reloaded on change) they are rendered every time, and again after a test changes a setting. The context holds
``SITE_NAME`` only, so a fragment cannot depend on the request or the reader by mistake.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix

register = template.Library()

_rendered: dict[tuple[str, str], str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """A test changed a setting (the static files' storage, say): render afresh."""
    _rendered.clear()


@register.simple_tag
def constant_fragment(template_name: str) -> str:
    key = (template_name, get_script_prefix())
    html = _rendered.get(key)
    if html is None:
        # A template's output is already a SafeString: nothing is marked safe here.
        html = render_to_string(template_name, {"SITE_NAME": settings.SITE_NAME})
        if not settings.DEBUG:
            _rendered[key] = html
    return html
