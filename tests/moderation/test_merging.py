"""Merging duplicate papers: everything moves to the kept paper, old URLs redirect."""

import pytest
from django.urls import reverse

from moderation import actions
from moderation.models import AuditEntry
from papers.merging import MergeError, merge
from papers.models import Paper
from summaries.models import Summary
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory, VenueFactory, VoteFactory

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
