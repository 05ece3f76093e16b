"""The one way the harvest talks to arXiv: its terms of use for machine access, enforced in code.

arXiv asks harvesters (https://info.arxiv.org/help/api/tou.html) for no more than one request every three
seconds, one connection at a time, a User-Agent that says who is asking with a contact address, and to honour
``503 Retry-After``. ``ArxivClient.open`` does all four:

- ``RequestGate`` lets one request through at a time and starts it no sooner than three seconds after the
  previous one *finished*. Within a process a lock does it; across processes (several Celery workers, a
  backfill next to the daily job) a PostgreSQL advisory lock is held for the whole request and the time the last
  request ended (and any "not before" a 503 asked for) is kept in the shared cache. That costs two small SQL
  statements and two cache calls per request, each of which takes seconds anyway.
- The User-Agent names the site and ``CONTACT_EMAIL``; the harvest refuses to run without one.
- A 503 with ``Retry-After`` (seconds or an HTTP date) is waited out and retried, a bounded number of times; a
  wait longer than ``MAX_RETRY_AFTER`` is not shortened but given up on (the task retries later).
- Every request has a timeout; network failures become ``ArxivUnavailable`` (an ``OSError``, so
  ``jobs.tasks.ReliableTask`` retries the task with backoff).

Tests give the client a fake transport (``http_open``) and a gate with a fake clock and sleep.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from papers.sources.client import HttpOpen, urllib_http_open

logger = logging.getLogger(__name__)

MIN_INTERVAL_SECONDS = 3.0  # arXiv's terms: one request every three seconds
MAX_RETRIES = 3  # 503s waited out per request
MAX_RETRY_AFTER = 600  # the longest Retry-After waited out; longer means "come back later"
DEFAULT_RETRY_AFTER = 30  # a 503 without a usable Retry-After
TIMEOUT_SECONDS = 60.0  # OAI-PMH pages are large and arXiv's server is slow to start them
# pg_advisory_lock key shared by every process of the site: "arXiv" and 01 in ASCII — not the upsert's key
# (``ingest.LOCK_KEY``, "arXiv"), so a request never waits for a batch being stored, nor a batch for a request.
ADVISORY_LOCK_KEY = 0x6172_5869_7601
LAST_REQUEST_KEY = "papers:arxiv:last-request"
NOT_BEFORE_KEY = "papers:arxiv:not-before"

_PROCESS_LOCK = threading.Lock()


class HarvestError(Exception):
    """A harvest could not go on; the message says why, for the operator's log or the command's output."""


class ArxivUnavailable(HarvestError, ConnectionError):
    """arXiv could not be reached, timed out, or kept answering 503: worth retrying later."""


class MalformedResponse(HarvestError):
    """arXiv answered something that is not the XML (or feed) it should be."""


@contextlib.contextmanager
def advisory_lock(key: int = ADVISORY_LOCK_KEY) -> Iterator[None]:
    """Hold PostgreSQL's session-level advisory lock ``key``: one holder at a time across every process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


class RequestGate:
    """One request at a time, each starting ``interval`` seconds or more after the previous one ended.

    ``shared`` (the default) makes it hold across processes: the advisory lock and the times in the cache. A
    gate built with ``shared=False`` (tests of the timing) keeps the times in the instance only."""

    def __init__(
        self,
        interval: float = MIN_INTERVAL_SECONDS,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        shared: bool = True,
    ):
        # Never faster than the terms allow, whatever a caller passes.
        self.interval = max(float(interval), MIN_INTERVAL_SECONDS)
        self.clock = clock
        self.sleep = sleep
        self.shared = shared
        self._last = 0.0
        self._not_before = 0.0

    def _get(self, key: str, local: float) -> float:
        if not self.shared:
            return local
        return max(local, float(cache.get(key) or 0.0))

    def _put(self, key: str, value: float) -> None:
        if self.shared:
            cache.set(key, value, timeout=int(MAX_RETRY_AFTER + self.interval) + 60)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for our turn, hold it for the request's whole duration (body read included), then note the end."""
        with _PROCESS_LOCK, advisory_lock() if self.shared else contextlib.nullcontext():
            ready_at = max(
                self._get(LAST_REQUEST_KEY, self._last) + self.interval, self._get(NOT_BEFORE_KEY, self._not_before)
            )
            wait = ready_at - self.clock()
            if wait > 0:
                self.sleep(wait)
            try:
                yield
            finally:
                self._last = self.clock()
                self._put(LAST_REQUEST_KEY, self._last)

    def hold_off(self, seconds: float) -> None:
        """Let no request start for ``seconds`` (arXiv's Retry-After), in every process."""
        self._not_before = self.clock() + seconds
        self._put(NOT_BEFORE_KEY, self._not_before)


