"""Curating a day's digest: the triage list of the day's new papers, and what a curator does to each paper.

A paper of the announcement day is, for the digest of that day, untriaged, *added* (it has a ``DigestEntry``),
*starred* (an entry with the star) or *skipped* (a ``SkippedPaper``). Every change takes the digest's row lock,
so two curators triaging the same day keep one numbering and a true ``entry_count``.

The triage page runs the same handful of queries whatever the day's size (``triage_page``): the category counts
of the day, one page of category links with their papers, the page's authorships, the digest's entries and skips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.urls import reverse

from digest.models import Digest, DigestEntry, SkippedPaper
from papers.models import Category, Paper, PaperAuthor, PaperCategory
from shortscience.lib import versions
from summaries.editing import save_summary
from summaries.models import Summary

PER_PAGE = 100
QUERY_MAX_LENGTH = 200


class CurationError(Exception):
    """A triage step that would lose work (removing an entry that has a note); the message is for the curator."""


class State:
    NONE = ""
    ADDED = "added"
    STARRED = "starred"
    SKIPPED = "skipped"


ACTIONS = ("add", "remove", "star", "unstar", "skip", "unskip")


def latest_announcement_day() -> date | None:
    """The newest day with announced papers (the partial index ``paper_announced_idx`` answers it)."""
    return (
        Paper.objects.filter(announced_on__isnull=False)
        .order_by("-announced_on")
        .values_list("announced_on", flat=True)
        .first()
    )


def affiliations(authorships) -> list[str]:
    """The paper's affiliations in author order, each once: what the digest shows as ``[A & B & C]``."""
    return list(dict.fromkeys(name for authorship in authorships for name in authorship.affiliations if name))


# --- The triage page ------------------------------------------------------------------------------------


@dataclass
class TriageRow:
    link: PaperCategory  # the paper as listed under one of its categories (primary or cross-list)
    paper: Paper
    category: Category
    state: str
    entry: DigestEntry | None
    authors: list = field(default_factory=list)
    affiliations: list = field(default_factory=list)
    action_url: str = ""
    entry_url: str = ""

    @property
    def is_primary(self) -> bool:
        return self.link.position == 0


@dataclass
class TriagePage:
    day: date
    digest: Digest | None
    categories: list  # [(Category, count)] of the day, by code
    category: Category | None
    query: str
    page: object  # the Paginator page of PaperCategory rows
    rows: list[TriageRow]
    counts: dict


def day_links(day: date, *, category: str = "", query: str = ""):
    """The day's papers listed under each of their categories (cross-lists too), by category then arXiv order."""
    links = PaperCategory.objects.filter(announced_on=day)
    if category:
        links = links.filter(category_id=category)
    query = query.strip()[:QUERY_MAX_LENGTH]
    if query:
        by_author = PaperAuthor.objects.filter(paper=OuterRef("paper"), author__name__icontains=query)
        links = links.filter(Q(paper__title__icontains=query) | Q(paper__abstract__icontains=query) | Exists(by_author))
    return links.order_by("category_id", "paper_id")


