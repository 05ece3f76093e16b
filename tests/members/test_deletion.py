"""Deleting an account keeps public summaries as anonymous and comments as "deleted member"; scores stay right."""

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from comments.models import Comment
from summaries.models import Summary, Vote
from tests.conftest import h1_count
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db
DELETE = reverse("members:delete")
PASSWORD = "correct horse battery staple"


def vote_sum(summary) -> int:
    return Vote.objects.filter(summary=summary).aggregate(total=Sum("value"))["total"] or 0


@pytest.fixture
def world(member):
    """The member's summaries, comments and votes, and someone else's summary they voted on."""
    paper = PaperFactory()
    public = SummaryFactory(writer=member, paper=paper, body="My public summary")
    Vote.cast(user=UserFactory(), summary_id=public.pk, value=1)
    Vote.cast(user=UserFactory(), summary_id=public.pk, value=1)
    private = SummaryFactory(writer=member, visibility=Summary.Visibility.PRIVATE)
    other_writer = UserFactory()
    others = SummaryFactory(writer=other_writer)
    Vote.cast(user=member, summary_id=others.pk, value=1)
    Vote.cast(user=UserFactory(), summary_id=others.pk, value=-1)
    Vote.cast(user=UserFactory(), summary_id=others.pk, value=1)
    comment = CommentFactory(summary=others, writer=member, body="Nice one")
    return {
        "paper": paper,
        "public": public,
        "private": private,
        "others": others,
        "comment": comment,
        "other_writer": other_writer,
    }


def test_confirmation_page_says_summaries_are_kept_as_anonymous(client, member, world):
    client.force_login(member)
    html = client.get(DELETE).content.decode()
    assert h1_count(html) == 1
    assert "Your summaries are kept" in html and "anonymous" in html
    assert "deleted member" in html
    assert 'name="password"' in html and 'method="post"' in html


def test_wrong_password_deletes_nothing(client, member, world):
    client.force_login(member)
    response = client.post(DELETE, {"password": "wrong"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_get_never_deletes(client, member, world):
    client.force_login(member)
    client.get(DELETE + "?password=" + PASSWORD)
    assert User.objects.filter(pk=member.pk).exists()


def test_deletion_keeps_public_summaries_anonymous_and_scores_equal_to_vote_sums(client, member, world):
    client.force_login(member)
    response = client.post(DELETE, {"password": PASSWORD}, follow=True)
    assert "is deleted" in response.content.decode()
    assert response.context["user"].is_anonymous  # signed out
    assert not User.objects.filter(pk=member.pk).exists()

    public = Summary.objects.get(pk=world["public"].pk)
    assert public.writer_id is None and public.is_anonymous and public.is_listed
    assert public.byline == "anonymous"
    assert public.score == vote_sum(public) == 2
    others = Summary.objects.get(pk=world["others"].pk)
    assert others.score == vote_sum(others) == 0  # the member's +1 went with the account
    world["other_writer"].refresh_from_db()
    assert world["other_writer"].total_score == 0
    assert not Summary.objects.filter(pk=world["private"].pk).exists()

    comment = Comment.objects.get(pk=world["comment"].pk)
    assert comment.writer_id is None and comment.body == "Nice one"
    assert "deleted member" in str(comment)
    world["paper"].refresh_from_db()
    assert world["paper"].summary_count == 1
    for summary in Summary.objects.all():
        assert summary.score == vote_sum(summary)


def test_anonymous_summary_page_never_names_the_deleted_writer(client, member, world):
    name = member.public_name
    client.force_login(member)
    client.post(DELETE, {"password": PASSWORD})
    html = client.get(world["public"].get_absolute_url()).content.decode()
    assert "My public summary" in html and name not in html


def test_account_without_password_confirms_by_typing_the_username(client):
    user = UserFactory(username="social")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    html = client.get(DELETE).content.decode()
    assert 'name="username"' in html and 'name="password"' not in html
    response = client.post(DELETE, {"username": "Social"})
    assert response.status_code == 400 and User.objects.filter(pk=user.pk).exists()
    client.post(DELETE, {"username": "social"})
    assert not User.objects.filter(pk=user.pk).exists()


def test_banned_member_can_delete_their_account(client):
    banned = UserFactory(banned_at=timezone.now())
    SummaryFactory(writer=banned)
    client.force_login(banned)
    client.post(DELETE, {"password": PASSWORD})
    assert not User.objects.filter(pk=banned.pk).exists()
    assert Summary.objects.get().is_anonymous


def test_a_moderator_deletes_only_their_own_account(client, moderator, member):
    client.force_login(moderator)
    client.post(DELETE, {"password": PASSWORD, "username": member.username})
    assert User.objects.filter(pk=member.pk).exists()
    assert not User.objects.filter(pk=moderator.pk).exists()


def test_deleting_an_account_with_many_votes_keeps_every_score_consistent(member):
    from members.deletion import delete_account

    summaries = [SummaryFactory() for _ in range(30)]
    for n, summary in enumerate(summaries):
        VoteFactory(summary=summary, value=1)
        Vote.cast(user=member, summary_id=summary.pk, value=1 if n % 2 else -1)
    delete_account(member)
    for summary in Summary.objects.all():
        assert summary.score == vote_sum(summary)


def test_delete_page_query_count_is_small(client, member, django_assert_max_num_queries):
    for _ in range(30):
        SummaryFactory(writer=member)
    client.force_login(member)
    with django_assert_max_num_queries(7):
        client.get(DELETE)
