"""The moderator dashboard on the admin index: a few counts, each one indexed query."""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_dashboard(context) -> list[dict]:
    from accounts.models import User
    from moderation.models import Report
    from summaries.models import Summary

    user = context["request"].user
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    # The same parameters as the admin's own "Today" date filter, so that choice shows as selected.
    tomorrow = today + timedelta(days=1)
    created_today = urlencode({"created_at__gte": str(today), "created_at__lt": str(tomorrow)})
    joined_today = urlencode({"date_joined__gte": str(today), "date_joined__lt": str(tomorrow)})
    cards = []
    if user.has_perm("moderation.view_report"):
        cards.append(
            {
                "label": "Open reports",
                "count": Report.objects.open().count(),  # report_queue_idx
                "url": reverse("admin:moderation_report_changelist") + "?status__exact=open",
            }
        )
    if user.has_perm("summaries.view_summary"):
        cards.append(
            {
                "label": "New summaries today",
                "count": Summary.objects.listed().filter(created_at__gte=today).count(),  # summary_latest_idx
                "url": reverse("admin:summaries_summary_changelist") + "?" + created_today,
            }
        )
        cards.append(
            {
                "label": "Held for review",
                "count": Summary.objects.filter(state=Summary.State.PENDING).count(),  # summary_state_idx
                "url": reverse("admin:summaries_summary_changelist") + "?state__exact=pending",
            }
        )
    if user.has_perm("accounts.view_user"):
        cards.append(
            {
                "label": "New members today",
                "count": User.objects.filter(date_joined__gte=today).count(),  # user_date_joined_idx
                "url": reverse("admin:accounts_user_changelist") + "?" + joined_today,
            }
        )
        cards.append(
            {
                "label": "Banned members",
                "count": User.objects.banned().count(),  # user_banned_idx
                "url": reverse("admin:accounts_user_changelist") + "?banned=yes",
            }
        )
    return cards
