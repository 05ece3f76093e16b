"""``{% prepare_card_mains summaries show_paper %}``: the reader-independent part of each summary card, from the
cache when it can be (includes/summary_cards.html).

A card is a vote column — the viewer's own: their vote, whether they may vote, a CSRF token — and the rest
(includes/summary_card_main.html): title, byline, badges, the rendered body, links, the same for every reader.
Signed-in members' pages are never served from the page cache, so without this every one of their list pages
rendered every card again (most of a member's home page). The rest is kept here under the listing stamp
(``versions.LISTING``), which every write readers could see bumps (``shortscience.invalidation``), exactly as the
anonymous page cache is: the next request after any change renders the card afresh. One ``get_many`` for a
whole list; entries live ``PAGE_CACHE_SECONDS`` (0, as in the tests, renders every time).
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template

from shortscience.lib import versions

register = template.Library()

CARD_TEMPLATE = "includes/summary_card_main.html"


@register.simple_tag
def prepare_card_mains(summaries, show_paper=False) -> str:
    """Set ``card_main_html`` on each summary of ``summaries`` (a list, queryset or page). Renders nothing."""
    items = list(summaries)
    if not items:
        return ""
    show_paper = bool(show_paper)
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0:
        card = get_template(CARD_TEMPLATE)
        for summary in items:
            summary.card_main_html = card.render({"summary": summary, "show_paper": show_paper})
        return ""
    stamp = versions.current(versions.LISTING)
    keys = {summary: f"card:{stamp:x}:{int(show_paper)}:{summary.pk}" for summary in items}
    found = cache.get_many(list(keys.values()))
    rendered, card = {}, None
    for summary, key in keys.items():
        html = found.get(key)
        if html is None:
            card = card or get_template(CARD_TEMPLATE)
            html = rendered[key] = card.render({"summary": summary, "show_paper": show_paper})
        # A template's output is a SafeString, and stays one through the cache's pickling: nothing is marked here.
        summary.card_main_html = html
    if rendered:
        cache.set_many(rendered, seconds)
    return ""
