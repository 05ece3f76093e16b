"""Read-only JSON API, version 1 (documented in docs/api.md and on /api/).

Plain Django views returning JSON. Every endpoint is anonymous and read-only: it shows only listed
summaries (``Summary.objects.listed()``) and never the writer of an anonymous one. Responses are cached for
60 seconds in Django's cache, keyed by the full path, and say so in ``Cache-Control``; CORS allows any origin
for GET, HEAD and OPTIONS, without credentials.
"""

from __future__ import annotations

import datetime
import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from digest.models import Digest, DigestEntry
from papers.models import Paper
from shortscience.lib import versions
from shortscience.lib.identifiers import Identifier, parse_arxiv_id, parse_doi
from summaries.models import Summary

PAGE_SIZE = 20
MAX_PAGES = 50
CACHE_SECONDS = 60
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Responses worth caching: a 404 for an unknown paper is as stable as a 200.
CACHEABLE_STATUS = {200, 404}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message, "status": status}, status=status)


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _cache_key(request) -> str:
    # Keyed by what readers may see too: publishing, editing or hiding anything retires every cached answer.
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"api:v1:{versions.current(versions.LISTING)}:{path}"


def api_view(view):
    """GET/HEAD/OPTIONS only, JSON errors, CORS, and a 60-second cache keyed by the full path."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = ALLOWED_METHODS
            return _cors(response)
        if request.method not in ("GET", "HEAD"):
            response = error_response(405, f"Method {request.method} is not allowed; this API is read-only.")
            response["Allow"] = ALLOWED_METHODS
            return _cors(response)
        key = _cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            status, content = cached
            response = HttpResponse(content, status=status, content_type="application/json")
        else:
            try:
                response = view(request, *args, **kwargs)
            except ApiError as error:
                response = error_response(error.status, error.message)
            if response.status_code in CACHEABLE_STATUS:
                cache.set(key, (response.status_code, response.content), CACHE_SECONDS)
        if response.status_code in CACHEABLE_STATUS:
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        else:
            patch_cache_control(response, no_cache=True)
        return _cors(response)

    return wrapper


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        raise ApiError(400, f"page must be a whole number, not {raw[:40]!r}.") from None
    if not 1 <= page <= MAX_PAGES:
        raise ApiError(400, f"page must be between 1 and {MAX_PAGES}.")
    return page


def _paginated(request, queryset, serialize) -> dict:
    """One page of ``queryset`` (LIMIT page size + 1: no COUNT) with absolute next/previous links."""
    page = _page_number(request)
    rows = list(queryset[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE and page < MAX_PAGES

    def link(number):
        params = request.GET.copy()
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return {
        "results": [serialize(request, row) for row in rows[:PAGE_SIZE]],
        "page": page,
        "page_size": PAGE_SIZE,
        "next": link(page + 1) if has_next else None,
        "previous": link(page - 1) if page > 1 else None,
    }


def _paper_json(request, paper: Paper) -> dict:
    return {
        "id": paper.pk,
        "title": paper.title,
        "url": request.build_absolute_uri(paper.get_absolute_url()),
        "summary_count": paper.summary_count,
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "keywords": [
            {"name": keyword.name, "url": request.build_absolute_uri(reverse("papers:keyword", args=[keyword.slug]))}
            for keyword in paper.keywords.all()
        ],
        "summaries_api_url": request.build_absolute_uri(reverse("api:paper-summaries", args=[paper.pk])),
    }


def _summary_json(request, summary: Summary) -> dict:
    anonymous = summary.is_anonymous or summary.writer_id is None
    return {
        "id": summary.pk,
        "url": request.build_absolute_uri(summary.get_absolute_url()),
        "paper": {
            "id": summary.paper.pk,
            "title": summary.paper.title,
            "url": request.build_absolute_uri(summary.paper.get_absolute_url()),
            "arxiv_id": summary.paper.arxiv_id,
            "doi": summary.paper.doi,
        },
        "byline": summary.byline,
        "writer_url": None if anonymous else request.build_absolute_uri(summary.writer.get_absolute_url()),
        "score": summary.score,
        "comment_count": summary.comment_count,
        "created_at": summary.created_at.isoformat(),
        "updated_at": summary.updated_at.isoformat(),
        "body_html": summary.body_html,
    }


def _summaries():
    return (
        Summary.objects.listed()
        .select_related("paper", "writer")
        .defer("body", "search_vector", "paper__abstract", "paper__search_vector")
    )


@api_view
def paper_lookup(request):
    """``?arxiv=<id or URL>`` or ``?doi=<DOI or URL>``: the paper's page, title and summary count."""
    arxiv, doi = request.GET.get("arxiv", "").strip(), request.GET.get("doi", "").strip()
    if not arxiv and not doi:
        raise ApiError(400, "Give an arXiv id (?arxiv=1706.03762) or a DOI (?doi=10.1145/3065386).")
    identifiers = []
    if arxiv:
        parsed = parse_arxiv_id(arxiv)
        if parsed is None:
            raise ApiError(400, f"Not an arXiv id: {arxiv[:100]!r}.")
        identifiers.append(Identifier("arxiv", parsed.id))
    if doi:
        parsed_doi = parse_doi(doi)
        if parsed_doi is None:
            raise ApiError(400, f"Not a DOI: {doi[:100]!r}.")
        identifiers.append(Identifier("doi", parsed_doi))
    for identifier in identifiers:
        paper = Paper.objects.by_identifier(identifier)
        if paper is not None:
            return JsonResponse(_paper_json(request, paper))
    return error_response(404, "No paper with this identifier on ShortScience yet.")


