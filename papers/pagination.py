"""Pagination that never counts a whole big table.

Listings (latest summaries, a venue's papers, a year's papers…) can have millions of rows.
Django's ``Paginator`` runs ``SELECT COUNT(*)`` over all of them on every page view; the
``CappedPaginator`` counts at most ``max_pages`` pages' worth of rows
(``SELECT COUNT(*) FROM (… LIMIT n)``), so each page costs two bounded, indexed queries.
Readers who want to go deeper than the cap use search or the filters.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.template.loader import render_to_string
from django.utils.functional import cached_property

from shortscience.lib import versions

MAX_PAGES = 50


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, max_pages: int = MAX_PAGES, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.max_pages = max_pages

    @cached_property
    def count(self) -> int:
        limit = self.per_page * self.max_pages
        if hasattr(self.object_list, "query"):
            queryset = self.object_list
            if not queryset.query.combinator:
                # Only the rows' ids, in any order: the columns, joins and annotations a page shows (a member's
                # vote on each summary is a subquery a row) would otherwise be computed for all ``limit`` rows
                # just to be counted (8 ms of a member's home page at 250,000 papers).
                queryset = queryset.order_by().values("pk")
            return queryset[:limit].count()
        return min(len(self.object_list), limit)

    @property
    def is_capped(self) -> bool:
        """True when there are (or may be) more rows than the pages offered."""
        return self.count >= self.per_page * self.max_pages


def paginate(request, queryset, per_page: int, *, max_pages: int = MAX_PAGES) -> Page:
    """The requested page (``?page=``) of ``queryset``; bad or too-large numbers give the nearest page.

    The page carries ``elided_range`` (numbers with "…" gaps) for the numbered pagination include.
    """
    paginator = CappedPaginator(queryset, per_page, max_pages=max_pages)
    return with_elided_range(paginator.get_page(request.GET.get("page")))


def with_elided_range(page: Page) -> Page:
    """Set ``elided_range`` on ``page``: the numbers, with "…" gaps, that the numbered pagination include shows."""
    page.elided_range = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def kept_page(request, queryset, per_page: int, template_name: str, **context) -> str:
    """The requested page of ``queryset`` (``paginate``) rendered with ``template_name`` (its rows and its pagination,
    given ``page`` and ``context``), kept in the cache under the listing stamp and the request's address
    (``versions.remember_for_address``) for every reader.

    Members' pages never get the page cache: a list of papers (a venue's year, an author's, a keyword's, an arXiv
    category's) was counted, fetched with its authors and rendered on each of their requests, 17–36 ms at 2.5 M
    papers for a page of 20 to 100 rows (docs/performance.md). Every write readers could see bumps the stamp, as it
    retires the anonymous page cache. What is rendered must depend on nothing but the rows and the address."""

    def render() -> str:
        return render_to_string(template_name, {**context, "page": paginate(request, queryset, per_page)}, request)

    return versions.remember_for_address(request, f"list:1:{template_name}", render, settings.PAGE_CACHE_SECONDS)
