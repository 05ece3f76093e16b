"""Version stamps for cached answers.

A cached answer's key includes the stamp of what it shows; bumping the stamp retires every such answer at
once, on every worker and machine sharing the cache, with no list of keys to find and delete. Stamps are
bumped after the transaction commits, so no request can cache the old rows under the new stamp. A stamp that
the cache lost starts again from the clock in nanoseconds, larger than any value it had before, so an old
answer can never come back under it.

``LISTING``: what readers may see of papers, summaries and comments (published, edited, hidden, deleted, moved).
``SEARCH``: what full-text search may find (a paper's or summary's vector recomputed, a summary listed or
unlisted); votes and comments leave it alone, so cached result pages keep their hits between edits.
"""

from __future__ import annotations

import hashlib
import threading
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction
from django.template.loader import get_template

LISTING = "listing"
SEARCH = "search"


def _key(name: str) -> str:
    return f"version:{name}"


# --- Read once per request ---------------------------------------------------------------------------------
#
# A member's list page asked for the listing stamp up to four times (its rows, its picks, two lists of cards),
# one cache round trip each. Within a request a stamp is read once and remembered (``request_started`` opens
# the memo, ``request_finished`` drops it; outside a request, in tasks and commands, every read goes to the
# cache). A bump made during the request forgets the name, so a view that writes and then reads sees its write.

_request = threading.local()


def open_request_memo(**kwargs) -> None:
    _request.stamps = {}


def close_request_memo(**kwargs) -> None:
    _request.stamps = None


def _memo() -> dict | None:
    return getattr(_request, "stamps", None)


def _read(name: str) -> int:
    value = cache.get(_key(name))
    if value is None:
        cache.add(_key(name), time.time_ns(), timeout=None)
        value = cache.get(_key(name), 0)
    return value


def current(name: str) -> int:
    memo = _memo()
    if memo is None:
        return _read(name)
    if name not in memo:
        memo[name] = _read(name)
    return memo[name]


def current_many(names) -> tuple[int, ...]:
    """The stamps of ``names`` in order, read in one cache round trip (the page cache reads two per request)."""
    memo = _memo()
    missing = [name for name in names if memo is None or name not in memo]
    found = cache.get_many([_key(name) for name in missing]) if missing else {}
    values = {name: found[_key(name)] if _key(name) in found else _read(name) for name in missing}
    if memo is not None:
        memo.update(values)
        values = memo
    return tuple(values[name] for name in names)


def bump_now(name: str) -> None:
    memo = _memo()
    if memo is not None:
        memo.pop(name, None)
    try:
        cache.incr(_key(name))
    except ValueError:  # never set, or lost: start from the clock, above every earlier value
        cache.set(_key(name), time.time_ns(), timeout=None)


_coalescing = threading.local()


def bump(name: str) -> None:
    """Retire answers cached under ``name`` once the current transaction commits (at once outside one).

    Inside ``coalesced()`` the bump is only noted, and made once at the end of the block."""
    pending = getattr(_coalescing, "names", None)
    if pending is not None:
        pending.add(name)
        return
    transaction.on_commit(lambda: bump_now(name))


@contextmanager
def coalesced():
    """Bulk writes: every ``bump`` inside the block (one per saved row, from ``shortscience.invalidation``) becomes
    one bump per stamp, registered at the end of the block, in the same transaction (so dropped with it on a
    rollback). A block inside another is part of the outer one."""
    if getattr(_coalescing, "names", None) is not None:
        yield
        return
    _coalescing.names = set()
    try:
        yield
    finally:
        names, _coalescing.names = _coalescing.names, None
        for name in sorted(names):
            bump(name)


def remember(name: str, key: str, compute, seconds: int):
    """``compute()``, kept in the cache for ``seconds`` under ``key`` and the current stamp of ``name``: the next
    request after a bump computes it afresh. ``seconds`` 0 (the page cache off, as in the tests) never keeps it.

    For what every reader sees the same (a page of summary cards, a summary's comment threads, a paper with its
    authors): members' pages read it here, since they never get the page cache. The caller's ``key`` must name
    everything the value depends on besides the stamp.
    """
    if seconds <= 0:
        return compute()
    full_key = f"kept:{current(name):x}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value


def remember_for_address(request, name: str, compute, seconds: int):
    """``remember`` under the listing stamp, for the request's address: its path and query (a page's filters, its
    page number, and the links its pagination keeps them in). For a part of a page that depends on nothing else:
    a page of a list, rendered (``papers.pagination.kept_page``), or a digest's day (``digest.views_reading``)."""
    where = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return remember(LISTING, f"{name}:{where}", compute, seconds)


def remember_many(name: str, items: dict, compute, seconds: int) -> dict:
    """``{key: compute(item)}`` for ``items`` (``{key: item}``), each kept as ``remember`` keeps one value and read
    in one ``get_many``: the cards of a list, the comments of a page. Only the missing values are computed, and
    written back in one ``set_many``."""
    if seconds <= 0:
        return {key: compute(item) for key, item in items.items()}
    stamp = current(name)
    full_keys = {f"kept:{stamp:x}:{key}": key for key in items}
    found = cache.get_many(list(full_keys))
    values, missing = {}, {}
    for full_key, key in full_keys.items():
        value = found.get(full_key)
        if value is None:
            value = missing[full_key] = compute(items[key])
        values[key] = value
    if missing:
        cache.set_many(missing, seconds)
    return values


def remember_rendered(items: dict, template_name: str, context_of, attribute: str, seconds: int) -> None:
    """Set ``attribute`` on each object of ``items`` (``{key: object}``) to ``template_name`` rendered with
    ``context_of(object)``, each kept under the listing stamp and its key (``remember_many``): the
    reader-independent part of each summary card and of each comment. The key must name everything the context
    holds besides the object's rows."""
    # A template's output is a SafeString, and stays one through the cache's pickling: nothing is marked here.
    rendered = remember_many(LISTING, items, lambda item: get_template(template_name).render(context_of(item)), seconds)
    for key, item in items.items():
        setattr(item, attribute, rendered[key])
