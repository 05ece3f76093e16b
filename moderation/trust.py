"""Trust rules for new members: whether their first summary is held for review.

Rate limits for new accounts live in ``accounts.ratelimit`` (``is_new_account``); auto-hiding after reports
from established members lives in ``moderation.actions.create_report``.
"""

from __future__ import annotations

from django.conf import settings


def initial_state_for(user) -> str:
    """The state a new summary by ``user`` starts in.

    ``PENDING`` (held for a moderator) when the site owner switched on ``HOLD_FIRST_SUMMARY_FOR_REVIEW``
    and the writer has no earlier summary readers can see; ``VISIBLE`` otherwise.
    """
    from summaries.models import Summary

    if not getattr(settings, "HOLD_FIRST_SUMMARY_FOR_REVIEW", False):
        return Summary.State.VISIBLE
    if user is None or not getattr(user, "pk", None):
        return Summary.State.PENDING
    if Summary.objects.filter(writer_id=user.pk, state=Summary.State.VISIBLE, deleted_at__isnull=True).exists():
        return Summary.State.VISIBLE
    return Summary.State.PENDING


def is_established(user) -> bool:
    """A member whose reports count towards auto-hiding: not a new account (see accounts.ratelimit)."""
    from accounts.ratelimit import is_new_account

    return not is_new_account(user)
