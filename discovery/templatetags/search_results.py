"""``{{ fragments|highlighted:fallback }}``: a highlighted title or snippet of a search result (search/results.html).

Each fragment (``discovery.search.Fragment``) is plain text, escaped here by ``format_html``; hits are wrapped in
``<mark>``. A loop of template nodes did the same through an ``{% include %}`` per title and snippet: on a search
page that misses the cache (40 of them) it was a fifth of the rendering.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join

register = template.Library()


@register.filter
def highlighted(fragments, fallback=""):
    """The fragments as HTML, every text escaped, hits in ``<mark>``; ``fallback`` (escaped) when there are none."""
    if not fragments:
        return conditional_escape(fallback)
    return format_html_join(
        "",
        "{}",
        ((format_html("<mark>{}</mark>", fragment.text) if fragment.hit else fragment.text,) for fragment in fragments),
    )
