"""``{% url %}``, with the address of a view that takes no arguments worked out once per process (a builtin:
it replaces Django's tag in every template, settings.TEMPLATES).

A member's page (never served from the page cache) names 13–20 such views — the home page, search, settings,
sign out, the feeds — each a ``reverse()`` of 15–25 µs: about a twentieth of the page's time. The address of
``{% url 'home' %}`` depends only on the URL conf, the script prefix and the current application (the admin's
instance namespace), which make the key; a test that changes the URL conf clears the memo. Tags with arguments,
a name held in a variable, or a name that does not resolve go through Django's tag unchanged.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_addresses: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _addresses.clear()


class ConstantURLNode(URLNode):
    def render(self, context):
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (self.view_name.var, current_app, get_urlconf(), get_script_prefix())
        url = _addresses.get(key)
        if url is None:
            try:
                url = _addresses[key] = reverse(self.view_name.var, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                url = ""  # as Django's tag does with "as"; nothing is remembered
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    name = node.view_name
    if node.args or node.kwargs or name.filters or not isinstance(name.var, str):
        return node
    return ConstantURLNode(name, node.args, node.kwargs, node.asvar)