@api_view
def paper_summaries(request, pk: int):
    """A paper's listed summaries, best first (score, then age)."""
    paper = Paper.objects.filter(pk=pk).select_related("merged_into").first()
    if paper is None:
        return error_response(404, f"No paper with id {pk}.")
    if paper.merged_into_id:
        paper = paper.merged_into
    summaries = _summaries().filter(paper=paper).ranked()
    return JsonResponse({"paper": _paper_json(request, paper), **_paginated(request, summaries, _summary_json)})


@api_view
def latest_summaries(request):
    """Listed summaries, newest first."""
    summaries = _summaries().order_by("-created_at", "-id")
    return JsonResponse(_paginated(request, summaries, _summary_json))


# --- The daily digest ------------------------------------------------------------------------------------


def _digest_json(request, digest: Digest) -> dict:
    return {
        "date": digest.date.isoformat(),
        "title": digest.display_title,
        "url": request.build_absolute_uri(digest.get_absolute_url()),
        "api_url": request.build_absolute_uri(reverse("api:digest", args=[digest.date.isoformat()])),
        "published_at": digest.published_at.isoformat() if digest.published_at else None,
        "entry_count": digest.entry_count,
    }


def _entry_json(request, entry: DigestEntry) -> dict:
    paper = entry.paper
    return {
        "id": entry.pk,
        "number": entry.number,
        "url": request.build_absolute_uri(entry.get_absolute_url()),
        "category": {"code": entry.category.code, "name": entry.category.name, "name_zh": entry.category.name_zh},
        "starred": entry.starred,
        "language": entry.language,
        "note_html": entry.note_html,
        "paper": {
            "id": paper.pk,
            "title": paper.title,
            "url": request.build_absolute_uri(paper.get_absolute_url()),
            "arxiv_id": paper.arxiv_id,
            "doi": paper.doi,
            "authors": [author.name for author in paper.ordered_authors],
            "affiliations": paper.affiliations(),
            "abstract": paper.abstract,
        },
        "figures": [
            {"url": request.build_absolute_uri(figure.image.url), "caption": figure.caption}
            for figure in entry.figures.all()
        ],
    }


@api_view
def digests(request):
    """Published digests, newest first."""
    published = Digest.objects.published().order_by("-date")
    return JsonResponse(_paginated(request, published, _digest_json))


@api_view
def digest_entries(request, day: str):
    """One published digest and a page of its entries in order; ``?category=cs.LG`` and ``?starred=1`` filter."""
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise ApiError(400, f"Not a date (YYYY-MM-DD): {day[:20]!r}.") from None
    digest = Digest.objects.published().filter(date=date).first()
    if digest is None:
        return error_response(404, f"No published digest on {date.isoformat()}.")
    starred = request.GET.get("starred", "")
    if starred not in ("", "0", "1"):
        raise ApiError(400, "starred must be 1 or 0.")
    entries = (
        digest.entries.with_number()
        .for_display()
        .filtered(category=request.GET.get("category", "").strip()[:40], starred=starred == "1")
        .in_order()
    )
    return JsonResponse({"digest": _digest_json(request, digest), **_paginated(request, entries, _entry_json)})


@csrf_exempt
def not_found(request, path=""):
    # Not cached: unknown paths must not fill the cache.
    return _cors(error_response(404, "No such API endpoint. See /api/ for the documentation."))
