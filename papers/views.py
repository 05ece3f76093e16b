"""Reading pages about papers: the paper's BibTeX, venues, years, authors, keywords, and old-site links."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Sum
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET
from taggit.models import Tag

from papers.models import YEAR_MAX, YEAR_MIN, Author, Category, Paper, PaperCategory, Venue
from papers.pagination import kept_page
from shortscience.lib import versions
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi
from shortscience.lib.numbers import ascii_int

PAGE_SIZE = 25
# A page of papers with its pagination (papers.pagination.kept_page).
PAPER_LIST = "includes/paper_list_page.html"
VENUES_PAGE_SIZE = 100
VENUE_YEARS_TIMEOUT = 300
# Venues with more papers list their years without per-year counts (see _venue_years).
VENUE_YEAR_COUNTS_MAX = 20_000


def get_paper(slug: str, queryset=None) -> Paper:
    """The paper by slug or numeric id, with what its page shows (or what ``queryset`` adds to it); 404 if none."""
    pk = ascii_int(slug)
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    return get_object_or_404(queryset if queryset is not None else Paper.objects.with_page_data(), **lookup)


def canonical_redirect(paper: Paper, slug: str, url_name: str):
    """301 to the kept paper for merged papers and to the canonical slug for ids and old slugs, else None."""
    if paper.merged_into_id:
        return redirect(url_name, paper.merged_into.slug, permanent=True)
    if paper.slug != slug:
        return redirect(url_name, paper.slug, permanent=True)
    return None


@require_GET
def paper_bibtex(request, slug: str):
    paper = get_paper(slug)
    if response := canonical_redirect(paper, slug, "papers:bibtex"):
        return response
    response = HttpResponse(paper.to_bibtex(), content_type="text/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{paper.bibtex_key}.bib"'
    return response


def _paper_or_missing(request, paper: Paper | None, identifier: str):
    if paper is None:
        return render(request, "404.html", {"missing_identifier": identifier}, status=404)
    return redirect(paper)


@require_GET
def arxiv_lookup(request, arxiv_id: str):
    """``/arxiv/<id>/`` in any arXiv id form (old style with a slash, with a version, a URL) → the paper page."""
    parsed = parse_arxiv_id(arxiv_id)
    if parsed is None:
        raise Http404("Not an arXiv identifier.")
    return _paper_or_missing(request, Paper.objects.by_key(parsed.id), f"arXiv:{parsed.id}")


@require_GET
def doi_lookup(request, doi: str):
    """``/doi/<doi>/`` → the paper page."""
    parsed = parse_doi(doi)
    if parsed is None:
        raise Http404("Not a DOI.")
    return _paper_or_missing(request, Paper.objects.by_key(parsed), f"doi:{parsed}")


@require_GET
def venue_list(request):
    # Case-insensitive ("arXiv" among the A's, not after "Z"), read in order from venue_name_lower_idx.
    venues = Venue.objects.order_by(Lower("name"), "id")
    venue_table = kept_page(request, venues, VENUES_PAGE_SIZE, "papers/venue_list_table.html")
    return render(request, "papers/venue_list.html", {"venue_table": venue_table})


def _venue_years(venue: Venue) -> list[dict]:
    """Years of a venue, newest first, cached.

    The years come from a loose index scan of paper_venue_year_idx (one probe per year). Paper and
    summary counts per year are shown only for venues up to VENUE_YEAR_COUNTS_MAX papers, where the
    GROUP BY reads few rows; for big venues (arXiv: 2 million papers, 2.6 s) the years are listed
    without counts (rows have ``papers`` = None).
    """

    def compute():
        if venue.paper_count <= VENUE_YEAR_COUNTS_MAX:
            return list(
                Paper.objects.live()
                .filter(venue=venue, year__isnull=False)
                .values("year")
                .annotate(papers=Count("id"), summaries=Sum("summary_count"))
                .order_by("-year")
            )
        return [{"year": year, "papers": None, "summaries": None} for year in Paper.objects.venue_years(venue.pk)]

    # Keyed by what readers may see: a new paper or summary shows in its year's counts on the next request.
    key = f"venue-years:{versions.current(versions.LISTING)}:{venue.pk}"
    return cache.get_or_set(key, compute, VENUE_YEARS_TIMEOUT)


@require_GET
def venue_detail(request, slug: str):
    venue = get_object_or_404(Venue, slug=slug)
    return render(
        request,
        "papers/venue_detail.html",
        {"venue": venue, "years": _venue_years(venue), "breadcrumbs": [("Venues", reverse("papers:venues"))]},
    )


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404("No paper can have that year.")


@require_GET
def venue_year(request, slug: str, year: int):
    _check_year(year)
    venue = get_object_or_404(Venue, slug=slug)
    papers = Paper.objects.live().filter(venue=venue, year=year).for_list().ranked_for_listing()
    paper_list = kept_page(
        request, papers, PAGE_SIZE, PAPER_LIST, hide_venue=True, empty="No papers of this venue and year yet."
    )
    breadcrumbs = [("Venues", reverse("papers:venues")), (str(venue), venue.get_absolute_url())]
    return render(
        request,
        "papers/venue_year.html",
        {"venue": venue, "year": year, "paper_list": paper_list, "breadcrumbs": breadcrumbs},
    )


@require_GET
def year_detail(request, year: int):
    _check_year(year)
    papers = Paper.objects.live().filter(year=year).for_list().ranked_for_listing()
    context = {
        "year": year,
        "paper_list": kept_page(request, papers, PAGE_SIZE, PAPER_LIST, empty="No papers from this year yet."),
        "previous_year": year - 1 if year > YEAR_MIN else None,
        "next_year": year + 1 if year < YEAR_MAX else None,
    }
    return render(request, "papers/year_detail.html", context)


@require_GET
def author_detail(request, slug: str):
    author = get_object_or_404(Author, slug=slug)
    paper_list = kept_page(request, author.papers.live().for_list().newest_first(), PAGE_SIZE, PAPER_LIST)
    return render(request, "papers/author_detail.html", {"author": author, "paper_list": paper_list})


@require_GET
def keyword_detail(request, slug: str):
    keyword = get_object_or_404(Tag, slug=slug)
    papers = Paper.objects.live().filter(keywords=keyword).for_list().newest_first()
    paper_list = kept_page(request, papers, PAGE_SIZE, PAPER_LIST)
    return render(request, "papers/keyword_detail.html", {"keyword": keyword, "paper_list": paper_list})


@require_GET
def category_list(request):
    """arXiv's categories by group, with how many papers each lists here (stored counters: one query), kept for
    every reader under the listing stamp as a page of a list is (``kept_page``)."""

    def tables() -> str:
        groups: dict[str, list[Category]] = {}
        for category in Category.objects.order_by("group", "code"):
            groups.setdefault(category.group, []).append(category)
        return render_to_string("papers/category_list_tables.html", {"groups": groups}, request)

    category_tables = versions.remember_for_address(request, "categories:1", tables, settings.PAGE_CACHE_SECONDS)
    return render(request, "papers/category_list.html", {"category_tables": category_tables})


@require_GET
def category_detail(request, code: str):
    """A category's papers, newest announcement first."""
    category = get_object_or_404(Category, code=code)
    papers = Paper.objects.live().in_category(code).for_list()
    paper_list = kept_page(request, papers, PAGE_SIZE, PAPER_LIST, empty="No papers in this category yet.")
    return render(request, "papers/category_detail.html", {"category": category, "paper_list": paper_list})


