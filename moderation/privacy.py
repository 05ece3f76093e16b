"""Private summaries in the moderators' admin: that one exists and its metadata, never its body or share link.

The site tells writers that only they can see a private summary, and the admin keeps that promise. The one
exception: a reader who was given the share link reported the summary. Moderators may then read the revision
that reader was shown (not earlier or later ones), and every time one does, the audit trail records who
read which revision and when.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from moderation.admin_tools import rendered_body
from moderation.models import AuditEntry, Report
from summaries.markup import render_summary
from summaries.models import Revision, Summary

PRIVATE_NOTICE = (
    "Private: only its writer can read it. Its text is shown here only once a reader with its share link reports it."
)


def is_private(summary: Summary) -> bool:
    return summary.visibility == Summary.Visibility.PRIVATE


def reported_revision_number(summary: Summary) -> int | None:
    """The revision of ``summary`` most recently reported through its share link, if any."""
    return (
        Report.objects.for_object(summary)
        .filter(revision_number__isnull=False)
        .order_by("-created_at")
        .values_list("revision_number", flat=True)
        .first()
    )


def may_read_revision(revision: Revision) -> bool:
    """Whether moderators may read this revision's text: any of a non-private summary, a reported one of a private."""
    return not is_private(revision.summary) or reported_revision_number(revision.summary) == revision.number


def record_view(viewer, summary: Summary, number: int) -> None:
    AuditEntry.objects.create(
        actor=viewer,
        action=AuditEntry.Action.VIEW_PRIVATE,
        content_object=summary,
        object_repr=str(summary)[:300],
        reason=f"Read revision {number}, reported through the share link.",
        details={"revision": number},
    )


def body_for_moderators(summary: Summary, viewer) -> SafeString:
    """What the admin shows of a summary's body: its stored HTML, or for a private summary the reported revision.

    Reading a private summary's reported revision is written to the audit trail.
    """
    if not is_private(summary):
        return rendered_body(summary)
    number = reported_revision_number(summary)
    revision = summary.revisions.filter(number=number).first() if number is not None else None
    if revision is None:
        return format_html("<p><em>{}</em></p>", PRIVATE_NOTICE)
    record_view(viewer, summary, number)
    return format_html(
        "<p><em>Private summary: revision {} as a reader with its share link reported it.</em></p>{}",
        number,
        mark_safe(render_summary(revision.body)),  # the one renderer's sanitised output
    )
