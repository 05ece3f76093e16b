"""Every moderation action, in one place.

Each function changes state only through the models' own methods (so counters, scores and search stay
right), runs in one transaction and writes an ``AuditEntry`` saying who did what, when and why.
The admin, the report view and the management commands call these; nothing else changes moderation state.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from comments.models import Comment
from jobs.queue import enqueue
from moderation import notices, trust
from moderation.merging import MergeError, merge, unmerge
from moderation.models import AuditEntry, Report
from papers.models import Paper
from summaries import counters
from summaries.models import Summary

Action = AuditEntry.Action
logger = logging.getLogger(__name__)


class ModerationError(Exception):
    """An action that does not apply to this object (for example hiding a paper)."""


class AlreadyReported(ModerationError):
    def __init__(self):
        super().__init__("You already reported this. A moderator will look at it.")


# ---------------------------------------------------------------------------
# Summaries and comments: hide, unhide, spam, restore, approve
# ---------------------------------------------------------------------------


def _content_state(obj, state: str, **kwargs) -> bool:
    """Move a summary or comment to ``state`` (``_change_state``); False when nothing changed."""
    return _change_state(obj, state, **kwargs) is not None


def _change_state(
    obj,
    state: str,
    *,
    actor,
    action: str,
    reason: str,
    close_reports: bool = False,
    from_states=None,
    details: dict | None = None,
) -> AuditEntry | None:
    """Move a summary or comment to ``state`` if it is in one of ``from_states`` (any other state when None) and
    return the audit entry saying so; None when it is not (nothing changed, nothing recorded).

    The check reads the stored state under a row lock, not the instance's, which may be stale (a moderator's
    old page, two moderators or two reports at once): acting twice records once, and approving an item that
    was hidden meanwhile does not publish it.
    """
    if not isinstance(obj, (Summary, Comment)):
        raise ModerationError("Only summaries and comments can be hidden or marked as spam.")
    with transaction.atomic():
        obj.state = type(obj).objects.select_for_update().values_list("state", flat=True).get(pk=obj.pk)
        if obj.state == state or (from_states is not None and obj.state not in from_states):
            return None
        obj.set_state(state)
        closed = _close_reports(obj, actor=actor) if close_reports else 0
        details = {**(details or {}), **({"reports_resolved": closed} if closed else {})}
        return AuditEntry.record(actor=actor, action=action, obj=obj, reason=reason, details=details)


def _close_reports(obj, *, actor, status: str = Report.Status.RESOLVED) -> int:
    return (
        Report.objects.for_object(obj)
        .open()
        .update(status=status, resolved_by=actor if getattr(actor, "pk", None) else None, resolved_at=timezone.now())
    )


def _report_details(report) -> dict:
    # The report acted on is a fact for the audit trail, kept out of the reason (which the writer is sent).
    return {"report": report.pk, "report_reason": report.reason} if report is not None else {}


def hide(obj, *, actor, reason: str = "", report=None) -> bool:
    """Hide a summary or comment from every public surface; closes its open reports as resolved and tells the
    writer by e-mail (``moderation.notices``, on the queue after the commit) with the moderator's ``reason``.
    ``report``: the report acted on from the queue, recorded in the audit entry."""
    state = Summary.State.HIDDEN if isinstance(obj, Summary) else Comment.State.HIDDEN
    entry = _change_state(
        obj,
        state,
        actor=actor,
        action=Action.HIDE,
        reason=reason,
        close_reports=True,
        details=_report_details(report),
    )
    if entry is not None:
        enqueue(notices.send_hidden_notice, entry.pk)
    return entry is not None


def mark_spam(obj, *, actor, reason: str = "", report=None) -> bool:
    state = Summary.State.SPAM if isinstance(obj, Summary) else Comment.State.SPAM
    return _content_state(
        obj,
        state,
        actor=actor,
        action=Action.SPAM,
        reason=reason,
        close_reports=True,
        details=_report_details(report),
    )


def unhide(obj, *, actor, reason: str = "") -> bool:
    """Show a hidden (or held, or spam) item again."""
    state = Summary.State.VISIBLE if isinstance(obj, Summary) else Comment.State.VISIBLE
    return _content_state(obj, state, actor=actor, action=Action.UNHIDE, reason=reason)


def restore(obj, *, actor, reason: str = "") -> bool:
    """Take an item out of spam (it was not spam after all)."""
    state = Summary.State.VISIBLE if isinstance(obj, Summary) else Comment.State.VISIBLE
    return _content_state(obj, state, actor=actor, action=Action.RESTORE, reason=reason, from_states={obj.State.SPAM})


def approve(summary: Summary, *, actor, reason: str = "") -> bool:
    """Publish a summary held for review (see moderation.trust)."""
    return _content_state(
        summary,
        Summary.State.VISIBLE,
        actor=actor,
        action=Action.APPROVE,
        reason=reason,
        from_states={Summary.State.PENDING},
    )


# ---------------------------------------------------------------------------
# Featured summaries
# ---------------------------------------------------------------------------


def feature(summary: Summary, *, actor, reason: str = "") -> bool:
    if not summary.is_listed:
        raise ModerationError("Only public, visible summaries can be featured.")
    if summary.is_featured:
        return False
    with transaction.atomic():
        summary.feature(True)
        AuditEntry.record(actor=actor, action=Action.FEATURE, obj=summary, reason=reason)
    return True


def unfeature(summary: Summary, *, actor, reason: str = "") -> bool:
    if not summary.is_featured:
        return False
    with transaction.atomic():
        summary.feature(False)
        AuditEntry.record(actor=actor, action=Action.UNFEATURE, obj=summary, reason=reason)
    return True


# ---------------------------------------------------------------------------
# Bans
# ---------------------------------------------------------------------------


def ban(user, *, actor, reason: str, until=None, hide_content: bool = False) -> AuditEntry:
    """Ban ``user``: they keep reading but cannot write, vote, comment or report; their votes stop counting.

    With ``hide_content`` every visible summary and comment of theirs is hidden; the audit entry lists
    them so ``unban`` shows exactly those again.
    """
    if user.is_superuser:
        raise ModerationError("Site owners cannot be banned.")
    with transaction.atomic():
        user.ban(reason=reason, until=until)
        hidden = {"summaries": [], "comments": []}
        if hide_content:
            for summary in Summary.objects.filter(writer=user, state=Summary.State.VISIBLE):
                summary.set_state(Summary.State.HIDDEN)
                hidden["summaries"].append(summary.pk)
            for comment in Comment.objects.filter(writer=user, state=Comment.State.VISIBLE):
                comment.set_state(Comment.State.HIDDEN)
                hidden["comments"].append(comment.pk)
        rescored = counters.votes_of_member_changed(user.pk)
        details = {"until": until.isoformat() if until else None, "hidden": hidden, "rescored_summaries": rescored}
        return AuditEntry.record(actor=actor, action=Action.BAN, obj=user, reason=reason, details=details)


def unban(user, *, actor, reason: str = "") -> AuditEntry:
    """Lift a ban, show again what the ban hid (unless a moderator changed it since) and count their votes."""
    with transaction.atomic():
        last_ban = AuditEntry.objects.for_object(user).filter(action=Action.BAN).order_by("-created_at").first()
        hidden = (last_ban.details or {}).get("hidden", {}) if last_ban else {}
        user.unban()
        restored = {"summaries": [], "comments": []}
        for summary in Summary.objects.filter(pk__in=hidden.get("summaries", []), state=Summary.State.HIDDEN):
            summary.set_state(Summary.State.VISIBLE)
            restored["summaries"].append(summary.pk)
        for comment in Comment.objects.filter(pk__in=hidden.get("comments", []), state=Comment.State.HIDDEN):
            comment.set_state(Comment.State.VISIBLE)
            restored["comments"].append(comment.pk)
        rescored = counters.votes_of_member_changed(user.pk)
        details = {"restored": restored, "rescored_summaries": rescored}
        return AuditEntry.record(actor=actor, action=Action.UNBAN, obj=user, reason=reason, details=details)


def end_expired_bans(now=None) -> list[AuditEntry]:
    """Lift every ban whose end date has passed, exactly as ``unban`` does (what the ban hid is shown again,
    their votes count again), with the system as actor. ``manage.py end_expired_bans`` runs it; schedule it
    hourly. Until it runs the member can already act again (``User.is_banned`` looks at the date)."""
    from accounts.models import User

    now = now or timezone.now()
    expired = User.objects.filter(banned_at__isnull=False, banned_until__lte=now)
    entries = []
    for pk in expired.order_by("pk").values_list("pk", flat=True):
        try:
            with transaction.atomic():
                # Checked again under a lock: a moderator may have banned them anew meanwhile.
                user = expired.select_for_update().filter(pk=pk).first()
                if user is not None:
                    entries.append(unban(user, actor=None, reason="The ban ended on its date."))
        except DatabaseError:
            logger.exception("Could not lift the expired ban of member %s", pk)
    return entries


# ---------------------------------------------------------------------------
# Papers
# ---------------------------------------------------------------------------


def merge_papers(keep, duplicate, *, actor, reason: str = "", allow_conflicts: bool = False) -> AuditEntry:
    """Merge ``duplicate`` into ``keep`` (see moderation.merging); the duplicate's URLs then redirect.

    Papers whose identifiers conflict are refused unless ``allow_conflicts`` (then a reason is required).
    The duplicate's entry holds everything the merge changed: ``unmerge_papers`` undoes it from there.
    """
    if allow_conflicts and not reason.strip():
        raise MergeError("Merging papers whose identifiers differ needs a reason.")
    with transaction.atomic():
        result = merge(keep=keep, duplicate=duplicate, allow_conflicts=allow_conflicts)
        AuditEntry.record(
            actor=actor, action=Action.MERGE, obj=duplicate, reason=reason, details={"into": keep.pk, **result}
        )
        return AuditEntry.record(
            actor=actor,
            action=Action.MERGE,
            obj=keep,
            reason=reason,
            details={"from": duplicate.pk, "from_title": duplicate.title, **result},
        )


def unmerge_papers(duplicate, *, actor, reason: str = "") -> bool:
    """Undo the merge of ``duplicate`` (see moderation.merging.unmerge), from the duplicate's last merge entry.

    Raises ``ModerationError`` when the paper is not merged or the merge cannot be undone.
    """
    with transaction.atomic():
        entry = (
            AuditEntry.objects.for_object(duplicate)
            .filter(action=Action.MERGE, details__has_key="into")
            .order_by("-created_at", "-id")
            .first()
        )
        if duplicate.merged_into_id is None or entry is None:
            raise ModerationError("This paper is not merged into another paper.")
        keep = Paper.objects.get(pk=entry.details["into"])
        try:
            result = unmerge(duplicate=duplicate, details=entry.details)
        except MergeError as error:
            raise ModerationError(str(error)) from error
        details = {"merge_entry": entry.pk, **result}
        AuditEntry.record(actor=actor, action=Action.UNMERGE, obj=duplicate, reason=reason, details=details)
        AuditEntry.record(
            actor=actor, action=Action.UNMERGE, obj=keep, reason=reason, details={"from": duplicate.pk, **details}
        )
    return True


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def create_report(*, reporter, obj, reason: str, details: str = "", revision_number: int | None = None) -> Report:
    """Record a reader's report; hides the item automatically once enough established members reported it.

    ``revision_number``: a private summary reported through its share link, the revision the reader saw.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter,
                    content_type=ContentType.objects.get_for_model(obj),
                    object_id=obj.pk,
                    reason=reason,
                    details=details,
                    revision_number=revision_number,
                )
        except IntegrityError as error:
            raise AlreadyReported() from error
        maybe_auto_hide(obj)
    return report


