"""Sending e-mail from inside a request without letting a mail failure fail the request.

A mail server that is down, slow or refusing must never turn a sign-up, a comment or a moderation action that
already happened into an error page: the failure is logged with its traceback and the caller decides what to
tell the member. (A later move to a task queue replaces the body of ``send_or_log``, not its callers.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def send_or_log(send: Callable[[], object], *, what: str) -> bool:
    """Call ``send`` (which sends mail); True when it returned, False when it raised (logged, not re-raised)."""
    try:
        send()
    except Exception:
        # SMTP errors, refused or timed-out connections and TLS failures are all OSErrors, but a misconfigured
        # backend fails in other ways; none of them may undo what the request already did.
        logger.exception("Could not send %s", what)
        return False
    return True
