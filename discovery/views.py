"""The paper page with its summaries, search, feeds index, robots.txt, sitemaps and the API documentation page."""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_safe

from accounts import ratelimit
from accounts.permissions import can_view_summary
from comments.threads import comment_section
from digest.models import DigestBadge, DigestEntry
from discovery.forms import SearchForm
from discovery.search import MAX_PAGES, MAX_QUERY_CHARS, search_digest, search_papers, searchable_text
from discovery.sitemaps import SITEMAPS, render_index, render_urlset
from papers.models import Paper, PaperAuthor, Venue
from papers.views import canonical_redirect, get_paper
from shortscience.lib import versions
from shortscience.lib.identifiers import parse_identifier
from shortscience.lib.markdown import plain_text
from summaries.listing import card_page, set_votes_of
from summaries.models import Summary

IDENTIFIER_LABELS = {"arxiv": "arXiv", "doi": "DOI", "dblp": "DBLP key"}
SITEMAP_CACHE_SECONDS = 3600
# Crawlers and proxies may keep a sitemap for ten minutes; the server's own copy follows every change.
SITEMAP_MAX_AGE = 600
SUMMARIES_PAGE_SIZE = 20
# An abstract longer than this is clamped to a few lines with "more/less".
ABSTRACT_CLAMP_CHARS = 320


# Columns of a paper no page about it shows: its search vectors and arXiv history.
PAGE_DEFERRED = ("search_vector", "title_vector", "arxiv_versions", "arxiv_comments")
PAPER_DEFERRED = tuple(f"paper__{name}" for name in PAGE_DEFERRED)


def paper_for_page(slug: str) -> tuple[Paper, list]:
    """The paper a paper page shows (venue, authors, the digests that picked it) and its keywords; 404 if none.

    The same for every reader: kept in the cache under the listing stamp (``versions.remember``), so members'
    pages, which never get the page cache, skip its three queries until the next write readers could see."""

    def load():
        # The paper's row also carries the digests that picked it ("In the digest of …"): no extra query.
        badges = DigestEntry.objects.badges_subquery()
        paper = get_paper(slug, Paper.objects.with_page_data().defer(*PAGE_DEFERRED).annotate(digest_badges=badges))
        # The page's description and link previews: the abstract as plain text, worked out once with the paper.
        paper.description = plain_text(paper.abstract or paper.title)
        return paper, list(paper.keywords.all())

    key = f"paper-page:2:{hashlib.sha256(slug.encode()).hexdigest()[:32]}"
    return versions.remember(versions.LISTING, key, load, settings.PAGE_CACHE_SECONDS)


@require_GET
def paper_detail(request, slug: str):
    paper, keywords = paper_for_page(slug)
    if response := canonical_redirect(paper, slug, "discovery:paper"):
        return response
    summaries = (
        Summary.objects.filter(paper=paper)
        .listed()
        .select_related("writer")
        .defer("body", "search_vector")  # the cards show the rendered body only
    )
    page = card_page(request, summaries.ranked(), SUMMARIES_PAGE_SIZE, listing=f"paper:{paper.pk}")
    for summary in page.object_list:
        summary.paper = paper
    return render(
        request,
        "papers/detail.html",
        {
            "paper": paper,
            "keywords": keywords,
            "page": page,
            "abstract_is_long": len(paper.abstract) > ABSTRACT_CLAMP_CHARS,
            "canonical_url": request.build_absolute_uri(paper.get_absolute_url()),
            # The call to action opens the member's own summary when they wrote one (perhaps private, so not
            # in the list).
            "own_summary_id": Summary.own_on(paper, request.user),
            "digest_badges": DigestBadge.list(paper.digest_badges),
        },
    )


def _page_number(value) -> int:
    try:
        return min(max(int(value), 1), MAX_PAGES)
    except (TypeError, ValueError):
        return 1


