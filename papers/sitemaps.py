"""sitemap.xml sections: papers with listed summaries, listed summaries, venues, and the home page.

Papers without a summary are left out (their pages are ``noindex``). Built for arXiv scale: each section
reads plain values (no model instances) with ``values()``, ordered by the column of a partial index that
matches its filter, 50,000 URLs per page; the index's ``lastmod`` per section is one aggregate query
instead of Django's default of scanning every item.
"""

from __future__ import annotations

from xml.sax.saxutils import escape as xml_escape

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from papers.models import Paper, Venue
from summaries.models import Summary

URLS_PER_PAGE = 50_000


class _PathTemplate:
    """``reverse()`` once with a placeholder, then format: 50,000 reverse() calls per page add up."""

    def __init__(self, url_name: str, placeholder: str = "__value__"):
        self.url_name = url_name
        self.placeholder = placeholder
        self._template: str | None = None

    def __call__(self, value) -> str:
        if self._template is None:
            self._template = reverse(self.url_name, args=[self.placeholder])
        return self._template.replace(self.placeholder, str(value))


class PaperSitemap(Sitemap):
    limit = URLS_PER_PAGE
    changefreq = "weekly"
    priority = 0.8
    _path = _PathTemplate("papers:detail")

    def items(self):
        # paper_with_summaries_idx: (-last_summary_at) WHERE summary_count > 0.
        return (
            Paper.objects.live()
            .filter(summary_count__gt=0)
            .order_by("-last_summary_at", "-id")
            .values("slug", "updated_at", "last_summary_at")
        )

    def location(self, item):
        return self._path(item["slug"])

    def lastmod(self, item):
        return max(filter(None, [item["updated_at"], item["last_summary_at"]]))

    def get_latest_lastmod(self):
        # The first entry of paper_with_summaries_idx: no scan.
        return Paper.objects.live().filter(summary_count__gt=0).aggregate(last=Max("last_summary_at"))["last"]


class SummarySitemap(Sitemap):
    limit = URLS_PER_PAGE
    changefreq = "monthly"
    priority = 0.6
    _path = _PathTemplate("summaries:detail", placeholder="9876543210123")

    def items(self):
        # summary_latest_idx: (-created_at, -id) over listed summaries.
        return Summary.objects.listed().order_by("-created_at", "-id").values("id", "updated_at")

    def location(self, item):
        return self._path(item["id"])

    def lastmod(self, item):
        return item["updated_at"]

    def get_latest_lastmod(self):
        return Summary.objects.listed().aggregate(u=Max("updated_at"))["u"]


class VenueSitemap(Sitemap):
    limit = URLS_PER_PAGE
    changefreq = "weekly"
    priority = 0.5
    _path = _PathTemplate("papers:venue")

    def items(self):
        return Venue.objects.filter(paper_count__gt=0).order_by("slug").values("slug")

    def location(self, item):
        return self._path(item["slug"])


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["home"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "home": HomeSitemap,
    "papers": PaperSitemap,
    "summaries": SummarySitemap,
    "venues": VenueSitemap,
}


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
            + (f"<lastmod>{lastmod.date().isoformat()}</lastmod>" if lastmod else "")
            + tail
            + "</url>\n"
        )
    parts.append("</urlset>\n")
    return "".join(parts)
