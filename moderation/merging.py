"""Merge a duplicate paper into the one to keep.

Summaries (with their comments and votes), keywords and missing identifiers move to the kept paper; the
duplicate gets ``merged_into`` so its URLs redirect (the paper view answers 301). Called through
``moderation.actions.merge_papers``, which writes the audit entry.

A writer has one summary per paper. When both papers carry a summary by the same writer, the better-scored
one (then the newer) ends up on the kept paper and the other stays on the duplicate, soft-deleted; the
result says which.

Papers whose arXiv ids, DOIs or DBLP keys differ are refused unless the moderator overrides (with a reason).
The result records everything the merge changed, so ``unmerge`` can undo it exactly
(``moderation.actions.unmerge_papers``).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from papers.models import Paper, PaperAuthor
from summaries import counters
from summaries.models import Summary
from summaries.vectors import update_summary_search_vector

IDENTIFIERS = ["arxiv_id", "doi", "dblp_key"]
FILL_IF_EMPTY = ["abstract", "url", "pdf_url", "year", "published_on", "venue_id", "arxiv_version"]


class MergeError(ValueError):
    pass


def identifier_conflicts(a: Paper, b: Paper) -> list[tuple[str, str, str]]:
    """(field, a's value, b's value) for each identifier both papers carry with different values.

    Two papers with different arXiv ids, DOIs or DBLP keys are almost never the same paper: merging them
    needs an explicit override. DOIs are compared case-insensitively (they are case-insensitive).
    """
    conflicts = []
    for field in IDENTIFIERS:
        left, right = getattr(a, field), getattr(b, field)
        if left and right and left.casefold() != right.casefold():
            conflicts.append((field, left, right))
    return conflicts


def _stored(field: str, value):
    """A field value as JSON can hold it (dates as ISO strings), for the audit entry."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _loaded(field: str, value):
    return Paper._meta.get_field(field).to_python(value) if value is not None else None


def merge(*, keep: Paper, duplicate: Paper, allow_conflicts: bool = False) -> dict:
    """Move everything from ``duplicate`` to ``keep``. Returns what changed, for the audit entry and ``unmerge``.

    Refuses papers whose identifiers conflict (``identifier_conflicts``) unless ``allow_conflicts``.
    """
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
        conflicts = identifier_conflicts(keep, duplicate)
        if conflicts and not allow_conflicts:
            raise MergeError(
                "Their identifiers differ ("
                + "; ".join(f"{field}: {a} vs {b}" for field, a, b in conflicts)
                + "): they look like different papers."
            )

        # Every summary whose paper changes, with where it was, and the ones this merge soft-deleted.
        moved, superseded, changes, soft_deleted = [], [], [], []
        kept_by_writer = {s.writer_id: s for s in Summary.objects.filter(paper=keep, writer__isnull=False)}
        for summary in Summary.objects.filter(paper=duplicate).order_by("id"):
            rival = kept_by_writer.get(summary.writer_id) if summary.writer_id else None
            if rival is None:
                Summary.objects.filter(pk=summary.pk).update(paper=keep)
                moved.append(summary.pk)
                changes.append({"id": summary.pk, "from": duplicate.pk, "to": keep.pk})
                continue
            winner, loser = _better(rival, summary)
            if winner.pk == summary.pk:
                # Swap the two rows between the papers without ever breaking (paper, writer) uniqueness.
                writer_id = loser.writer_id
                Summary.objects.filter(pk=loser.pk).update(writer=None)
                Summary.objects.filter(pk=winner.pk).update(paper=keep)
                Summary.objects.filter(pk=loser.pk).update(paper=duplicate, writer_id=writer_id)
                moved.append(winner.pk)
                changes.append({"id": winner.pk, "from": duplicate.pk, "to": keep.pk})
                changes.append({"id": loser.pk, "from": keep.pk, "to": duplicate.pk})
            loser.refresh_from_db()
            if loser.deleted_at is None:
                loser.soft_delete()
                soft_deleted.append(loser.pk)
            superseded.append(loser.pk)

        kept_keywords = set(keep.keywords.values_list("pk", flat=True))
        added_keywords = [tag for tag in duplicate.keywords.all() if tag.pk not in kept_keywords]
        keep.keywords.add(*added_keywords)
        authorships = []
        if not keep.authorships.exists():
            authorships = list(PaperAuthor.objects.filter(paper=duplicate).values_list("pk", flat=True))
            PaperAuthor.objects.filter(pk__in=authorships).update(paper=keep)

        fields, copied = [], {}
        for field in IDENTIFIERS:
            value = getattr(duplicate, field)
            if value and not getattr(keep, field):
                # Unique columns: clear the duplicate's value first.
                Paper.objects.filter(pk=duplicate.pk).update(**{field: None})
                setattr(duplicate, field, None)
                copied[field] = {"value": value, "kept_had": _stored(field, getattr(keep, field)), "cleared": True}
                setattr(keep, field, value)
                fields.append(field)
        for field in FILL_IF_EMPTY:
            value = getattr(duplicate, field)
            if value and not getattr(keep, field):
                copied[field] = {"value": _stored(field, value), "kept_had": _stored(field, getattr(keep, field))}
                setattr(keep, field, value)
                fields.append(field)
        keep.save()

        repointed = list(Paper.objects.filter(merged_into=duplicate).values_list("pk", flat=True))
        Paper.objects.filter(pk__in=repointed).update(merged_into=keep)
        Paper.objects.filter(pk=duplicate.pk).update(merged_into=keep)
        duplicate.merged_into = keep

        for summary_id in moved:
            update_summary_search_vector(summary_id)
        counters.summaries_moved(paper_ids=[keep.pk, duplicate.pk], summary_ids=moved + superseded)
    return {
        "moved_summaries": moved,
        "superseded_summaries": superseded,
        "copied_fields": fields,
        # What ``unmerge`` needs to undo the merge exactly:
        "summary_moves": changes,
        "soft_deleted_summaries": soft_deleted,
        "keywords_added": [{"id": tag.pk, "name": tag.name} for tag in added_keywords],
        "authorships_moved": authorships,
        "copied": copied,
        "repointed_papers": repointed,
        "redirect": {"from": duplicate.pk, "to": keep.pk},
        "identifier_conflicts": [list(c) for c in conflicts],
    }


