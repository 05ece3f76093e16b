"""Merging duplicate papers: everything moves to the kept paper, old URLs redirect."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from moderation import actions
from moderation.merging import MergeError, merge
from moderation.models import AuditEntry
from papers.models import Paper
from summaries.models import Summary
from tests.factories import (
    CommentFactory,
    ModeratorFactory,
    PaperFactory,
    SummaryFactory,
    UserFactory,
    VenueFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def fresh(obj):
    obj.refresh_from_db()
    return obj


def test_merge_moves_summaries_comments_votes_keywords_and_identifiers(moderator):
    venue_a, venue_b = VenueFactory(), VenueFactory()
    keep = PaperFactory(venue=venue_a, author_names=["Ada Lovelace"])
    duplicate = PaperFactory(venue=venue_b, arxiv_id="1706.03762", doi="10.1000/xyz", author_names=["A. Lovelace"])
    duplicate.keywords.add("attention")
    keep.keywords.add("transformers")
    moved = SummaryFactory(paper=duplicate)
    comment = CommentFactory(summary=moved)
    VoteFactory(summary=moved, value=1)
    moved.recompute_score()
    SummaryFactory(paper=keep)

    actions.merge_papers(keep, duplicate, actor=moderator, reason="Same paper")

    keep, duplicate = fresh(keep), fresh(duplicate)
    assert duplicate.merged_into == keep
    assert fresh(moved).paper == keep and fresh(comment).summary == moved and moved.votes.count() == 1
    assert fresh(moved).score == 1
    assert (keep.arxiv_id, keep.doi) == ("1706.03762", "10.1000/xyz")
    assert (duplicate.arxiv_id, duplicate.doi) == (None, None)
    assert set(keep.keywords.names()) == {"attention", "transformers"}
    assert [a.name for a in keep.ordered_authors] == ["Ada Lovelace"]  # the kept paper's authors stay
    assert (keep.summary_count, duplicate.summary_count) == (2, 0)
    assert (fresh(venue_a).summary_count, fresh(venue_b).summary_count) == (2, 0)
    assert (fresh(venue_a).paper_count, fresh(venue_b).paper_count) == (1, 0)
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.MERGE)
    assert {e.content_object for e in entries} == {keep, duplicate}
    assert all(e.actor == moderator and e.reason == "Same paper" for e in entries)


def test_old_paper_url_redirects_to_kept_paper(client, moderator):
    keep, duplicate = PaperFactory(), PaperFactory()
    actions.merge_papers(keep, duplicate, actor=moderator, reason="dup")
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"].endswith(keep.get_absolute_url())


def test_same_writer_on_both_papers_keeps_the_better_scored_summary(moderator):
    writer = UserFactory()
    keep, duplicate = PaperFactory(), PaperFactory()
    weaker = SummaryFactory(paper=keep, writer=writer)
    better = SummaryFactory(paper=duplicate, writer=writer)
    VoteFactory.create_batch(2, summary=better, value=1)
    better.recompute_score()

    entry = actions.merge_papers(keep, duplicate, actor=moderator, reason="dup")

    better, weaker = fresh(better), fresh(weaker)
    assert better.paper == keep and better.deleted_at is None
    assert weaker.paper == duplicate and weaker.writer == writer and weaker.deleted_at is not None
    assert entry.details["superseded_summaries"] == [weaker.pk]
    assert list(Summary.objects.listed().filter(paper=keep)) == [better]
    assert fresh(writer).summary_count == 1


def test_same_writer_when_kept_paper_summary_is_better(moderator):
    writer = UserFactory()
    keep, duplicate = PaperFactory(), PaperFactory()
    better = SummaryFactory(paper=keep, writer=writer)
    VoteFactory(summary=better, value=1)
    better.recompute_score()
    weaker = SummaryFactory(paper=duplicate, writer=writer)
    actions.merge_papers(keep, duplicate, actor=moderator, reason="dup")
    assert fresh(better).paper == keep and fresh(better).deleted_at is None
    assert fresh(weaker).paper == duplicate and fresh(weaker).deleted_at is not None


def test_papers_merged_into_the_duplicate_follow_it(moderator):
    keep, duplicate, older = PaperFactory(), PaperFactory(), PaperFactory()
    actions.merge_papers(duplicate, older, actor=moderator, reason="dup")
    actions.merge_papers(keep, duplicate, actor=moderator, reason="dup")
    assert fresh(older).merged_into == keep


def test_merge_refuses_self_and_already_merged(moderator):
    paper, other = PaperFactory(), PaperFactory()
    with pytest.raises(MergeError):
        merge(keep=paper, duplicate=paper)
    actions.merge_papers(paper, other, actor=moderator, reason="dup")
    with pytest.raises(MergeError):
        merge(keep=other, duplicate=PaperFactory())
    assert Paper.objects.live().filter(pk=other.pk).count() == 0


def test_admin_merge_action_asks_which_paper_to_keep(client, moderator):
    keep, duplicate = PaperFactory(title="Attention Is All You Need"), PaperFactory(title="Attention is all you need")
    SummaryFactory(paper=duplicate)
    client.force_login(moderator)
    url = reverse("admin:papers_paper_changelist")
    data = {"action": "merge_papers", "_selected_action": [keep.pk, duplicate.pk]}
    page = client.post(url, data)
    assert page.status_code == 200
    assert "Paper to keep" in page.content.decode()
    response = client.post(url, {**data, "apply": "yes", "keep": keep.pk, "reason": "Same paper twice"})
    assert response.status_code == 302
    assert fresh(duplicate).merged_into == keep
    assert fresh(keep).summary_count == 1


def test_admin_merge_requires_a_reason(client, moderator):
    keep, duplicate = PaperFactory(), PaperFactory()
    client.force_login(moderator)
    data = {"action": "merge_papers", "_selected_action": [keep.pk, duplicate.pk], "apply": "yes", "keep": keep.pk}
    response = client.post(reverse("admin:papers_paper_changelist"), data)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert fresh(duplicate).merged_into is None


# --- safeguards: conflicting identifiers, the confirmation page ---------------------------------------


def merge_data(*papers, **extra):
    return {"action": "merge_papers", "_selected_action": [p.pk for p in papers], **extra}


def test_merge_refuses_papers_whose_arxiv_ids_differ(moderator):
    vae = PaperFactory(title="Auto-Encoding Variational Bayes", arxiv_id="1312.6114")
    adam = PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id="1412.6980")
    summary = SummaryFactory(paper=vae)
    with pytest.raises(MergeError, match=r"1412\.6980 vs 1312\.6114"):
        actions.merge_papers(adam, vae, actor=moderator, reason="Looked the same")
    assert fresh(vae).merged_into is None and fresh(summary).paper == vae
    assert not AuditEntry.objects.exists()


def test_admin_merge_page_shows_identifiers_authors_and_counts_and_refuses_conflicts(client, moderator):
    vae = PaperFactory(title="Auto-Encoding Variational Bayes", arxiv_id="1312.6114", author_names=["Diederik Kingma"])
    adam = PaperFactory(title="Adam", arxiv_id="1412.6980", doi="10.1000/adam", author_names=["Jimmy Ba"])
    SummaryFactory(paper=vae)
    client.force_login(moderator)
    url = reverse("admin:papers_paper_changelist")
    page = client.post(url, merge_data(vae, adam)).content.decode()
    for text in ["1312.6114", "1412.6980", "10.1000/adam", "Diederik Kingma", "Jimmy Ba", "identifiers differ"]:
        assert text in page
    response = client.post(url, merge_data(vae, adam, apply="yes", keep=adam.pk, reason="Same paper"))
    assert response.status_code == 200
    assert "probably different papers" in response.content.decode()
    assert "Same paper" in response.content.decode()  # the reason typed is kept
    assert fresh(vae).merged_into is None


def test_admin_merge_with_override_and_reason_merges_conflicting_papers(client, moderator):
    keep = PaperFactory(doi="10.1000/a")
    duplicate = PaperFactory(doi="10.1000/B")
    client.force_login(moderator)
    data = merge_data(keep, duplicate, apply="yes", keep=keep.pk, override="on", reason="Publisher reissued the DOI")
    assert client.post(reverse("admin:papers_paper_changelist"), data).status_code == 302
    assert fresh(duplicate).merged_into == keep
    entry = AuditEntry.objects.for_object(duplicate).get(action=AuditEntry.Action.MERGE)
    assert entry.reason == "Publisher reissued the DOI"
    assert entry.details["identifier_conflicts"] == [["doi", "10.1000/a", "10.1000/b"]]


def test_merge_with_conflicts_needs_a_reason(moderator):
    keep, duplicate = PaperFactory(arxiv_id="1312.6114"), PaperFactory(arxiv_id="1412.6980")
    with pytest.raises(MergeError, match="needs a reason"):
        actions.merge_papers(keep, duplicate, actor=moderator, reason=" ", allow_conflicts=True)
    assert fresh(duplicate).merged_into is None


def test_admin_merge_page_query_count_stays_put(client, moderator, django_assert_max_num_queries):
    url = reverse("admin:papers_paper_changelist")
    client.force_login(moderator)
    papers = [PaperFactory(author_names=["A. One", "B. Two"]) for _ in range(2)]
    with django_assert_max_num_queries(12) as small:
        client.post(url, merge_data(*papers))
    papers += [PaperFactory(author_names=["C. Three", "D. Four"]) for _ in range(5)]
    with django_assert_max_num_queries(len(small)):
        client.post(url, merge_data(*papers))


# --- the audit record and unmerge -------------------------------------------------------------------------


def merged_pair(moderator):
    """Two papers, with everything a merge touches, merged: (keep, duplicate, the objects involved)."""
    venue_keep, venue_dup = VenueFactory(), VenueFactory()
    keep = PaperFactory(venue=venue_keep, abstract="", author_names=["Ada Lovelace"])
    duplicate = PaperFactory(
        venue=venue_dup, arxiv_id="1706.03762", doi="10.1000/xyz", abstract="The abstract.", author_names=["A. L."]
    )
    keep.keywords.add("transformers")
    duplicate.keywords.add("attention", "transformers")
    moved = SummaryFactory(paper=duplicate)
    comment = CommentFactory(summary=moved)
    VoteFactory(summary=moved, value=1)
    moved.recompute_score()
    writer = UserFactory()
    # Same writer on both papers: the duplicate's summary scores better, so the two swap and the kept one is deleted.
    mine_on_keep = SummaryFactory(paper=keep, writer=writer)
    mine_on_dup = SummaryFactory(paper=duplicate, writer=writer)
    VoteFactory(summary=mine_on_dup, value=1)
    VoteFactory(summary=mine_on_dup, value=1)
    mine_on_dup.recompute_score()
    older = Paper.objects.create(title="An older duplicate")
    Paper.objects.filter(pk=older.pk).update(merged_into=duplicate)
    objs = {
        "moved": moved,
        "comment": comment,
        "writer": writer,
        "mine_on_keep": mine_on_keep,
        "mine_on_dup": mine_on_dup,
        "older": older,
        "venues": (venue_keep, venue_dup),
    }
    actions.merge_papers(keep, duplicate, actor=moderator, reason="Same paper")
    return fresh(keep), fresh(duplicate), objs


def test_merge_audit_entry_records_everything_it_changed(moderator):
    keep, duplicate, objs = merged_pair(moderator)
    entry = AuditEntry.objects.for_object(duplicate).get(action=AuditEntry.Action.MERGE)
    details = entry.details
    assert details["into"] == keep.pk
    assert details["redirect"] == {"from": duplicate.pk, "to": keep.pk}
    assert sorted(details["summary_moves"], key=lambda m: m["id"]) == sorted(
        [
            {"id": objs["moved"].pk, "from": duplicate.pk, "to": keep.pk},
            {"id": objs["mine_on_dup"].pk, "from": duplicate.pk, "to": keep.pk},
            {"id": objs["mine_on_keep"].pk, "from": keep.pk, "to": duplicate.pk},
        ],
        key=lambda m: m["id"],
    )
    assert details["soft_deleted_summaries"] == [objs["mine_on_keep"].pk]
    assert [k["name"] for k in details["keywords_added"]] == ["attention"]
    assert details["copied"]["arxiv_id"]["value"] == "1706.03762"
    assert details["copied"]["doi"]["value"] == "10.1000/xyz"
    assert details["copied"]["abstract"]["value"] == "The abstract."
    assert details["repointed_papers"] == [objs["older"].pk]
    assert fresh(objs["older"]).merged_into == keep


def test_unmerge_restores_summaries_votes_keywords_identifiers_urls_and_counters(client, moderator):
    writer_counts_before = None
    keep, duplicate, objs = merged_pair(moderator)
    writer = objs["writer"]
    assert fresh(objs["mine_on_keep"]).deleted_at is not None
    writer_counts_before = (fresh(writer).summary_count, fresh(writer).total_score)

    actions.unmerge_papers(duplicate, actor=moderator, reason="Wrong merge")

    keep, duplicate = fresh(keep), fresh(duplicate)
    assert duplicate.merged_into is None
    assert fresh(objs["older"]).merged_into == duplicate
    moved, mine_on_keep, mine_on_dup = fresh(objs["moved"]), fresh(objs["mine_on_keep"]), fresh(objs["mine_on_dup"])
    assert moved.paper == duplicate and fresh(objs["comment"]).summary == moved
    assert (moved.votes.count(), moved.score) == (1, 1)
    assert (mine_on_dup.paper, mine_on_dup.writer, mine_on_dup.score) == (duplicate, writer, 2)
    assert (mine_on_keep.paper, mine_on_keep.writer, mine_on_keep.deleted_at) == (keep, writer, None)
    assert set(keep.keywords.names()) == {"transformers"}
    assert set(duplicate.keywords.names()) == {"attention", "transformers"}
    assert (keep.arxiv_id, keep.doi, keep.abstract) == (None, None, "")
    assert (duplicate.arxiv_id, duplicate.doi, duplicate.abstract) == ("1706.03762", "10.1000/xyz", "The abstract.")
    assert [a.name for a in duplicate.ordered_authors] == ["A. L."]
    assert (keep.summary_count, duplicate.summary_count) == (1, 2)
    venue_keep, venue_dup = (fresh(v) for v in objs["venues"])
    assert (venue_keep.paper_count, venue_keep.summary_count) == (1, 1)
    assert (venue_dup.paper_count, venue_dup.summary_count) == (1, 2)
    writer = fresh(writer)
    assert (writer.summary_count, writer.total_score) == (2, 2)
    assert writer_counts_before == (1, 2)
    # No more redirect: the duplicate's page is its own again.
    assert client.get(duplicate.get_absolute_url()).status_code == 200
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.UNMERGE)
    assert {e.content_object for e in entries} == {keep, duplicate}
    assert all(e.actor == moderator and e.reason == "Wrong merge" for e in entries)


def test_unmerge_twice_is_refused(moderator):
    _, duplicate, _ = merged_pair(moderator)
    actions.unmerge_papers(duplicate, actor=moderator, reason="Wrong merge")
    with pytest.raises(actions.ModerationError):
        actions.unmerge_papers(fresh(duplicate), actor=moderator, reason="Again")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.UNMERGE).count() == 2


def test_unmerge_is_refused_while_the_kept_paper_is_itself_merged(moderator):
    keep, duplicate, objs = merged_pair(moderator)
    final = PaperFactory()
    actions.merge_papers(final, keep, actor=moderator, reason="Third copy")
    with pytest.raises(actions.ModerationError, match="unmerge that first"):
        actions.unmerge_papers(fresh(duplicate), actor=moderator, reason="Wrong merge")
    assert fresh(duplicate).merged_into == final and fresh(objs["moved"]).paper == final


def test_unmerge_keeps_a_value_edited_on_the_kept_paper_since(moderator):
    keep, duplicate, _ = merged_pair(moderator)
    keep.abstract = "A better abstract written after the merge."
    keep.save()
    actions.unmerge_papers(duplicate, actor=moderator, reason="Wrong merge")
    assert fresh(keep).abstract == "A better abstract written after the merge."
    entry = AuditEntry.objects.for_object(duplicate).get(action=AuditEntry.Action.UNMERGE)
    assert entry.details["kept_as_edited"] == ["abstract"]


def test_merged_paper_leaves_the_sitemap_and_comes_back_when_unmerged(client, moderator):
    keep, duplicate = PaperFactory(), PaperFactory()
    SummaryFactory(paper=keep)
    SummaryFactory(paper=duplicate, writer=UserFactory())

    def listed():
        cache.clear()  # sections are cached for an hour: a merge shows there at the next refresh
        return set(
            re.findall(r"<loc>http://testserver([^<]+)</loc>", client.get("/sitemap-papers.xml").content.decode())
        )

    assert listed() == {keep.get_absolute_url(), duplicate.get_absolute_url()}
    actions.merge_papers(keep, duplicate, actor=moderator, reason="dup")
    assert listed() == {keep.get_absolute_url()}
    actions.unmerge_papers(fresh(duplicate), actor=moderator, reason="Wrong merge")
    assert listed() == {keep.get_absolute_url(), duplicate.get_absolute_url()}


# --- unmerge from the admin, and who may merge --------------------------------------------------------------


def test_moderator_unmerges_from_the_merged_papers_admin_page(client, moderator):
    _, duplicate, objs = merged_pair(moderator)
    client.force_login(moderator)
    page = client.get(reverse("admin:papers_paper_change", args=[duplicate.pk])).content.decode()
    assert "Unmerge (undo the merge)" in page
    url = reverse("admin:papers_paper_moderate", args=[duplicate.pk, "unmerge"])
    response = client.post(url, {"reason": "Different papers after all"})
    assert response.status_code == 302
    assert fresh(duplicate).merged_into is None and fresh(objs["moved"]).paper == duplicate


def test_moderator_unmerges_with_the_changelist_action(client, moderator):
    _, duplicate, _ = merged_pair(moderator)
    client.force_login(moderator)
    url = reverse("admin:papers_paper_changelist")
    data = {"action": "op_unmerge", "_selected_action": [duplicate.pk]}
    assert "Recorded in the audit trail" in client.post(url, data).content.decode()
    assert client.post(url, {**data, "apply": "yes", "reason": "Wrong merge"}).status_code == 302
    assert fresh(duplicate).merged_into is None


@pytest.mark.parametrize("role", ["anonymous", "member", "staff_member", "banned_moderator"])
def test_only_moderators_may_merge_or_unmerge(client, moderator, role):
    keep, duplicate = PaperFactory(), PaperFactory()
    merged_keep, merged, _ = merged_pair(moderator)
    if role == "member":
        client.force_login(UserFactory())
    elif role == "staff_member":
        client.force_login(UserFactory(is_staff=True))
    elif role == "banned_moderator":
        banned = ModeratorFactory()
        banned.ban(reason="Abuse of the tools")
        client.force_login(banned)
    changelist = reverse("admin:papers_paper_changelist")
    client.post(changelist, merge_data(keep, duplicate, apply="yes", keep=keep.pk, reason="x"))
    client.post(changelist, {"action": "op_unmerge", "_selected_action": [merged.pk], "apply": "yes", "reason": "x"})
    client.post(reverse("admin:papers_paper_moderate", args=[merged.pk, "unmerge"]), {"reason": "x"})
    assert fresh(duplicate).merged_into is None
    assert fresh(merged).merged_into == merged_keep
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UNMERGE).exists()