def triage_page(day: date, *, category: str = "", query: str = "", page_number=1) -> TriagePage:
    """One page (``PER_PAGE`` category links) of the day's triage list, with each paper's state."""
    digest = Digest.objects.filter(date=day).first()
    categories = [
        (row["category"], row["count"])
        for row in PaperCategory.objects.filter(announced_on=day)
        .values("category")
        .annotate(count=Count("id"))
        .order_by("category")
    ]
    by_code = Category.objects.in_bulk([code for code, _ in categories])
    categories = [(by_code[code], count) for code, count in categories if code in by_code]
    selected = by_code.get(category) if category else None

    authorships = Prefetch(
        "paper__authorships",
        queryset=PaperAuthor.objects.select_related("author").only(
            "paper_id", "position", "affiliations", "author__name"
        ),
    )
    links = (
        day_links(day, category=selected.code if selected else "", query=query)
        .select_related("paper", "category")
        .prefetch_related(authorships)
    )
    page = Paginator(links, PER_PAGE).get_page(page_number)

    entries, skipped = _decisions(digest)
    # Two URLs per row, hundreds of rows: reversed once, then formatted (the {% url %} tag per row costs more).
    action_prefix = reverse("digest:triage-action", args=[day.isoformat(), 0]).removesuffix("0/")
    entry_prefix = reverse("digest:entry", args=[day.isoformat(), 0]).removesuffix("0/")
    rows = []
    for link in page.object_list:
        paper = link.paper
        entry = entries.get(paper.pk)
        state = (
            (State.STARRED if entry.starred else State.ADDED)
            if entry
            else State.SKIPPED
            if paper.pk in skipped
            else State.NONE
        )
        paper_authorships = list(paper.authorships.all())
        rows.append(
            TriageRow(
                link=link,
                paper=paper,
                category=link.category,
                state=state,
                entry=entry,
                authors=[a.author.name for a in paper_authorships],
                affiliations=affiliations(paper_authorships),
                action_url=f"{action_prefix}{paper.pk}/",
                entry_url=f"{entry_prefix}{entry.pk}/" if entry else "",
            )
        )
    counts = {
        "added": len(entries),
        "starred": sum(1 for entry in entries.values() if entry.starred),
        "skipped": len(skipped),
        "papers": sum(count for _, count in categories),
    }
    return TriagePage(day, digest, categories, selected, query, page, rows, counts)


def _decisions(digest: Digest | None) -> tuple[dict[int, DigestEntry], set[int]]:
    """The digest's entries by paper id, and the ids of its skipped papers (two queries; none without a digest)."""
    if digest is None:
        return {}, set()
    entries = {
        entry.paper_id: entry
        for entry in DigestEntry.objects.filter(digest=digest).only(
            "id", "paper_id", "starred", "note", "language", "category_id", "position"
        )
    }
    skipped = set(SkippedPaper.objects.filter(digest=digest).values_list("paper_id", flat=True))
    return entries, skipped


# --- Triage actions -------------------------------------------------------------------------------------


def digest_for(day: date, user) -> Digest:
    """The day's digest, a new draft on the first decision; ``user`` joins its curators."""
    digest, _ = Digest.objects.get_or_create(date=day)
    if getattr(user, "pk", None):
        digest.curators.add(user)
    return digest


def day_paper(day: date, paper_id: int) -> Paper | None:
    """Paper ``paper_id`` if it was announced on ``day`` (the only papers a day's digest may take)."""
    return Paper.objects.filter(pk=paper_id, announced_on=day).first()


def decide(digest: Digest, paper: Paper, action: str, user, *, category: str = "") -> tuple[str, DigestEntry | None]:
    """Apply triage ``action`` (one of ACTIONS) to ``paper`` in ``digest``; return its new state and entry.

    ``category`` is the section the paper was listed under when added (one of its categories; the primary one
    otherwise). Removing or skipping an entry that has a note raises CurationError: the note would be lost."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown triage action {action!r}")
    with transaction.atomic():
        Digest.objects.select_for_update().filter(pk=digest.pk).values_list("pk").get()
        entry = DigestEntry.objects.filter(digest=digest, paper=paper).first()
        if action in ("add", "star") and entry is None:
            entry = _add_entry(digest, paper, user, category)
        if action in ("star", "unstar") and entry is not None:
            starred = action == "star"
            if entry.starred != starred:
                entry.starred = starred
                entry.save(update_fields=["starred", "updated_at"])
        if action in ("remove", "skip") and entry is not None:
            _remove_entry(entry)
            entry = None
        if action == "skip":
            SkippedPaper.objects.get_or_create(digest=digest, paper=paper, defaults={"curator": user})
        if action == "unskip":
            SkippedPaper.objects.filter(digest=digest, paper=paper).delete()
    if entry is not None:
        return (State.STARRED if entry.starred else State.ADDED), entry
    skipped = SkippedPaper.objects.filter(digest=digest, paper=paper).exists()
    return (State.SKIPPED if skipped else State.NONE), None


def _add_entry(digest: Digest, paper: Paper, user, category: str) -> DigestEntry:
    """Called under the digest's lock: the new entry goes last."""
    codes = list(PaperCategory.objects.filter(paper=paper).order_by("position").values_list("category_id", flat=True))
    section = category if category in codes else (codes[0] if codes else paper.primary_category_id)
    if section is None:
        raise CurationError("This paper has no arXiv category, so it has no section in the digest.")
    last = DigestEntry.objects.filter(digest=digest).order_by("-position").values_list("position", flat=True).first()
    # A curator usually writes every note of a day in one language: start from the one they used last.
    language = (
        DigestEntry.objects.filter(curator=user).order_by("-updated_at").values_list("language", flat=True).first()
        if getattr(user, "pk", None)
        else None
    )
    SkippedPaper.objects.filter(digest=digest, paper=paper).delete()
    entry = DigestEntry.objects.create(
        digest=digest,
        paper=paper,
        category_id=section,
        position=(last or 0) + 1,
        curator=user if getattr(user, "pk", None) else None,
        language=language or "en",
        source_url=paper.arxiv_url or paper.doi_url or paper.publisher_url,
    )
    Digest.objects.filter(pk=digest.pk).update(entry_count=F("entry_count") + 1)
    return entry


