"""Saving a summary from the editor: one revision per save, optimistic locking against lost updates.

The editor sends back the ``revision_number`` it was opened at. A save is applied only if the summary
is still at that number (checked under a row lock), then the number goes up by one and the new body is
stored as ``Revision(number=revision_number)``. A stale number means another tab or window saved in
between: the save is refused with ``EditConflict`` and nothing is written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from summaries.models import Revision, Summary

#: Fields the editor may set.
EDITABLE_FIELDS = ("body", "visibility", "is_anonymous", "audience", "arxiv_version")


def initial_state_for(user) -> str:
    """The state a new summary by ``user`` starts in.

    ``PENDING`` (held for a moderator) when the site owner switched on ``HOLD_FIRST_SUMMARY_FOR_REVIEW``
    and the writer has no earlier summary readers can see; ``VISIBLE`` otherwise.
    """
    if not getattr(settings, "HOLD_FIRST_SUMMARY_FOR_REVIEW", False):
        return Summary.State.VISIBLE
    if user is None or not getattr(user, "pk", None):
        return Summary.State.PENDING
    if Summary.objects.filter(writer_id=user.pk, state=Summary.State.VISIBLE, deleted_at__isnull=True).exists():
        return Summary.State.VISIBLE
    return Summary.State.PENDING


class EditConflict(Exception):
    """The summary changed since the editor was opened; ``current`` is the saved version."""

    def __init__(self, current: Summary):
        super().__init__("The summary was saved elsewhere since this editor was opened.")
        self.current = current


def save_summary(*, paper, writer, expected_revision: int, data: dict) -> Summary:
    """Create or update ``writer``'s summary of ``paper`` from editor ``data``; returns the saved summary.

    ``expected_revision`` is 0 for a summary that did not exist when the editor was opened. Saving a
    soft-deleted summary ("start over") brings it back with the new text.
    """
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    with transaction.atomic():
        summary = Summary.objects.select_for_update().filter(paper=paper, writer=writer).first()
        if summary is None:
            if expected_revision != 0:
                raise EditConflict(_deleted_placeholder(paper, writer))
            summary = Summary(paper=paper, writer=writer, state=initial_state_for(writer), revision_number=1, **values)
            try:
                with transaction.atomic():
                    summary.save()
            except IntegrityError:
                # Another tab created it a moment ago (the unique constraint caught the race).
                raise EditConflict(Summary.objects.get(paper=paper, writer=writer)) from None
        else:
            if summary.revision_number != expected_revision:
                raise EditConflict(summary)
            for field, value in values.items():
                setattr(summary, field, value)
            summary.revision_number += 1
            summary.deleted_at = None
            summary.save()
        Revision.objects.create(summary=summary, number=summary.revision_number, body=summary.body, editor=writer)
    return summary


def _deleted_placeholder(paper, writer) -> Summary:
    # The summary the editor was opened for no longer exists at all (removed by an administrator).
    return Summary(paper=paper, writer=writer, body="", revision_number=0)
