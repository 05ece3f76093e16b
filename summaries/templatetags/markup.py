"""Template filters over the one renderer (``shortscience.lib.markdown``) for text that is not stored rendered.

Usage::

    {% load markup %}
    <p class="abstract">{{ paper.abstract|with_math }}</p>
    <meta name="description" content="{{ summary.body|plain_text|truncatechars:200 }}">
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

from shortscience.lib.markdown import plain_text as _plain_text
from shortscience.lib.markdown import render_text_with_math

register = template.Library()


@register.filter
def with_math(text: str) -> SafeString:
    """Plain text (an abstract) escaped, its TeX wrapped for KaTeX like a summary's."""
    return mark_safe(render_text_with_math(text or ""))  # the renderer escaped everything but its own spans


@register.filter
def plain_text(text: str) -> str:
    """Markdown and TeX as one line of plain text (still escaped by the template)."""
    return _plain_text(text or "")
