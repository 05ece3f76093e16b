"""Trust in reports: how much the reports on an item weigh towards hiding it automatically.

Rate limits for new accounts live in ``accounts.ratelimit``; whether a new member's first summary is held for
review is ``summaries.editing.initial_state_for``. ``report_weight`` below is what
``moderation.actions.maybe_auto_hide`` acts on.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q

from accounts.models import User

# --- How much reports weigh towards hiding an item automatically ------------------------------------------------
# Each established reporter starts at 1. Reports of theirs that moderators upheld add UPHELD_BONUS each (up to
# MAX_WEIGHT); reports moderators dismissed as unfounded take DISMISSED_PENALTY each (down to nothing).
UPHELD_BONUS = 0.5
DISMISSED_PENALTY = 0.5
MAX_WEIGHT = 2.0
# Accounts created within this long of each other are not independent witnesses (one person with several
# accounts, or a brigade that signed up together): together they weigh what the heaviest of them weighs.
SAME_BATCH = timedelta(days=1)


def report_weight(obj) -> float:
    """The weight of the open reports on ``obj`` from established members, compared with REPORT_AUTOHIDE_THRESHOLD.

    Three queries at most, whatever the number of reports.
    """
    from moderation.models import Report

    reporters = list(
        Report.objects.for_object(obj)
        .open()
        .filter(reporter__in=User.objects.established().values("pk"))
        .values_list("reporter_id", "reporter__date_joined")
        .distinct()
    )
    if not reporters:
        return 0.0
    history = {
        row["reporter_id"]: row
        for row in Report.objects.filter(reporter_id__in=[pk for pk, _ in reporters])
        .exclude(status=Report.Status.OPEN)
        .values("reporter_id")
        .annotate(
            upheld=Count("pk", filter=Q(status=Report.Status.RESOLVED)),
            dismissed=Count("pk", filter=Q(status=Report.Status.DISMISSED)),
        )
    }

    def weight(pk) -> float:
        past = history.get(pk, {"upheld": 0, "dismissed": 0})
        return max(0.0, min(MAX_WEIGHT, 1 + UPHELD_BONUS * past["upheld"] - DISMISSED_PENALTY * past["dismissed"]))

    # Accounts whose creation times chain within SAME_BATCH of each other form one batch.
    total, batch_weight, batch_end = 0.0, 0.0, None
    for pk, joined in sorted(reporters, key=lambda row: row[1]):
        if batch_end is not None and joined - batch_end < SAME_BATCH:
            batch_weight = max(batch_weight, weight(pk))
        else:
            total += batch_weight
            batch_weight = weight(pk)
        batch_end = joined
    return total + batch_weight


def needs_a_moderator(obj) -> bool:
    """Items that reports alone never hide: a summary readers voted up to REPORT_AUTOHIDE_PROTECTED_SCORE or more."""
    from summaries.models import Summary

    return isinstance(obj, Summary) and obj.score >= settings.REPORT_AUTOHIDE_PROTECTED_SCORE
