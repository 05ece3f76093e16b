"""Error pages in the site's layout, /favicon.ico and uploaded media from the local disk."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve

from shortscience.page_cache import page_cache_exempt
from shortscience.storage import media_headers

FAVICON_MAX_AGE = 86400


@require_safe
def favicon(request):
    """``/favicon.ico``, asked for by browsers and feed readers whatever the page says: the static icon.

    A temporary redirect, cached for a day: the target is the hashed name whitenoise serves (and caches for
    good), which changes with the icon.
    """
    response = HttpResponseRedirect(static("favicon.ico"))
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response


@page_cache_exempt
def bench_hello(request):
    """Hello, world: what the benchmark divides every page's throughput by (only served with ``BENCH=1``)."""
    return HttpResponse("Hello, world.", content_type="text/plain")


@require_safe
def media(request, path: str):
    """An uploaded file from ``MEDIA_ROOT`` (``SERVE_MEDIA``: development and single-machine sites).

    Served with the same headers as from object storage (``shortscience.storage.media_headers``): the type its
    stored name says, inline only for images, cached for a year; SecurityMiddleware adds ``nosniff``.
    """
    if not settings.SERVE_MEDIA or settings.MEDIA_STORAGE != "local":
        raise Http404("Media are not served here.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    for header, value in media_headers(path).items():
        response[header] = value
    return response


BAD_REQUEST_MESSAGE = "The request could not be understood. Nothing was saved. Go back with your browser and try again."
DATA_TOO_BIG_MESSAGE = (
    "The form sent more data than this site accepts. Nothing was saved. Go back with your browser: your text is "
    "still in the form."
)


def error_response(request, status: int, title: str, message: str) -> HttpResponse:
    """A standalone error page (JSON for the editor's fetch calls) that reads neither the body nor the database.

    Used where the request itself is malformed, so nothing may parse it again: the edge middleware and the 400
    handler (Django's own handler re-reads the body for its CSRF check and fails a second time).
    """
    if (
        "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    ):
        return JsonResponse({"error": message}, status=status)
    body = loader.get_template("400.html").render({"SITE_NAME": settings.SITE_NAME, "title": title, "message": message})
    return HttpResponse(body, status=status)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, "Request too large", DATA_TOO_BIG_MESSAGE)
    return error_response(request, 400, "Bad request", BAD_REQUEST_MESSAGE)


def server_error(request):
    # No request context: the failure may come from a context processor or the database.
    return HttpResponseServerError(loader.get_template("500.html").render({"SITE_NAME": "ShortScience"}))