def _remove_entry(entry: DigestEntry) -> None:
    if entry.note.strip():
        raise CurationError(
            "This paper has a note: open it and clear the note first (or keep the paper in the digest)."
        )
    entry.delete()
    Digest.objects.filter(pk=entry.digest_id).update(entry_count=F("entry_count") - 1)


def entry_order(digest_id: int):
    """The digest's entries in reading order (the numbering 1、2、…)."""
    return DigestEntry.objects.filter(digest_id=digest_id).order_by("position", "id")


def move(entry: DigestEntry, offset: int) -> bool:
    """Move ``entry`` ``offset`` places in the digest (-1 up, 1 down); the numbering is renumbered 1…n.

    False when it is already first (or last)."""
    with transaction.atomic():
        Digest.objects.select_for_update().filter(pk=entry.digest_id).values_list("pk").get()
        order = list(entry_order(entry.digest_id).values_list("id", "position"))
        ids = [pk for pk, _ in order]
        index = ids.index(entry.pk)
        target = index + offset
        if not 0 <= target < len(ids):
            return False
        ids.insert(target, ids.pop(index))
        current = dict(order)
        changed = [DigestEntry(pk=pk, position=number) for number, pk in enumerate(ids, 1) if current[pk] != number]
        DigestEntry.objects.bulk_update(changed, ["position"])
        # A bulk update sends no signal (shortscience.invalidation): the numbering readers see moved.
        versions.bump(versions.LISTING)
    return True


def digest_entries(digest: Digest) -> list[DigestEntry]:
    """The digest's entries in reading order with what the preview and the entries page show (constant queries):
    each carries ``author_names`` and ``affiliation_names`` (in author order, each once)."""
    entries = list(
        DigestEntry.objects.filter(digest=digest)
        .select_related("paper", "category")
        .prefetch_related(
            Prefetch(
                "paper__authorships",
                queryset=PaperAuthor.objects.select_related("author").only(
                    "paper_id", "position", "affiliations", "author__name"
                ),
            ),
            "figures",
        )
        .order_by("position", "id")
    )
    for entry in entries:
        authorships = list(entry.paper.authorships.all())
        entry.author_names = [authorship.author.name for authorship in authorships]
        entry.affiliation_names = affiliations(authorships)
    return entries


def sections(entries) -> list[Category]:
    """The categories the entries fall in, in order of first appearance (the digest's legend)."""
    return list({entry.category_id: entry.category for entry in entries}.values())


def note_to_summary(entry: DigestEntry, user) -> tuple[Summary, bool]:
    """Start ``user``'s summary of the entry's paper from the note: a private summary (only they see it) with the
    note as its body, to go on with in the editor. Returns (summary, created); an existing live summary of theirs
    is returned untouched (created False), never overwritten."""
    existing = Summary.objects.filter(paper=entry.paper, writer=user).first()
    if existing is not None and existing.deleted_at is None:
        return existing, False
    summary = save_summary(
        paper=entry.paper,
        writer=user,
        expected_revision=existing.revision_number if existing is not None else 0,
        data={"body": entry.note, "visibility": Summary.Visibility.PRIVATE, "is_anonymous": False},
    )
    return summary, True