def retry_after_seconds(value: str, now: datetime.datetime | None = None) -> int | None:
    """``Retry-After`` as seconds: an integer, or an HTTP date (RFC 9110); None when unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    now = now or datetime.datetime.now(datetime.UTC)
    return max(0, int((when - now).total_seconds() + 0.999))


def user_agent() -> str:
    """What arXiv is told about us: the site and a contact address (``CONTACT_EMAIL``, required)."""
    contact = settings.CONTACT_EMAIL
    if not contact:
        raise HarvestError(
            "Set CONTACT_EMAIL before harvesting arXiv: its terms ask every harvester for a contact address."
        )
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host and not host.startswith(".")]
    site = settings.SITE_URL or (f"https://{hosts[0]}" if hosts else "")
    about = f"+{site}; mailto:{contact}" if site else f"mailto:{contact}"
    return f"{settings.SITE_NAME.replace(' ', '')}-harvester/1.0 ({about})"


class ArxivClient:
    """GETs from arXiv's OAI-PMH and RSS services, politely (see the module docstring)."""

    def __init__(
        self,
        *,
        user_agent: str,
        http_open: HttpOpen | None = None,
        gate: RequestGate | None = None,
        timeout: float = TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
        max_retry_after: int = MAX_RETRY_AFTER,
    ):
        self.user_agent = user_agent
        self.http_open = http_open or urllib_http_open
        self.gate = gate or RequestGate()
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after

    @contextlib.contextmanager
    def open(self, url: str, params: Mapping[str, str], *, accept: str = "application/xml") -> Iterator[BinaryIO]:
        """The body of a 200 answer as a binary stream, read inside the ``with`` block while the gate is held.

        Raises ``ArxivUnavailable`` for network failures, timeouts (also while the body is read), other HTTP
        statuses, and 503s that persist beyond ``max_retries`` or ask for a wait beyond ``max_retry_after``."""
        headers = {"User-Agent": self.user_agent, "Accept": accept}
        for attempt in range(self.max_retries + 1):
            with self.gate.slot():
                try:
                    response = self.http_open(url, params, headers, self.timeout)
                except (OSError, http.client.HTTPException) as error:
                    logger.info("arXiv request %s failed: %r", url, error)
                    raise ArxivUnavailable(f"Could not reach {url}: {error}") from error
                with response:
                    if response.status == 200:
                        try:
                            yield response.body
                        except (OSError, http.client.HTTPException) as error:  # timeout or reset mid-body
                            raise ArxivUnavailable(f"The answer from {url} broke off: {error}") from error
                        return
                    if response.status != 503:
                        raise ArxivUnavailable(f"{url} answered HTTP {response.status}")
                    delay = retry_after_seconds(response.header("Retry-After"))
                    delay = DEFAULT_RETRY_AFTER if delay is None else delay
            if attempt == self.max_retries:
                raise ArxivUnavailable(f"{url} still answered 503 after {self.max_retries} retries")
            if delay > self.max_retry_after:
                raise ArxivUnavailable(f"{url} asked us to come back in {delay} s; giving up for now")
            logger.info("arXiv answered 503; retrying in %s s as asked (attempt %s)", delay, attempt + 1)
            self.gate.hold_off(delay)


def get_arxiv_client() -> ArxivClient:
    """The client the harvest uses (real transport, shared gate); tests patch this seam."""
    return ArxivClient(user_agent=user_agent())
