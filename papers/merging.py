"""Merge a duplicate paper into the one to keep.

Summaries (with their comments and votes), keywords and missing identifiers move to the kept paper; the
duplicate gets ``merged_into`` so its URLs redirect (the paper view answers 301). Called through
``moderation.actions.merge_papers``, which writes the audit entry.

A writer has one summary per paper. When both papers carry a summary by the same writer, the better-scored
one (then the newer) ends up on the kept paper and the other stays on the duplicate, soft-deleted; the
result says which.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q

from papers.models import Paper, PaperAuthor, Venue

IDENTIFIERS = ["arxiv_id", "doi", "dblp_key"]
FILL_IF_EMPTY = ["abstract", "url", "pdf_url", "year", "published_on", "venue_id", "arxiv_version"]


class MergeError(ValueError):
    pass


def merge(*, keep: Paper, duplicate: Paper) -> dict:
    """Move everything from ``duplicate`` to ``keep``. Returns what moved, for the audit entry."""
    from summaries.models import Summary, refresh_paper_counters, refresh_writer_counters

    if keep.pk == duplicate.pk:
        raise MergeError("A paper cannot be merged into itself.")
    with transaction.atomic():
        # Lock both rows (in id order, so two concurrent merges cannot deadlock).
        locked = {
            p.pk: p for p in Paper.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
        }
        keep, duplicate = locked[keep.pk], locked[duplicate.pk]
        if keep.merged_into_id or duplicate.merged_into_id:
            raise MergeError("One of these papers was already merged into another paper.")

        moved, superseded = [], []
        kept_by_writer = {s.writer_id: s for s in Summary.objects.filter(paper=keep, writer__isnull=False)}
        for summary in Summary.objects.filter(paper=duplicate).order_by("id"):
            rival = kept_by_writer.get(summary.writer_id) if summary.writer_id else None
            if rival is None:
                Summary.objects.filter(pk=summary.pk).update(paper=keep)
                moved.append(summary.pk)
                continue
            winner, loser = _better(rival, summary)
            if winner.pk == summary.pk:
                # Swap the two rows between the papers without ever breaking (paper, writer) uniqueness.
                writer_id = loser.writer_id
                Summary.objects.filter(pk=loser.pk).update(writer=None)
                Summary.objects.filter(pk=winner.pk).update(paper=keep)
                Summary.objects.filter(pk=loser.pk).update(paper=duplicate, writer_id=writer_id)
                moved.append(winner.pk)
            loser.refresh_from_db()
            if loser.deleted_at is None:
                loser.soft_delete()
            superseded.append(loser.pk)

        keep.keywords.add(*duplicate.keywords.all())
        if not keep.authorships.exists():
            PaperAuthor.objects.filter(paper=duplicate).update(paper=keep)

        fields = []
        for field in IDENTIFIERS:
            value = getattr(duplicate, field)
            if value and not getattr(keep, field):
                # Unique columns: clear the duplicate's value first.
                Paper.objects.filter(pk=duplicate.pk).update(**{field: None})
                setattr(duplicate, field, None)
                setattr(keep, field, value)
                fields.append(field)
        for field in FILL_IF_EMPTY:
            value = getattr(duplicate, field)
            if value and not getattr(keep, field):
                setattr(keep, field, value)
                fields.append(field)
        keep.save()

        Paper.objects.filter(merged_into=duplicate).update(merged_into=keep)
        Paper.objects.filter(pk=duplicate.pk).update(merged_into=keep)
        duplicate.merged_into = keep

        from papers.search import update_summary_search_vector

        for summary_id in moved:
            update_summary_search_vector(summary_id)
        refresh_paper_counters(keep.pk)
        refresh_paper_counters(duplicate.pk)
        refresh_venue_counters({keep.venue_id, duplicate.venue_id} - {None})
        for writer_id in Summary.objects.filter(pk__in=moved + superseded).values_list("writer_id", flat=True):
            if writer_id:
                refresh_writer_counters(writer_id)
    return {"moved_summaries": moved, "superseded_summaries": superseded, "copied_fields": fields}


def _better(a, b):
    """(winner, loser): a live summary beats a deleted one, then the higher score, then the newer."""
    if (a.deleted_at is None, a.score, a.created_at, a.pk) >= (b.deleted_at is None, b.score, b.created_at, b.pk):
        return a, b
    return b, a


def venue_counts(venue_ids=None):
    """Venues annotated with their true counts: live papers, and listed summaries on live papers."""
    from summaries.models import LISTED

    listed = Q(papers__merged_into__isnull=True) & Q(**{f"papers__summaries__{k}": v for k, v in LISTED.children})
    venues = Venue.objects.all()
    if venue_ids is not None:
        venues = venues.filter(pk__in=venue_ids)
    return venues.annotate(
        true_papers=Count("papers", filter=Q(papers__merged_into__isnull=True), distinct=True),
        true_summaries=Count("papers__summaries", filter=listed, distinct=True),
    )


def refresh_venue_counters(venue_ids) -> None:
    for venue in venue_counts(venue_ids):
        Venue.objects.filter(pk=venue.pk).update(paper_count=venue.true_papers, summary_count=venue.true_summaries)