@require_safe
def search(request):
    """Full-text search; an arXiv id, DOI or DBLP key goes straight to that paper when the site has it."""
    form = SearchForm(request.GET)
    form.is_valid()
    text = form.cleaned_data.get("q", "")
    context = {"form": form, "query": text, "max_query_chars": MAX_QUERY_CHARS}

    identifier = parse_identifier(text)
    if identifier is not None:
        paper = Paper.objects.by_identifier(identifier)
        if paper is not None:
            return redirect(paper)
        context["missing_identifier"] = {
            "label": IDENTIFIER_LABELS[identifier.kind],
            "value": identifier.value,
            # The importer fetches arXiv ids and DOIs; a DBLP key alone cannot be imported.
            "add_url": reverse("papers:add")
            + ("" if identifier.kind == "dblp" else "?" + urlencode({"identifier": text})),
            "importable": identifier.kind != "dblp",
        }
    elif text:
        cleaned = searchable_text(text)
        if cleaned is None:
            context["unsearchable"] = True
        elif form.is_valid():
            try:
                ratelimit.check(request, "search")
            except ratelimit.RateLimited as error:
                return ratelimit.limited_response(request, error)
            context["results"] = search_papers(cleaned, form.filters(), _page_number(request.GET.get("page")))
            context["truncated"] = form.was_truncated
            if context["results"].number == 1:
                context["digest_hits"] = search_digest(cleaned)
    return render(request, "search/results.html", context)


@require_safe
@cache_control(public=True, max_age=3600)
def feeds_index(request):
    venues = Venue.objects.filter(summary_count__gt=0).order_by("-summary_count", "name")[:20]
    return render(request, "feeds/index.html", {"venues": venues})


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")


@require_safe
def api_docs(request):
    return render(request, "api/docs.html")


def _sitemap_cached(view):
    """Cache a sitemap answer for an hour, keyed by what readers may see: a hidden summary leaves it at once."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"sitemap:{versions.current(versions.LISTING)}:{request.get_host()}:{path}"
        cached = cache.get(key)
        if cached is None:
            response = view(request, *args, **kwargs)
            cached = (response.content, response["Content-Type"])
            cache.set(key, cached, SITEMAP_CACHE_SECONDS)
        response = HttpResponse(cached[0], content_type=cached[1])
        response["X-Robots-Tag"] = "noindex, noodp, noarchive"
        patch_cache_control(response, public=True, max_age=SITEMAP_MAX_AGE)
        return response

    return wrapper


@require_safe
@_sitemap_cached
def sitemap_index(request):
    response = HttpResponse(render_index(SITEMAPS, f"{request.scheme}://{request.get_host()}"), "application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_safe
@_sitemap_cached
def sitemap_section(request, section: str):
    if section not in SITEMAPS:
        raise Http404("No such sitemap section.")
    try:
        xml = render_urlset(SITEMAPS[section](), request.GET.get("p", 1), f"{request.scheme}://{request.get_host()}")
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such sitemap page.") from None
    response = HttpResponse(xml, content_type="application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


def summary_for_page(pk: int) -> tuple[Summary, list]:
    """The summary ``pk`` with its paper, venue, writer and the paper's authors, and the paper's keywords; 404 if
    none. Kept in the cache as ``paper_for_page`` is: who may read it is decided per request, after."""

    def load():
        summary = get_object_or_404(Summary.objects.with_card_data().defer("search_vector", *PAPER_DEFERRED), pk=pk)
        authorships = Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author"))
        prefetch_related_objects([summary.paper], authorships)
        # The page's description and link previews: the summary as plain text (twice 0.1 ms or more a page when the
        # template converted it), worked out once with the summary.
        summary.description = plain_text(summary.body)
        return summary, list(summary.paper.keywords.all())

    return versions.remember(versions.LISTING, f"summary-page:2:{pk}", load, settings.PAGE_CACHE_SECONDS)


@require_GET
def summary_detail(request, pk: int):
    summary, keywords = summary_for_page(pk)
    if not can_view_summary(request.user, summary):
        raise Http404("No such summary.")  # never reveal that it exists
    set_votes_of(request.user, [summary])
    paper = summary.paper
    return render(
        request,
        "summaries/detail.html",
        {
            "summary": summary,
            "paper": paper,
            "keywords": keywords,
            # One page (?page=) of top-level comments with their visible replies and the viewer's actions on each.
            **comment_section(request, summary),
            "my_vote": summary.my_vote,
            "viewer_is_writer": request.user.is_authenticated and summary.writer_id == request.user.pk,
            # The summary's own URL on every page of its comments: comment pages are not separate documents.
            "canonical_url": request.build_absolute_uri(summary.get_absolute_url()),
        },
    )
