"""Every writing endpoint × anonymous, member, writer (owner), moderator and banned member.

"writer" owns the summary (and the comment) the endpoint acts on. 302 to sign-in for anonymous visitors on
pages, 403 for the markdownx endpoints (they answer XHR), 404 where an object must not be revealed.
"""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from summaries.models import Summary
from tests.conftest import ROLES
from tests.factories import CommentFactory, PaperFactory, SummaryFactory
from tests.writing_helpers import editor_data, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    cache.clear()


@pytest.fixture
def world(role_users):
    writer = role_users["writer"]
    paper = PaperFactory()
    summary = SummaryFactory(paper=paper, writer=writer)
    private = SummaryFactory(writer=writer, visibility=Summary.Visibility.PRIVATE)
    private.ensure_share_token()
    return {
        "paper": paper,
        "summary": summary,
        "private": private,
        "comment": CommentFactory(summary=summary, writer=writer),
        "users": role_users,
    }


def _png():
    return SimpleUploadedFile("a.png", image_bytes("PNG"), content_type="image/png")


# name: (method, url builder, data builder, {role: expected status})
ENDPOINTS = {
    "write GET": (
        "get",
        lambda w: reverse("summaries:write", args=[w["paper"].slug]),
        None,
        {"anonymous": 302, "member": 200, "writer": 302, "moderator": 200, "banned": 403},
    ),
    "write POST": (
        "post",
        lambda w: reverse("summaries:write", args=[w["paper"].slug]),
        lambda w: editor_data(),
        # The writer already has a summary of this paper: an editor opened at "new" is a conflict.
        {"anonymous": 302, "member": 302, "writer": 409, "moderator": 302, "banned": 403},
    ),
    "edit GET": (
        "get",
        lambda w: reverse("summaries:edit", args=[w["summary"].pk]),
        None,
        {"anonymous": 302, "member": 404, "writer": 200, "moderator": 404, "banned": 404},
    ),
    "edit POST": (
        "post",
        lambda w: reverse("summaries:edit", args=[w["summary"].pk]),
        lambda w: editor_data("Edited.", revision=w["summary"].revision_number),
        {"anonymous": 302, "member": 404, "writer": 302, "moderator": 404, "banned": 404},
    ),
    "vote POST": (
        "post",
        lambda w: reverse("summaries:vote", args=[w["summary"].pk]),
        lambda w: {"value": "1"},
        {"anonymous": 302, "member": 302, "writer": 403, "moderator": 302, "banned": 403},
    ),
    "vote GET": (
        "get",
        lambda w: reverse("summaries:vote", args=[w["summary"].pk]),
        None,
        {"anonymous": 405, "member": 405, "writer": 405, "moderator": 405, "banned": 405},
    ),
    "delete GET": (
        "get",
        lambda w: reverse("summaries:delete", args=[w["summary"].pk]),
        None,
        {"anonymous": 302, "member": 404, "writer": 200, "moderator": 404, "banned": 404},
    ),
    "delete POST": (
        "post",
        lambda w: reverse("summaries:delete", args=[w["summary"].pk]),
        lambda w: {},
        {"anonymous": 302, "member": 404, "writer": 302, "moderator": 404, "banned": 404},
    ),
    "revisions GET": (
        "get",
        lambda w: reverse("summaries:revisions", args=[w["summary"].pk]),
        None,
        {"anonymous": 302, "member": 404, "writer": 200, "moderator": 200, "banned": 404},
    ),
    "share GET": (
        "get",
        lambda w: reverse("summaries:share", args=[w["private"].pk]),
        None,
        {"anonymous": 302, "member": 404, "writer": 200, "moderator": 404, "banned": 404},
    ),
    "share create POST": (
        "post",
        lambda w: reverse("summaries:share", args=[w["private"].pk]),
        lambda w: {"action": "create"},
        {"anonymous": 302, "member": 404, "writer": 302, "moderator": 404, "banned": 404},
    ),
    "share revoke POST": (
        "post",
        lambda w: reverse("summaries:share", args=[w["private"].pk]),
        lambda w: {"action": "revoke"},
        {"anonymous": 302, "member": 404, "writer": 302, "moderator": 404, "banned": 404},
    ),
    "shared GET": (
        "get",
        lambda w: reverse("summaries:shared", args=[w["private"].share_token]),
        None,
        {"anonymous": 200, "member": 200, "writer": 200, "moderator": 200, "banned": 200},
    ),
    "preview POST": (
        "post",
        lambda w: reverse("summaries:preview"),
        lambda w: {"content": "*hi*"},
        {"anonymous": 403, "member": 200, "writer": 200, "moderator": 200, "banned": 403},
    ),
    "upload POST": (
        "post",
        lambda w: reverse("summaries:upload"),
        lambda w: {"image": _png()},
        {"anonymous": 403, "member": 200, "writer": 200, "moderator": 200, "banned": 403},
    ),
    "comment add POST": (
        "post",
        lambda w: reverse("comments:add", args=[w["summary"].pk]),
        lambda w: {"body": "A comment.", "submission": str(uuid.uuid4())},
        {"anonymous": 302, "member": 302, "writer": 302, "moderator": 302, "banned": 403},
    ),
    "comment edit GET": (
        "get",
        lambda w: reverse("comments:edit", args=[w["comment"].pk]),
        None,
        {"anonymous": 302, "member": 404, "writer": 200, "moderator": 404, "banned": 404},
    ),
    "comment edit POST": (
        "post",
        lambda w: reverse("comments:edit", args=[w["comment"].pk]),
        lambda w: {"body": "Edited comment."},
        {"anonymous": 302, "member": 404, "writer": 302, "moderator": 404, "banned": 404},
    ),
    "comment delete POST": (
        "post",
        lambda w: reverse("comments:delete", args=[w["comment"].pk]),
        lambda w: {},
        {"anonymous": 302, "member": 404, "writer": 302, "moderator": 404, "banned": 404},
    ),
}

