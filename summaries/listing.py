"""A page of summary cards, the same for every reader but for their own votes: kept in the cache.

The anonymous page cache serves whole pages, but a signed-in member's home, paper and profile pages ran the
listing's queries on every request: its page of rows (summary, paper, venue, writer) and the capped count, for
rows that are the same for every reader. Here they are kept under the listing stamp (``versions.LISTING``,
bumped by every write readers could see, a vote included), exactly as the page cache and the card cache
(``summaries.templatetags.cards``) are, so the next request after any change reads them afresh. Only the
viewer's own votes are read per request: one query over the page's ids. Entries live ``PAGE_CACHE_SECONDS``,
which also bounds how long a time-windowed list (the week's top summaries) may lag the clock; 0 (as in the
tests) runs the queries every time.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page

from papers.pagination import CappedPaginator, paginate, with_elided_range
from shortscience.lib import versions
from summaries.models import Vote


def card_page(request, queryset, per_page: int, *, listing: str, votes: bool = True) -> Page:
    """``paginate(request, queryset.with_vote_of(viewer), per_page)``, with the rows and count from the cache.

    ``listing`` names what ``queryset`` lists (``"home:latest"``, ``f"paper:{pk}"``…): with the listing stamp and
    the requested page it is the cache key, so two different querysets must never share a name. ``votes=False``
    leaves ``my_vote`` to the caller, who sets it on several lists in one query (``set_votes_of``).
    """
    requested = str(request.GET.get("page", ""))[:12]

    def rows():
        page = paginate(request, queryset, per_page)
        return page.paginator.count, page.number, list(page.object_list)

    count, number, summaries = _kept(f"cards-page:{listing}:{per_page}:{requested}", rows)
    paginator = CappedPaginator(queryset, per_page)
    paginator.count = count  # a cached_property: set, it is never counted again
    if votes:
        set_votes_of(request.user, summaries)
    return with_elided_range(Page(summaries, number, paginator))


def card_list(request, queryset, *, listing: str, votes: bool = True) -> list:
    """``list(queryset.with_vote_of(viewer))`` of a short, sliced list (the home page's picks), cached as
    ``card_page`` is (``votes`` too)."""
    summaries = _kept(f"cards-list:{listing}", lambda: list(queryset))
    if votes:
        set_votes_of(request.user, summaries)
    return summaries


def _kept(key: str, compute):
    return versions.remember(versions.LISTING, key, compute, settings.PAGE_CACHE_SECONDS)


def set_votes_of(user, summaries) -> None:
    """Set ``my_vote`` (1, -1 or 0) on each of ``summaries`` as ``with_vote_of`` annotates it: one query."""
    votes = {}
    if user.is_authenticated and summaries:
        votes = Vote.values_of(user.pk, [summary.pk for summary in summaries])
    for summary in summaries:
        summary.my_vote = votes.get(summary.pk, 0)
