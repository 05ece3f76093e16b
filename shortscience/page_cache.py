"""Whole pages for anonymous readers, served from the shared cache before sessions, auth or the database.

An anonymous GET that rendered a plain 200 answer is stored in the cache (Redis in production, the PostgreSQL
cache table otherwise) under the request's scheme, host, path and query string **and the version stamps**
``versions.LISTING`` and ``versions.SEARCH``. Every write readers could see bumps ``LISTING`` after its
transaction commits (``shortscience.invalidation`` for every saved or deleted row of the public apps, plus the
bumps already in the models and ``summaries/counters.py``), so the next request of every reader computes a new
key and the page is rendered afresh: nothing is ever purged, old entries expire after ``PAGE_CACHE_SECONDS``.
The stamp is read before the page is rendered, so a render that raced a write is stored under the stamp the
write retired, never under the new one.

What is never stored or served from here:

- requests carrying a session cookie (any session: a signed-in member's pages name them and carry CSRF
  tokens; finding out whether a session is signed in would cost the session look-up this middleware exists to
  skip) or a messages cookie: they go through and their answers say ``Cache-Control: private``;
- answers that used the CSRF token (a form that posts), set a cookie, are not 200, stream, say ``private``,
  ``no-cache`` or ``no-store``, vary on anything but ``Cookie`` and ``Accept-Encoding``, or were marked
  ``page_cache_exempt`` (the bench's hello-world view, which must measure the full stack).

Stored answers get an ``ETag`` (the stamps plus a hash of the body) and a ``Last-Modified`` (when rendered);
``If-None-Match``/``If-Modified-Since`` are answered ``304 Not Modified`` from the cache entry, and anonymous
pages say ``Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE`` (0 by default: browsers and proxies revalidate,
a 304 costs two cache reads, and a write is visible on every reader's next request) plus
``stale-while-revalidate`` when configured. Views that set their own ``Cache-Control`` (feeds, sitemaps, API)
keep it.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import cc_delim_re, get_conditional_response, patch_cache_control
from django.utils.http import http_date

from shortscience.lib import versions

STAMPS = (versions.LISTING, versions.SEARCH)
# django.contrib.messages' cookie storage (the default storage tries it first).
MESSAGES_COOKIE = "messages"
# Vary values that do not make two anonymous requests for one URL differ: the key ignores cookies because no
# request with a session or messages cookie is ever served from the cache, and bodies are stored uncompressed.
HARMLESS_VARY = {"cookie", "accept-encoding"}
REFUSING_CACHE_CONTROL = ("private", "no-cache", "no-store")
# Headers the cache adds itself or that belong to one answer only.
NOT_STORED_HEADERS = {"set-cookie", "etag", "last-modified", "content-length", "date"}


def page_cache_exempt(view):
    """Never store this view's answers (they still go through the middleware, as every page does)."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.page_cache_exempt = True
        return response

    return wrapper


def carries_session(request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies


def page_key(request, stamps) -> str:
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:40]
    return "page:" + ".".join(f"{stamp:x}" for stamp in stamps) + ":" + digest


def storable(request, response) -> bool:
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if getattr(response, "page_cache_exempt", False) or response.cookies:
        return False
    # The token was put in a form (CsrfViewMiddleware also sets the cookie then, which the check above catches;
    # this says why).
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in REFUSING_CACHE_CONTROL):
        return False
    vary = {value.strip().lower() for value in cc_delim_re.split(response.get("Vary", "")) if value.strip()}
    return vary <= HARMLESS_VARY


class Entry:
    """What is kept of an answer: status, headers (no cookies), body, ETag and time of rendering."""

    __slots__ = ("content", "etag", "headers", "modified", "status")

    def __init__(self, response, stamps):
        self.status = response.status_code
        self.headers = [(k, v) for k, v in response.headers.items() if k.lower() not in NOT_STORED_HEADERS]
        self.content = response.content
        stamp = "-".join(f"{stamp:x}" for stamp in stamps)
        self.etag = f'"{stamp}-{hashlib.md5(self.content, usedforsecurity=False).hexdigest()[:16]}"'
        self.modified = int(time.time())

    def __getstate__(self):
        return (self.status, self.headers, self.content, self.etag, self.modified)

    def __setstate__(self, state):
        self.status, self.headers, self.content, self.etag, self.modified = state

    def response(self):
        from django.http import HttpResponse

        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        return response


def _validators(response, entry) -> None:
    response["ETag"] = entry.etag
    response["Last-Modified"] = http_date(entry.modified)
    if "Cache-Control" not in response:
        max_age = settings.PAGE_CACHE_MAX_AGE
        stale = settings.PAGE_CACHE_STALE_WHILE_REVALIDATE
        extra = {"stale_while_revalidate": stale} if stale else {}
        patch_cache_control(response, public=True, max_age=max_age, **extra)


class PageCacheMiddleware:
    """Put it early in MIDDLEWARE: after the security, edge and static-file middleware, before sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if carries_session(request):
            response = self.get_response(request)
            if "Cache-Control" not in response:
                patch_cache_control(response, private=True)
            return response
        if not seconds:
            return self.get_response(request)
        stamps = versions.current_many(STAMPS)
        key = page_key(request, stamps)
        entry = cache.get(key)
        if entry is not None:
            response = entry.response()
            response["X-Page-Cache"] = "hit"
        else:
            response = self.get_response(request)
            if not storable(request, response):
                return response
            entry = Entry(response, stamps)
            cache.set(key, entry, seconds)
            response["X-Page-Cache"] = "miss"
        _validators(response, entry)
        return get_conditional_response(request, etag=entry.etag, last_modified=entry.modified, response=response)
