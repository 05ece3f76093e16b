"""Parts of pages rendered once for many requests (``shared_include`` below: once per listing stamp).

``{% constant_fragment "includes/layout/…html" %}``: a piece of the layout that is the same on every page for
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

from shortscience.lib import versions

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


@register.simple_tag(takes_context=True)
def shared_include(context, template_name: str, key, **options) -> str:
    """``{% include template_name with **options %}`` for a part of a page that reads nothing of the viewer or the
    request (the paper block: title, authors, venue, keywords, links, abstract with its math), kept in the cache
    under the listing stamp (``versions.LISTING``, bumped by every write readers could see) and ``key``, which
    must name everything else it shows (the paper's id). Members' pages never come from the page cache: this is
    the part of their paper and summary pages that is the same for all of them. ``PAGE_CACHE_SECONDS`` 0 (as in
    the tests) renders it every time."""
    template = context.template.engine.get_template(template_name)

    def render() -> str:
        with context.push(**options):
            return template.render(context)

    where = ",".join(f"{name}={value}" for name, value in sorted(options.items()))
    # A template's output is a SafeString, and stays one through the cache's pickling: nothing is marked here.
    return versions.remember(
        versions.LISTING, f"fragment:{template_name}:{key}:{where}", render, settings.PAGE_CACHE_SECONDS
    )
