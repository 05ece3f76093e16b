"""sitemap.xml sections: papers with listed summaries, listed summaries, venues, keywords and the home page.

Papers without a summary are left out (their pages are ``noindex``). Built for arXiv scale: each page reads
plain values (no model instances) with ``values()`` through an index, and the index's ``lastmod`` per section
is one aggregate query instead of Django's default of scanning every item.

The two big sections (papers, summaries) are paged by **primary-key windows**, not by ``OFFSET``: page *p*
holds the rows with ``(p - 1) × K < id ≤ p × K`` (K = ``limit`` = 50,000), in id order, and the sitemap index
lists exactly the windows that hold at least one row. See ``KeyRangePaginator`` for why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connections
from django.db.models import Exists, Max, OuterRef
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from papers.models import Paper, Venue
from summaries.models import Summary

URLS_PER_PAGE = 50_000
# Largest id PostgreSQL's bigint holds: a page number whose window starts beyond it is out of range
# without asking the database (and without overflowing the query's parameters).
_MAX_ID = 2**63 - 1


class _PathTemplate:
    """``reverse()`` once with a placeholder, then format: 50,000 reverse() calls per page add up."""

    def __init__(self, url_name: str, placeholder: str = "__value__"):
        self.url_name = url_name
        self.placeholder = placeholder
        self._template: str | None = None

    def __call__(self, value) -> str:
        if self._template is None:
            self._template = reverse(self.url_name, args=[self.placeholder])
        # Percent-encoded as reverse() would: keyword slugs are Unicode, and a sitemap <loc> must be a URI.
        return self._template.replace(self.placeholder, quote(str(value), safe="-_.~"))


class KeyRangePage:
    """One page of a ``KeyRangePaginator``: the rows of one id window, already fetched."""

    def __init__(self, object_list: list, number: int):
        self.object_list = object_list
        self.number = number


class KeyRangePaginator:
    """Pages a queryset by fixed primary-key windows: page *p* is ``(p - 1) × K < id ≤ p × K``.

    Why fixed windows rather than ``OFFSET`` or keyset boundaries computed once and cached:

    - **Bounded cost whatever p is.** A page is one range scan of at most K consecutive ids of an index
      (``Paginator`` skipped ``(p - 1) × 50,000`` rows first: 2.8 s for ``OFFSET 900000`` over a million
      summaries). The list of non-empty pages for the sitemap index is one "loose index scan": a recursive
      query that jumps from window to window, one index probe per non-empty window (≈ 50 probes for
      2.5 M paper ids), instead of ``COUNT(*)`` over every row. Boundaries "every 50,000th id" would need
      a scan of all rows each time the cache expires — exactly the cold cost this removes.
    - **Deterministic, so always consistent.** Which page lists a URL depends on its id alone, never on
      how many rows come before it. Each gunicorn worker has its own cache (without Redis) and caches the
      index and every page for an hour, each at a different time; with boundaries or offsets computed at
      different moments a row could be listed on two pages or on none. Here it cannot: rows added later
      get larger ids and land in the last window, and deleting or hiding a row changes only its own page.
    - **At most K URLs per page by construction** (ids are unique), so the 50,000-URL limit of the
      sitemap protocol holds without counting.

    The price: a page holds fewer than K URLs where the filtered rows are sparse among the ids (papers with
    summaries are a fraction of all papers), so there are more, smaller pages — an index may list up to
    50,000 sitemaps. Windows with no row are left out of the index; asking for one is a 404, except page 1,
    the section's own URL, which always answers (an empty ``<urlset>`` when the section is empty).
    """

    def __init__(self, queryset, per_page: int):
        """``queryset``: the section's rows, filtered, with the ``values()`` a page reads."""
        self.queryset = queryset.order_by()
        self.per_page = per_page

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1 or (number - 1) * self.per_page + 1 > _MAX_ID:
            raise EmptyPage("That page number is out of range")
        return number

    def page(self, number) -> KeyRangePage:
        """The rows of window ``number`` in id order: one range scan. Raises EmptyPage for an empty window but 1."""
        number = self.validate_number(number)
        rows = list(self.page_queryset(number))
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return KeyRangePage(rows, number)

    def page_numbers(self) -> list[int]:
        """Numbers of the windows holding at least one row, ascending: one query, a probe per such window.

        A recursive CTE ("loose index scan"): start from the smallest id, then repeatedly take the smallest
        id beyond the current window's end. Each step is ``ORDER BY id LIMIT 1`` on an index whose
        condition matches the queryset's filter, so it reads one index entry, not the window.
        """
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(*self.page_numbers_sql())
            return [number for (number,) in cursor.fetchall()]

    def page_numbers_sql(self) -> tuple[str, tuple]:
        width = self.per_page
        ids = self.queryset.order_by("pk").values_list("pk", flat=True)
        first_sql, first_params = ids[:1].query.sql_with_params()
        beyond = ids.filter(pk__gt=RawSQL("(windows.w + 1) * %s", (width,)))[:1]
        next_sql, next_params = beyond.query.sql_with_params()
        sql = (
            "WITH RECURSIVE windows(w) AS ("
            f"SELECT (({first_sql}) - 1) / %s "
            "UNION ALL "
            f"SELECT (({next_sql}) - 1) / %s FROM windows WHERE windows.w IS NOT NULL"
            ") SELECT w + 1 FROM windows WHERE w IS NOT NULL ORDER BY w"
        )
        return sql, (*first_params, width, *next_params, width)

    def page_queryset(self, number: int):
        low = (number - 1) * self.per_page + 1
        high = min(number * self.per_page, _MAX_ID)
        return self.queryset.filter(pk__range=(low, high)).order_by("pk")


