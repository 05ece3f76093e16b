"""Line diffs between consecutive revisions of a summary, as data for a template (which escapes them).

The diff is Myers' O((N+M)·D) algorithm with a work budget, not difflib: difflib's SequenceMatcher is cubic
on texts with many repeated lines (a 60 KB body of 150 distinct lines, saved again in another order, took a
minute). Past the budget the two versions are "too different to show" and the page links to both instead,
so one diff costs at most the budget, whatever the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import get_template

CONTEXT_LINES = 2
#: Steps (diagonals visited plus lines compared) one diff may take. An edit of a few paragraphs of the
#: longest summary takes a few thousand; a wholesale rewrite of a ~700-line body fits.
DIFF_BUDGET = 200_000


class TooDifferent(Exception):
    """The two texts differ too much for a line diff within DIFF_BUDGET."""


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
    html: str = ""  # the rendered diff (DIFF_TEMPLATE), empty when there is none to show
    added: int = 0
    removed: int = 0
    too_different: bool = False  # no line diff within DIFF_BUDGET: the page links to both versions instead

    @property
    def is_first(self) -> bool:
        return self.previous_number is None

    @property
    def unchanged(self) -> bool:
        return not self.is_first and not self.too_different and not self.added and not self.removed


def diff_lines(old: str, new: str, budget: int = DIFF_BUDGET) -> list[DiffLine]:
    """Unified diff of two texts; line content stays plain text (the template escapes it).

    Raises TooDifferent when the diff would take more than ``budget`` steps.
    """
    a, b = old.splitlines(), new.splitlines()
    lines = []
    for group in _grouped(_opcodes(a, b, budget), CONTEXT_LINES):
        a_start, a_end, b_start, b_end = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines.append(DiffLine("hunk", f"@@ -{_range(a_start, a_end)} +{_range(b_start, b_end)} @@"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("context", line) for line in a[i1:i2])
                continue
            lines.extend(DiffLine("remove", line) for line in a[i1:i2])
            lines.extend(DiffLine("add", line) for line in b[j1:j2])
    return lines


def _range(start: int, end: int) -> str:
    """A unified-diff range, numbered from 1 as ``diff -u`` does."""
    length = end - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _opcodes(a: list[str], b: list[str], budget: int) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes turning ``a`` into ``b``: common ends trimmed, then Myers on the middle."""
    prefix = 0
    while prefix < len(a) and prefix < len(b) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < len(a) - prefix and suffix < len(b) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    middle = _myers(a[prefix : len(a) - suffix], b[prefix : len(b) - suffix], budget)
    # Matched (x, y) pairs of the whole texts, in order.
    pairs = [(i, i) for i in range(prefix)]
    pairs += [(prefix + x, prefix + y) for x, y in middle]
    pairs += [(len(a) - suffix + i, len(b) - suffix + i) for i in range(suffix)]
    opcodes = []
    i = j = 0
    for x, y in [*pairs, (len(a), len(b))]:
        if x > i or y > j:
            tag = "replace" if x > i and y > j else "delete" if x > i else "insert"
            opcodes.append((tag, i, x, j, y))
        if x < len(a):
            if opcodes and opcodes[-1][0] == "equal":
                opcodes[-1] = ("equal", opcodes[-1][1], x + 1, opcodes[-1][3], y + 1)
            else:
                opcodes.append(("equal", x, x + 1, y, y + 1))
        i, j = x + 1, y + 1
    return opcodes


