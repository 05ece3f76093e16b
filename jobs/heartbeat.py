"""The workers' heartbeat: a beat task stamps the time in the shared cache every minute; ``/health/`` reads it.

A stale stamp means no worker ran the task (workers down, or stuck) or beat did not send it (beat down), or the
broker lost it: in each case periodic jobs and queued e-mail are not running.
"""

from __future__ import annotations

import time

from django.core.cache import cache

KEY = "jobs:heartbeat"
# Kept a day: long enough for any alert threshold, short enough that a site whose workers are gone for good
# stops showing an old stamp.
KEEP_SECONDS = 24 * 3600


def beat(now: float | None = None) -> None:
    cache.set(KEY, time.time() if now is None else now, timeout=KEEP_SECONDS)


def age_seconds(now: float | None = None) -> float | None:
    """Seconds since the last beat, or None when there is none."""
    stamp = cache.get(KEY)
    if stamp is None:
        return None
    return (time.time() if now is None else now) - float(stamp)