class KeyRangeSitemap(Sitemap):
    """A section paged by id windows (``KeyRangePaginator``).

    Subclasses give ``queryset()`` (the rows, filtered) and ``page_values()`` (what a page reads of them).
    A page reads its ``lastmod`` as a date computed in SQL: loading 50,000 ``timestamptz`` values goes
    through Django's Python time-zone loader (≈ 6 µs each, most of a page's time), a ``date`` does not.
    """

    limit = URLS_PER_PAGE

    def queryset(self):
        raise NotImplementedError

    def page_values(self, queryset):
        raise NotImplementedError

    @property
    def paginator(self) -> KeyRangePaginator:
        return KeyRangePaginator(self.page_values(self.queryset()), self.limit)

    def lastmod(self, item):
        return item["lastmod"]

    def page_numbers(self) -> list[int]:
        return self.paginator.page_numbers()


class PaperSitemap(KeyRangeSitemap):
    changefreq = "weekly"
    priority = 0.8
    _path = _PathTemplate("discovery:paper")

    def queryset(self):
        # paper_sitemap_idx (migration papers/0003): (id) INCLUDE (slug, updated_at, last_summary_at)
        # WHERE summary_count > 0 AND merged_into_id IS NULL; pages are index-only range scans.
        return Paper.objects.live().filter(summary_count__gt=0)

    def page_values(self, queryset):
        # GREATEST ignores NULLs in PostgreSQL: the later of the paper's edit and its newest summary.
        return queryset.values("slug", lastmod=TruncDate(Greatest("updated_at", "last_summary_at"), tzinfo=UTC))

    def location(self, item):
        return self._path(item["slug"])

    def get_latest_lastmod(self):
        # The first entry of paper_with_summaries_idx: no scan.
        return self.queryset().aggregate(last=Max("last_summary_at"))["last"]


class SummarySitemap(KeyRangeSitemap):
    changefreq = "monthly"
    priority = 0.6
    _path = _PathTemplate("discovery:summary", placeholder="9876543210123")

    def queryset(self):
        # summary_sitemap_idx (migration papers/0003): (id) INCLUDE (updated_at) WHERE <listed>.
        return Summary.objects.listed()

    def page_values(self, queryset):
        return queryset.values("id", lastmod=TruncDate("updated_at", tzinfo=UTC))

    def location(self, item):
        return self._path(item["id"])

    def get_latest_lastmod(self):
        # The first entry of summary_sitemap_lastmod_idx (migration papers/0003): no scan.
        return self.queryset().aggregate(u=Max("updated_at"))["u"]