CATEGORY_NEW_PAGE_SIZE = 100


@require_GET
def category_new(request, code: str):
    """The latest announcement day's papers in a category: new submissions, then cross-lists."""
    category = get_object_or_404(Category, code=code)
    day = PaperCategory.objects.latest_day(code)
    paper_list = ""
    if day:
        papers = Paper.objects.live().announced_in(code, day).for_list()
        paper_list = kept_page(request, papers, CATEGORY_NEW_PAGE_SIZE, "papers/category_new_list.html")
    return render(request, "papers/category_new.html", {"category": category, "day": day, "paper_list": paper_list})


# --- Links from the old site (301; routed in shortscience/urls_legacy.py) ---------------------------------


@require_GET
def legacy_paper(request):
    """``/paper?bibtexKey=<key>``: arXiv id (bare, versioned, URL, journals/corr/…), DOI or DBLP key."""
    key = request.GET.get("bibtexKey", "").strip()
    paper = Paper.objects.by_key(key)
    if paper is None:
        return render(request, "404.html", {"search_suggestion": key}, status=404)
    return redirect(paper, permanent=True)


@require_GET
def legacy_venue(request):
    """``/venue?key=<DBLP prefix>&year=<year>`` → the venue-year page; ``/venue`` → all venues."""
    key = request.GET.get("key", "").strip()
    if not key:
        return redirect("papers:venues", permanent=True)
    venue = Venue.objects.filter(dblp_key=key).first()
    if venue is None:
        return render(request, "404.html", {"search_suggestion": key}, status=404)
    year = ascii_int(request.GET.get("year", "").strip())
    if year is not None and YEAR_MIN <= year <= YEAR_MAX:
        return redirect(reverse("papers:venue_year", args=[venue.slug, year]), permanent=True)
    return redirect(venue, permanent=True)