def unmerge(*, duplicate: Paper, details: dict) -> dict:
    """Undo ``merge`` from the details it returned (stored in the duplicate's audit entry).

    The duplicate comes back with its summaries (those the merge soft-deleted are restored), keywords,
    authors, identifiers and its own URL (no more redirect); the kept paper gets back what it had. Values
    edited on the kept paper since the merge are left as they are and reported in ``kept_as_edited``.
    """
    if "summary_moves" not in details:
        raise MergeError("This merge was recorded before merges could be undone; undo it by hand.")
    keep_pk = details["redirect"]["to"]
    with transaction.atomic():
        locked = {
            p.pk: p for p in Paper.objects.select_for_update().filter(pk__in=[keep_pk, duplicate.pk]).order_by("pk")
        }
        duplicate, keep = locked[duplicate.pk], locked.get(keep_pk)
        if keep is not None and keep.merged_into_id:
            # A later merge moved the kept paper (and repointed this one) elsewhere: undo that one first.
            raise MergeError(
                f"The kept paper was itself merged into paper #{keep.merged_into_id} since: unmerge that first."
            )
        if keep is None or duplicate.merged_into_id != keep.pk:
            raise MergeError("This paper is not merged into the paper this merge recorded: nothing to undo.")

        # Summaries go back where they were, swapped pairs included: writers are set aside first so the
        # (paper, writer) constraint holds at every step. Only summaries still where the merge put them
        # move (a moderator may have moved one since).
        recorded = details["summary_moves"]
        current = dict(Summary.objects.filter(pk__in=[m["id"] for m in recorded]).values_list("pk", "paper_id"))
        moves = [m for m in recorded if current.get(m["id"]) == m["to"]]
        writers = dict(Summary.objects.filter(pk__in=[m["id"] for m in moves]).values_list("pk", "writer_id"))
        try:
            with transaction.atomic():
                Summary.objects.filter(pk__in=writers).update(writer=None)
                for move in moves:
                    Summary.objects.filter(pk=move["id"]).update(paper_id=move["from"], writer_id=writers[move["id"]])
        except IntegrityError as error:
            raise MergeError(
                "A writer has since written another summary of the paper a summary would go back to; "
                "move or delete one of them first."
            ) from error
        restored = []
        for summary in Summary.objects.filter(pk__in=details["soft_deleted_summaries"], deleted_at__isnull=False):
            summary.restore()
            restored.append(summary.pk)

        keep.keywords.remove(*[tag["name"] for tag in details["keywords_added"]])
        PaperAuthor.objects.filter(pk__in=details["authorships_moved"], paper=keep).update(paper=duplicate)

        kept_as_edited = []
        for field, copy in details["copied"].items():
            value = _loaded(field, copy["value"])
            if getattr(keep, field) != value:
                kept_as_edited.append(field)
                continue
            setattr(keep, field, _loaded(field, copy["kept_had"]) if copy["kept_had"] is not None else _empty(field))
            if copy.get("cleared"):
                # Unique columns: the kept paper lets go of the value before the duplicate takes it back.
                Paper.objects.filter(pk=keep.pk).update(**{field: None})
                Paper.objects.filter(pk=duplicate.pk).update(**{field: value})
        keep.save()

        Paper.objects.filter(pk=duplicate.pk).update(merged_into=None)
        Paper.objects.filter(pk__in=details["repointed_papers"], merged_into=keep).update(merged_into=duplicate)
        duplicate.refresh_from_db()
        duplicate.refresh_search_vector()

        for move in moves:
            update_summary_search_vector(move["id"])
        counters.summaries_moved(paper_ids=[keep.pk, duplicate.pk], summary_ids=[*writers, *restored])
    return {
        "moved_back": [m["id"] for m in moves],
        "restored_summaries": restored,
        "keywords_removed": [tag["name"] for tag in details["keywords_added"]],
        "kept_as_edited": kept_as_edited,
    }


def _empty(field: str):
    """A field's empty value: '' for text columns that are not nullable, None otherwise."""
    model_field = Paper._meta.get_field(field)
    return None if model_field.null else ""


def _better(a, b):
    """(winner, loser): a live summary beats a deleted one, then the higher score, then the newer."""
    if (a.deleted_at is None, a.score, a.created_at, a.pk) >= (b.deleted_at is None, b.score, b.created_at, b.pk):
        return a, b
    return b, a