CASES = [(name, role) for name in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize("endpoint,role", CASES, ids=[f"{name} as {role}" for name, role in CASES])
def test_permission_matrix(client, world, endpoint, role):
    method, url, data, expected = ENDPOINTS[endpoint]
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    kwargs = {"data": data(world)} if data else {}
    response = getattr(client, method)(url(world), **kwargs)
    assert response.status_code == expected[role], response.content[:300]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def test_refused_requests_change_nothing(client, world, tmp_path):
    summary, comment, private = world["summary"], world["comment"], world["private"]
    for role in ("anonymous", "member", "moderator", "banned"):
        client.logout()
        if world["users"][role]:
            client.force_login(world["users"][role])
        client.post(reverse("summaries:edit", args=[summary.pk]), editor_data("Hijacked", revision=1))
        client.post(reverse("summaries:delete", args=[summary.pk]))
        client.post(reverse("summaries:share", args=[private.pk]), {"action": "revoke"})
        client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Hijacked"})
        client.post(reverse("comments:delete", args=[comment.pk]))
    summary.refresh_from_db()
    comment.refresh_from_db()
    private.refresh_from_db()
    assert summary.body != "Hijacked" and summary.deleted_at is None and summary.revision_number == 1
    assert comment.body != "Hijacked" and comment.deleted_at is None
    assert private.share_token


def test_refused_uploads_store_no_file(client, world, tmp_path):
    for role in ("anonymous", "banned"):
        client.logout()
        if world["users"][role]:
            client.force_login(world["users"][role])
        client.post(reverse("summaries:upload"), {"image": _png()})
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# --- The digest's curation pages × anonymous, member, curator, moderator, banned (a banned curator) -------------

CURATION_ROLES = ["anonymous", "member", "curator", "moderator", "banned"]
CURATOR_ONLY = {"anonymous": 302, "member": 403, "curator": 200, "moderator": 200, "banned": 403}
CURATOR_POSTS = {"anonymous": 302, "member": 403, "curator": 302, "moderator": 302, "banned": 403}


@pytest.fixture
def curation_world(role_users):
    from digest import curation
    from tests.digest.curate_helpers import DAY, curator, make_day

    users = {**role_users, "curator": curator("a-curator"), "banned": curator("banned-curator")}
    users["banned"].ban(reason="spam")
    papers = make_day(3)
    digest = curation.digest_for(DAY, users["curator"])
    _, entry = curation.decide(digest, papers[0], "add", users["curator"])
    entry.set_note("A note.", "en")
    return {"day": DAY.isoformat(), "papers": papers, "entry": entry, "digest": digest, "users": users}


def _digest_url(name, pk=None):
    """The URL of curation page ``name`` for the world's day (and the object ``pk(world)`` picks)."""
    return lambda w: reverse(f"digest:{name}", args=[w["day"], pk(w)] if pk else [w["day"]])


CURATION_ENDPOINTS = {
    "curate GET": ("get", lambda w: reverse("digest:curate"), None, {**CURATOR_ONLY, "curator": 302, "moderator": 302}),
    "triage GET": ("get", _digest_url("triage"), None, CURATOR_ONLY),
    "triage action POST": (
        "post",
        _digest_url("triage-action", lambda w: w["papers"][1].pk),
        lambda w: {"action": "star"},
        CURATOR_POSTS,
    ),
    "entries GET": ("get", _digest_url("entries"), None, CURATOR_ONLY),
    "entries POST": ("post", _digest_url("entries"), lambda w: {"title": "T", "intro": ""}, CURATOR_POSTS),
    "entry GET": ("get", _digest_url("entry", lambda w: w["entry"].pk), None, CURATOR_ONLY),
    "entry POST": (
        "post",
        _digest_url("entry", lambda w: w["entry"].pk),
        lambda w: {"note": "Changed.", "language": "en"},
        CURATOR_POSTS,
    ),
    "move POST": (
        "post",
        _digest_url("entry-move", lambda w: w["entry"].pk),
        lambda w: {"direction": "down"},
        CURATOR_POSTS,
    ),
    "figure POST": (
        "post",
        _digest_url("figure-add", lambda w: w["entry"].pk),
        lambda w: {"image": _png()},
        CURATOR_POSTS,
    ),
    "note to summary POST": (
        "post",
        _digest_url("entry-summary", lambda w: w["entry"].pk),
        lambda w: {},
        CURATOR_POSTS,
    ),
    "preview GET": ("get", _digest_url("curate-preview"), None, CURATOR_ONLY),
    "schedule POST": (
        "post",
        _digest_url("publish"),
        lambda w: {"action": "schedule", "publish_at": "2099-01-01T10:00"},
        CURATOR_POSTS,
    ),
    "publish POST": ("post", _digest_url("publish"), lambda w: {"action": "publish"}, CURATOR_POSTS),
}

CURATION_CASES = [(name, role) for name in CURATION_ENDPOINTS for role in CURATION_ROLES]


@pytest.mark.parametrize("endpoint,role", CURATION_CASES, ids=[f"{name} as {role}" for name, role in CURATION_CASES])
def test_curation_permission_matrix(client, curation_world, endpoint, role):
    method, url, data, expected = CURATION_ENDPOINTS[endpoint]
    user = curation_world["users"][role]
    if user is not None:
        client.force_login(user)
    kwargs = {"data": data(curation_world)} if data else {}
    response = getattr(client, method)(url(curation_world), **kwargs)
    assert response.status_code == expected[role], response.content[:300]
    if expected[role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", CURATION_ROLES)
def test_only_moderators_unpublish_a_digest(client, curation_world, role):
    from digest.models import Digest

    curation_world["digest"].publish(curation_world["users"]["curator"])
    user = curation_world["users"][role]
    if user is not None:
        client.force_login(user)
    response = client.post(reverse("digest:publish", args=[curation_world["day"]]), {"action": "unpublish"})
    expected = {"anonymous": 302, "member": 403, "curator": 403, "moderator": 302, "banned": 403}[role]
    assert response.status_code == expected
    state = Digest.objects.get(pk=curation_world["digest"].pk).state
    assert state == (Digest.State.DRAFT if role == "moderator" else Digest.State.PUBLISHED)


def test_refused_curation_requests_change_nothing(client, curation_world):
    from digest.models import Digest, DigestEntry

    entry, day = curation_world["entry"], curation_world["day"]
    for role in ("anonymous", "member", "banned"):
        client.logout()
        if curation_world["users"][role]:
            client.force_login(curation_world["users"][role])
        client.post(reverse("digest:entry", args=[day, entry.pk]), {"note": "Hijacked", "language": "en"})
        client.post(reverse("digest:triage-action", args=[day, curation_world["papers"][0].pk]), {"action": "star"})
        client.post(reverse("digest:publish", args=[day]), {"action": "publish"})
    entry = DigestEntry.objects.get(pk=entry.pk)
    assert entry.note == "A note." and not entry.starred
    assert Digest.objects.get(pk=curation_world["digest"].pk).state == Digest.State.DRAFT


@pytest.mark.parametrize(
    "role,expected",
    [("anonymous", False), ("member", False), ("curator", True), ("moderator", True), ("banned", False)],
)
def test_can_curate(curation_world, role, expected):
    from accounts.permissions import can_curate

    user = curation_world["users"][role]
    assert can_curate(user if user is not None else AnonymousUser()) is expected
