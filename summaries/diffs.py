"""Line diffs between consecutive revisions of a summary, as data for a template (which escapes them)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

CONTEXT_LINES = 2


@dataclass
class DiffLine:
    kind: str  # "add", "remove", "context" or "hunk"
    text: str

    @property
    def marker(self) -> str:
        return {"add": "+", "remove": "−", "context": " ", "hunk": ""}[self.kind]


@dataclass
class RevisionEntry:
    revision: object
    previous_number: int | None
    lines: list[DiffLine] = field(default_factory=list)
    added: int = 0
    removed: int = 0

    @property
    def is_first(self) -> bool:
        return self.previous_number is None

    @property
    def unchanged(self) -> bool:
        return not self.is_first and not self.added and not self.removed


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """Unified diff of two texts; line content stays plain text (the template escapes it)."""
    lines = []
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=CONTEXT_LINES)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("context", line[1:]))
    return lines


def revision_diffs(summary, page) -> list[RevisionEntry]:
    """For a page of revisions (newest first), each one's diff against the revision before it.

    One extra query fetches the revision just before the oldest one on the page.
    """
    revisions = list(page.object_list)
    if not revisions:
        return []
    before = summary.revisions.filter(number__lt=revisions[-1].number).order_by("-number").only("number", "body")
    older = before.first()
    chain = [*revisions, older] if older else revisions
    entries = []
    for index, revision in enumerate(revisions):
        previous = chain[index + 1] if index + 1 < len(chain) else None
        if previous is None:
            entries.append(
                RevisionEntry(revision, None, [DiffLine("add", line) for line in revision.body.splitlines()])
            )
            entries[-1].added = len(entries[-1].lines)
            continue
        lines = diff_lines(previous.body, revision.body)
        entry = RevisionEntry(revision, previous.number, lines)
        entry.added = sum(1 for line in lines if line.kind == "add")
        entry.removed = sum(1 for line in lines if line.kind == "remove")
        entries.append(entry)
    return entries
