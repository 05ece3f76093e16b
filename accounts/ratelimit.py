"""Rate limits per member and per IP address, in the cache (Redis in production).

Each action has a limit per window for a member and a (looser) one per IP address; members whose account
is new (younger than a day, or without a verified e-mail address) get a fraction of the member limit.
Fixed windows: cheap (one INCR per check) and good enough against spam bursts.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

NEW_ACCOUNT_FACTOR = 4  # new accounts get a quarter of the member limit


@dataclass(frozen=True)
class Rate:
    per_member: int
    per_ip: int
    window: int  # seconds
    label: str  # "summaries", used in the message
    new_account_factor: int = NEW_ACCOUNT_FACTOR


RATES = {
    "signup": Rate(per_member=0, per_ip=5, window=3600, label="sign-ups"),
    "paper_add": Rate(per_member=20, per_ip=40, window=3600, label="paper additions"),
    # Each look-up not already cached asks arXiv or Crossref and may hold a worker for the client's timeout.
    "lookup": Rate(per_member=30, per_ip=60, window=3600, label="paper look-ups"),
    # Each search runs a full-text query; 12 a minute on average is far above what a reader types.
    "search": Rate(per_member=240, per_ip=120, window=600, label="searches"),
    "summary": Rate(per_member=20, per_ip=40, window=3600, label="new summaries"),
    # Editing one's own summary is the normal way of writing (save, read, fix, save): a far looser limit, the
    # same for new accounts, that still stops a runaway script.
    "summary_edit": Rate(per_member=60, per_ip=120, window=3600, label="summary edits", new_account_factor=1),
    "comment": Rate(per_member=30, per_ip=60, window=3600, label="comments"),
    "vote": Rate(per_member=120, per_ip=240, window=3600, label="votes"),
    "report": Rate(per_member=20, per_ip=40, window=3600, label="reports"),
    "upload": Rate(per_member=30, per_ip=60, window=3600, label="image uploads"),
    "preview": Rate(per_member=600, per_ip=1200, window=3600, label="previews"),
    # Each one may send a confirmation mail to someone else's address (at most one per address per 15 minutes).
    "digest_subscribe": Rate(per_member=10, per_ip=10, window=3600, label="subscriptions", new_account_factor=1),
}


def window_end(window: int, now: datetime | None = None) -> datetime:
    """When the fixed window of ``window`` seconds holding ``now`` ends (its counts start again from zero)."""
    now = now or timezone.now()
    bucket = int(now.timestamp()) // window
    return datetime.fromtimestamp((bucket + 1) * window, tz=now.tzinfo)


class RateLimited(Exception):
    """Over ``rate``'s limit until ``retry_at``; the message says when to try again."""

    def __init__(self, rate: Rate, now: datetime | None = None):
        now = now or timezone.now()
        self.rate = rate
        self.retry_at = window_end(rate.window, now)
        self.retry_after = max(1, int((self.retry_at - now).total_seconds() + 0.999))
        minutes = max(1, -(-self.retry_after // 60))
        at = timezone.localtime(self.retry_at)
        super().__init__(
            f"You have reached the limit for {rate.label}. You can try again in {minutes} minute"
            f"{'' if minutes == 1 else 's'} (at {at:%H:%M} {at.tzname()})."
        )


def client_ip(request) -> str:
    """The visitor's address, for rate limits (ours and allauth's).

    Behind ``TRUSTED_PROXY_COUNT`` proxies that each append the address they saw to X-Forwarded-For, the
    client is the entry that many places from the right: everything left of it came from the client and may
    be forged. A header with fewer entries than that was not written by all our proxies, so its left-most
    entry is the one our outermost proxy saw. Anything that doesn't parse as an address falls back to
    REMOTE_ADDR, so a forged header can never put a visitor into someone else's counter or a fresh one.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    candidate = entries[-hops] if len(entries) >= hops else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def is_new_account(user) -> bool:
    """Not (yet) an established member (``User.is_established``): a quarter of the member limits."""
    if not getattr(user, "is_authenticated", False):
        return True
    return not user.is_established


def member_limit(user, rate: Rate) -> int:
    if is_new_account(user):
        return max(1, rate.per_member // rate.new_account_factor)
    return rate.per_member


def _hit(key: str, limit: int, window: int, now: datetime) -> bool:
    """Count one hit on ``key``; False once the window already holds ``limit`` hits."""
    bucket = int(now.timestamp()) // window
    full_key = f"rl:{key}:{bucket}"
    cache.add(full_key, 0, timeout=window + 5)
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, timeout=window + 5)
        count = 1
    return count <= limit


def check(request, action: str) -> None:
    """Count this request against ``action``'s limits; raise RateLimited when one is exceeded."""
    rate = RATES[action]
    now = timezone.now()
    if not _hit(f"{action}:ip:{client_ip(request)}", rate.per_ip, rate.window, now):
        raise RateLimited(rate, now)
    user = getattr(request, "user", None)
    member = user is not None and user.is_authenticated and rate.per_member
    if member and not _hit(f"{action}:user:{user.pk}", member_limit(user, rate), rate.window, now):
        raise RateLimited(rate, now)


def limited_response(request, error: RateLimited) -> HttpResponse:
    """429 page (or a short JSON/HTML fragment for fetch requests) with the message."""
    if request.headers.get("Accept", "").startswith("application/json"):
        from django.http import JsonResponse

        response = JsonResponse({"error": str(error)}, status=429)
    else:
        response = render(request, "429.html", {"message": str(error)}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def ratelimit(action: str):
    """View decorator: POST requests count against ``action``; over the limit they get a 429 with a message."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    check(request, action)
                except RateLimited as error:
                    return limited_response(request, error)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class Busy(Exception):
    """The member already has one of these requests running."""


# Longer than any preview or upload takes; a worker killed mid-request frees the slot after this.
IN_FLIGHT_SECONDS = 30


@contextlib.contextmanager
def one_at_a_time(request, action: str):
    """Let each member run one ``action`` request at a time (raise ``Busy`` otherwise), across all workers.

    The editor never needs two previews or uploads at once (it waits for the previous answer), but a script
    can send many in parallel, each holding a worker for as long as the renderer or the image decoder takes.
    """
    key = f"inflight:{action}:{request.user.pk}"
    if not cache.add(key, 1, timeout=IN_FLIGHT_SECONDS):
        raise Busy("Your previous request is still being handled; try again in a moment.")
    try:
        yield
    finally:
        cache.delete(key)


@dataclass(frozen=True)
class TimeShare:
    """How much of one worker's time a member may keep busy with an action, sustained and at once."""

    share: float  # fraction of one worker, over any stretch of time
    burst: float  # seconds of server time usable at once before the share applies
    label: str  # "previews", used in the message


# A preview of a typical summary (5 KB) renders in ~10 ms, the longest ordinary one (60 KB) in ~150 ms: the
# editor, asking at most twice a second while the member types, stays far below a fifth of a worker. The
# renderer's worst inputs take ~0.5 s at 60 KB; sent back to back they would keep a worker (and a core)
# busy for as long as the attacker likes (the take-down drill, `make drill`).
TIME_SHARES = {
    "preview": TimeShare(share=0.2, burst=1.0, label="previews"),
    # A summary's history: a member reads it a few times while editing. The drill's attacker loaded the history
    # of its worst diff pair 19 times a second (10–20 ms each, rendered diffs from the cache): a tenth of a
    # worker is far more than reading needs.
    "revisions": TimeShare(share=0.1, burst=0.5, label="history pages"),
}


class OverBudget(Exception):
    """The member's recent ``action`` requests used up their share of server time for ``retry_after`` s."""

    def __init__(self, share: TimeShare, retry_after: float):
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"Your {share.label} are paused for {self.retry_after} second{'' if self.retry_after == 1 else 's'}: "
            f"the last ones took the server a long time to render. Your text is kept; saving works as usual."
        )


@contextlib.contextmanager
def time_share(request, action: str):
    """Charge the server time the block takes to the member's share for ``action``; raise ``OverBudget`` first
    when the earlier ones have used it up.

    A leaky bucket kept as one timestamp per member: the moment the member's charged time is paid off. Each
    request moves it on by its duration divided by the share; a request is turned away while it lies more
    than ``burst / share`` seconds ahead. Callers hold ``one_at_a_time`` for the same action, so the read and
    the write never race for one member.
    """
    share = TIME_SHARES[action]
    key = f"timeshare:{action}:{request.user.pk}"
    allowed_ahead = share.burst / share.share
    ahead = (cache.get(key) or 0.0) - time.time()
    if ahead > allowed_ahead:
        raise OverBudget(share, ahead - allowed_ahead)
    started = time.perf_counter()
    try:
        yield
    finally:
        now = time.time()
        paid_off = max(cache.get(key) or 0.0, now) + (time.perf_counter() - started) / share.share
        cache.set(key, paid_off, timeout=math.ceil(paid_off - now) + 5)