def maybe_auto_hide(obj) -> bool:
    """Hide ``obj`` (actor: the system) once its reports weigh ``REPORT_AUTOHIDE_THRESHOLD`` (moderation.trust)."""
    if not isinstance(obj, (Summary, Comment)) or obj.state != obj.State.VISIBLE:
        return False
    threshold = settings.REPORT_AUTOHIDE_THRESHOLD
    if threshold <= 0 or trust.needs_a_moderator(obj):
        return False
    weight = trust.report_weight(obj)
    if weight < threshold:
        return False
    entry = _change_state(
        obj,
        obj.State.HIDDEN,
        actor=None,
        action=Action.AUTO_HIDE,
        reason=f"Reports from established members weigh {weight:g} (threshold {threshold}); hidden until a moderator "
        "decides.",
        from_states={obj.State.VISIBLE},
    )
    if entry is not None:
        enqueue(notices.send_hidden_notice, entry.pk)
    return entry is not None


def resolve_report(report: Report, *, actor, reason: str = "") -> bool:
    """Close a report as handled (the moderator acted on it, for example by editing the paper)."""
    return _close_report(report, Report.Status.RESOLVED, Action.RESOLVE, actor=actor, reason=reason)


def dismiss_report(report: Report, *, actor, reason: str = "") -> bool:
    """Close a report as unfounded. An item hidden automatically is shown again when no open report is left."""
    with transaction.atomic():
        if not _close_report(report, Report.Status.DISMISSED, Action.DISMISS, actor=actor, reason=reason):
            return False
        obj = report.content_object
        if (
            isinstance(obj, (Summary, Comment))
            and obj.state == obj.State.HIDDEN
            and not Report.objects.for_object(obj).open().exists()
            and _last_state_action(obj) == Action.AUTO_HIDE
        ):
            unhide(obj, actor=actor, reason=f"Reports dismissed: {reason}".strip())
    return True


def _last_state_action(obj) -> str | None:
    return (
        AuditEntry.objects.for_object(obj)
        .exclude(action__in=[Action.FEATURE, Action.UNFEATURE, Action.EDIT])
        .order_by("-created_at", "-id")
        .values_list("action", flat=True)
        .first()
    )


def _close_report(report: Report, status: str, action: str, *, actor, reason: str) -> bool:
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, status=Report.Status.OPEN).update(
            status=status, resolved_by=actor, resolved_at=timezone.now()
        )
        if not updated:
            return False
        report.refresh_from_db()
        AuditEntry.record(actor=actor, action=action, obj=report, reason=reason)
    return True