def _myers(a: list[str], b: list[str], budget: int) -> list[tuple[int, int]]:
    """The matched line pairs of a shortest edit script (Myers 1986), or TooDifferent past ``budget`` steps."""
    n, m = len(a), len(b)
    if not n or not m:
        return []
    # Compare small integers, not long lines, in the inner loop.
    ids: dict[str, int] = {}
    a_ids = [ids.setdefault(line, len(ids)) for line in a]
    b_ids = [ids.setdefault(line, len(ids)) for line in b]
    offset = n + m + 1
    v = [0] * (2 * offset + 1)
    trace = []
    spent = 0
    for d in range(n + m + 1):
        trace.append(v[offset - d : offset + d + 1])  # the frontier before step d, for backtracking
        spent += 2 * d + 1
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a_ids[x] == b_ids[y]:
                x += 1
                y += 1
            spent += x - start
            v[offset + k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
        if spent > budget:
            raise TooDifferent
    raise AssertionError("unreachable: d = n + m always reaches the end")


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[tuple[int, int]]:
    """Walk the frontiers back from (n, m), collecting the diagonal (matching) moves."""
    pairs = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]  # the frontier before step d: v[k + d] for diagonals k = -d … d
        k = x - y
        if d == 0:
            previous_x = previous_y = 0
        else:
            down = k == -d or (k != d and v[k - 1 + d] < v[k + 1 + d])
            previous_k = k + 1 if down else k - 1
            previous_x = v[previous_k + d]
            previous_y = previous_x - previous_k
        while x > previous_x and y > previous_y:
            x -= 1
            y -= 1
            pairs.append((x, y))
        x, y = previous_x, previous_y
    pairs.reverse()
    return pairs


def _grouped(opcodes, context: int):
    """Opcodes in hunks with ``context`` equal lines around each change (difflib's get_grouped_opcodes)."""
    if not opcodes or (len(opcodes) == 1 and opcodes[0][0] == "equal"):
        return []
    codes = list(opcodes)
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    groups, group = [], []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


# Saved revisions never change, so each one's diff against the one before is computed and rendered once and
# kept: a history page opened again (or a script requesting the costliest pair over and over) costs one cache
# read per revision and no revision body at all, not the diff budget and a template loop over every line.
DIFF_CACHE_SECONDS = 30 * 24 * 3600
DIFF_TEMPLATE = "summaries/edit/diff.html"
_VERSION = 2  # bump when DIFF_TEMPLATE's markup changes


def _diff_key(previous_pk: int | None, revision_pk: int) -> str:
    return f"revision-diff:{_VERSION}:{previous_pk or 0}:{revision_pk}:{DIFF_BUDGET}"


def _rendered_diff(previous_body: str | None, body: str, number: int) -> dict:
    """What a history page shows of one revision: the diff as HTML (a template's escaped output) and its counts."""
    if previous_body is None:
        lines = [DiffLine("add", line) for line in body.splitlines()]
    else:
        try:
            lines = diff_lines(previous_body, body)
        except TooDifferent:
            return {"html": "", "added": 0, "removed": 0, "too_different": True}
    html = get_template(DIFF_TEMPLATE).render({"lines": lines, "number": number}) if lines else ""
    return {
        "html": html,  # a SafeString, and still one after the cache's pickling: nothing is marked here
        "added": sum(1 for line in lines if line.kind == "add"),
        "removed": sum(1 for line in lines if line.kind == "remove"),
        "too_different": False,
    }


def revision_diffs(summary, page) -> list[RevisionEntry]:
    """For a page of revisions (newest first, bodies deferred), each one's diff against the revision before it.

    One query finds the revision just before the oldest one on the page and one cache read fetches every
    rendered diff; only diffs not yet rendered load the bodies they need (one more query).
    """
    revisions = list(page.object_list)
    if not revisions:
        return []
    older = summary.revisions.filter(number__lt=revisions[-1].number).order_by("-number").only("pk", "number").first()
    chain = [*revisions, older] if older else revisions
    pairs = [
        (revision, chain[index + 1] if index + 1 < len(chain) else None) for index, revision in enumerate(revisions)
    ]
    keys = {revision.pk: _diff_key(previous and previous.pk, revision.pk) for revision, previous in pairs}
    found = cache.get_many(list(keys.values()))
    missing = [(revision, previous) for revision, previous in pairs if keys[revision.pk] not in found]
    if missing:
        wanted = {revision.pk for revision, _ in missing} | {previous.pk for _, previous in missing if previous}
        bodies = dict(summary.revisions.filter(pk__in=wanted).values_list("pk", "body"))
        rendered = {
            keys[revision.pk]: _rendered_diff(
                bodies[previous.pk] if previous else None, bodies[revision.pk], revision.number
            )
            for revision, previous in missing
        }
        cache.set_many(rendered, DIFF_CACHE_SECONDS)
        found.update(rendered)
    return [
        RevisionEntry(revision, previous and previous.number, **found[keys[revision.pk]])
        for revision, previous in pairs
    ]