class VenueSitemap(Sitemap):
    limit = URLS_PER_PAGE
    changefreq = "weekly"
    priority = 0.5
    _path = _PathTemplate("papers:venue")

    def items(self):
        # A few thousand venues at most: Django's Paginator (COUNT, OFFSET) costs nothing here.
        return Venue.objects.filter(paper_count__gt=0).order_by("slug").values("slug")

    def location(self, item):
        return self._path(item["slug"])

    def page_numbers(self) -> list[int]:
        paginator = self.paginator  # a new Paginator (and COUNT query) on every access
        return list(paginator.page_range) if paginator.count else []


class KeywordSitemap(Sitemap):
    limit = URLS_PER_PAGE
    changefreq = "weekly"
    priority = 0.4
    _path = _PathTemplate("papers:keyword")

    def items(self):
        # Keywords that tag something (an EXISTS probe of taggit's tag index each): tens of thousands at most,
        # so Django's Paginator (COUNT, OFFSET) is cheap here too.
        used = Exists(TaggedItem.objects.filter(tag=OuterRef("pk")))
        return Tag.objects.filter(used).order_by("slug").values("slug")

    def location(self, item):
        return self._path(item["slug"])

    def page_numbers(self) -> list[int]:
        paginator = self.paginator
        return list(paginator.page_range) if paginator.count else []


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["home"]

    def location(self, item):
        return reverse(item)

    def page_numbers(self) -> list[int]:
        return [1]


SITEMAPS = {
    "home": HomeSitemap,
    "papers": PaperSitemap,
    "summaries": SummarySitemap,
    "venues": VenueSitemap,
    "keywords": KeywordSitemap,
}


def render_index(sitemaps: dict, base_url: str) -> str:
    """The sitemap index: every non-empty page of every section, with the section's ``lastmod`` if it has one.

    Page 1 of a section is its plain URL, page *p* its URL with ``?p=p``; with id windows the page numbers
    of a section may have gaps (windows without rows are not listed). Written directly rather than with
    Django's ``sitemaps.views.index``, which can only list pages 1…n.
    """
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for section, sitemap_class in sitemaps.items():
        sitemap = sitemap_class()
        numbers = sitemap.page_numbers()
        if not numbers:
            continue
        url = xml_escape(base_url + reverse("discovery:sitemap-section", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        tail = f"<lastmod>{timezone.localtime(lastmod).isoformat()}</lastmod>" if lastmod else ""
        for number in numbers:
            loc = url if number == 1 else f"{url}?p={number}"
            parts.append(f"<sitemap><loc>{loc}</loc>{tail}</sitemap>\n")
    parts.append("</sitemapindex>\n")
    return "".join(parts)


def _day(value: date) -> date:
    """A sitemap entry's ``lastmod`` is a day: the UTC date of a datetime, or a date as it is."""
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def render_urlset(sitemap: Sitemap, page, base_url: str) -> str:
    """One page of a section as sitemap XML, written directly.

    Django's sitemap view renders a template per URL and builds a dict per item: seconds for a 50,000-URL
    page. This writes the same XML with string formatting. Raises EmptyPage/PageNotAnInteger like
    ``Paginator.page``.
    """
    items = sitemap.paginator.page(page).object_list
    has_lastmod = hasattr(sitemap, "lastmod")
    tail = ""
    if sitemap.changefreq:
        tail += f"<changefreq>{sitemap.changefreq}</changefreq>"
    if sitemap.priority is not None:
        tail += f"<priority>{sitemap.priority}</priority>"
    base_url = xml_escape(base_url)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for item in items:
        lastmod = sitemap.lastmod(item) if has_lastmod else None
        parts.append(
            f"<url><loc>{base_url}{xml_escape(sitemap.location(item))}</loc>"
            + (f"<lastmod>{_day(lastmod).isoformat()}</lastmod>" if lastmod else "")
            + tail
            + "</url>\n"
        )
    parts.append("</urlset>\n")
    return "".join(parts)
