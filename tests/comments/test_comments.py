import re

import pytest
from django.core import mail
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from comments.models import Comment
from summaries.models import Summary
from tests.factories import CommentFactory, SummaryFactory, UserFactory
from tests.writing_helpers import banned_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary(db):
    return SummaryFactory(writer=UserFactory(username="writer", email="writer@example.org"))


def add_url(summary):
    return reverse("comments:add", args=[summary.pk])


def post_comment(client, summary, body="Nice summary.", **extra):
    return client.post(add_url(summary), {"body": body, **extra})


def test_member_comments_and_is_sent_to_the_comment(client, member, summary, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, summary, "Why does **this** work?")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == comment.get_absolute_url()
    assert comment.body_html == "<p>Why does <strong>this</strong> work?</p>"
    summary.refresh_from_db()
    assert summary.comment_count == 1


def test_reply_to_a_top_level_comment(client, member, summary):
    parent = CommentFactory(summary=summary)
    client.force_login(member)
    post_comment(client, summary, "A reply.", parent=str(parent.pk))
    reply = Comment.objects.get(body="A reply.")
    assert reply.parent == parent


def test_replies_go_only_one_level_deep(client, member, summary):
    parent = CommentFactory(summary=summary)
    reply = CommentFactory(summary=summary, parent=parent)
    client.force_login(member)
    response = post_comment(client, summary, "Nested?", parent=str(reply.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "one level deep" in html and "Nested?" in html  # message and the typed text kept
    assert not Comment.objects.filter(body="Nested?").exists()


def test_reply_parent_must_belong_to_the_same_summary(client, member, summary):
    elsewhere = CommentFactory()
    client.force_login(member)
    assert post_comment(client, summary, "Cross", parent=str(elsewhere.pk)).status_code == 400
    assert not Comment.objects.filter(body="Cross").exists()


def test_empty_comment_is_refused_with_a_message(client, member, summary):
    client.force_login(member)
    response = post_comment(client, summary, "   ")
    assert response.status_code == 400
    assert "the comment is empty" in response.content.decode()


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "![x](https://evil.example/a.png)",
    ],
)
def test_xss_attempts_in_comments_are_neutralised(client, member, summary, payload):
    client.force_login(member)
    post_comment(client, summary, payload)
    html = Comment.objects.get().body_html.lower()
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "<iframe" not in html and "style=" not in html and "<img" not in html


def test_writer_is_emailed_about_a_new_comment(client, member, summary, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, summary, "Great point about $x$.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["writer@example.org"]
    assert summary.paper.title[:40] in message.subject
    assert "Great point about $x$." in message.body
    assert f"http://testserver{Comment.objects.get().get_absolute_url()}" in message.body
    assert reverse("member:settings") in message.body


def test_no_email_when_the_writer_opted_out(client, member, summary, django_capture_on_commit_callbacks):
    summary.writer.email_on_comment = False
    summary.writer.save()
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, summary)
    assert mail.outbox == []


def test_no_email_to_yourself(client, summary, django_capture_on_commit_callbacks):
    client.force_login(summary.writer)
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, summary, "Answering my readers.")
    assert Comment.objects.count() == 1
    assert mail.outbox == []


def test_email_about_an_anonymous_summary_goes_only_to_its_writer(
    client, member, summary, django_capture_on_commit_callbacks
):
    summary.is_anonymous = True
    summary.save()
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(client, summary)
    assert [m.to for m in mail.outbox] == [["writer@example.org"]]
    assert summary.writer.public_name not in mail.outbox[0].body  # nothing to forward that names them


def test_email_is_sent_only_after_commit(client, member, summary, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_comment(client, summary)
    assert mail.outbox == [] and len(callbacks) == 1


def test_writer_edits_their_comment(client, member, summary):
    comment = CommentFactory(summary=summary, writer=member, body="Tpyo")
    client.force_login(member)
    url = reverse("comments:edit", args=[comment.pk])
    assert "Tpyo" in client.get(url).content.decode()
    response = client.post(url, {"body": "Typo *fixed*"})
    assert response["Location"] == comment.get_absolute_url()
    comment.refresh_from_db()
    assert comment.body_html == "<p>Typo <em>fixed</em></p>"


def test_edit_with_empty_text_keeps_the_form(client, member, summary):
    comment = CommentFactory(summary=summary, writer=member)
    client.force_login(member)
    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": " "})
    assert response.status_code == 400 and "cannot be empty" in response.content.decode()


def test_others_cannot_edit_or_delete(client, member, summary):
    comment = CommentFactory(summary=summary)
    client.force_login(member)
    assert client.post(reverse("comments:edit", args=[comment.pk]), {"body": "hacked"}).status_code == 404
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 404
    comment.refresh_from_db()
    assert comment.body != "hacked" and comment.deleted_at is None


def test_delete_is_soft_and_replies_keep_a_placeholder(client, member, summary):
    parent = CommentFactory(summary=summary, writer=member, body="Parent text")
    CommentFactory(summary=summary, parent=parent, body="Reply text")
    lonely = CommentFactory(summary=summary, writer=member, body="Lonely text")
    client.force_login(member)
    assert "Delete your comment?" in client.get(reverse("comments:delete", args=[parent.pk])).content.decode()
    client.post(reverse("comments:delete", args=[parent.pk]))
    client.post(reverse("comments:delete", args=[lonely.pk]))
    parent.refresh_from_db()
    assert parent.deleted_at is not None
    thread = list(Comment.objects.thread_of(summary))
    assert thread == [parent]
    html = render_thread(member, summary, thread)
    assert "This comment was deleted." in html and "Reply text" in html
    assert "Parent text" not in html and "Lonely text" not in html
    summary.refresh_from_db()
    assert summary.comment_count == 1


def render_thread(user, summary, comments):
    request = RequestFactory().get(summary.get_absolute_url())
    request.user = user
    template = Template('{% include "includes/comment_thread.html" %}')
    return template.render(RequestContext(request, {"summary": summary, "comments": comments}))


def test_thread_shows_reply_forms_and_edit_links_to_members(member, summary):
    mine = CommentFactory(summary=summary, writer=member)
    CommentFactory(summary=summary, parent=mine)
    html = render_thread(member, summary, Comment.objects.thread_of(summary))
    assert reverse("comments:edit", args=[mine.pk]) in html
    assert f'name="parent" value="{mine.pk}"' in html
    assert html.count("<form") == 2  # one reply form (top-level only) + the new-comment form
    assert "csrfmiddlewaretoken" in html


def test_thread_asks_anonymous_visitors_to_sign_in(summary):
    from django.contrib.auth.models import AnonymousUser

    CommentFactory(summary=summary)
    html = render_thread(AnonymousUser(), summary, Comment.objects.thread_of(summary))
    assert "Sign in to comment" in html and "<form" not in html


def test_thread_escapes_nothing_but_sanitised_html(member, summary):
    CommentFactory(summary=summary, body="<b onclick=x>hi</b> & <script>bad()</script>")
    html = render_thread(member, summary, Comment.objects.thread_of(summary))
    assert "onclick" not in html and "<script>bad" not in html


def test_thread_query_count_is_constant(member, summary, django_assert_max_num_queries):
    for _ in range(30):
        top = CommentFactory(summary=summary)
        CommentFactory(summary=summary, parent=top)
    with django_assert_max_num_queries(3):
        html = render_thread(member, summary, Comment.objects.thread_of(summary))
    assert html.count('class="comment"') == 60


def test_cannot_comment_on_unlisted_summaries(client, member):
    private = SummaryFactory(visibility=Summary.Visibility.PRIVATE)
    client.force_login(member)
    assert post_comment(client, private).status_code == 404
    assert not Comment.objects.exists()


def test_banned_member_cannot_comment_edit_or_delete(client, summary):
    banned = banned_user()
    comment = CommentFactory(summary=summary, writer=banned)
    client.force_login(banned)
    assert post_comment(client, summary).status_code == 403
    assert client.post(reverse("comments:edit", args=[comment.pk]), {"body": "x"}).status_code == 403
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 403
    assert Comment.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, summary):
    response = post_comment(client, summary)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Comment.objects.exists()


def test_comment_needs_csrf(member, summary):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.post(add_url(summary), {"body": "x"}).status_code == 403
    assert not Comment.objects.exists()


def test_comments_are_rate_limited(client, member, summary, monkeypatch):
    from accounts import ratelimit

    monkeypatch.setitem(ratelimit.RATES, "comment", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="c"))
    client.force_login(member)
    statuses = [post_comment(client, summary, f"c{n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert Comment.objects.count() == 2


def test_comment_count_heading_in_thread_markup(member, summary):
    CommentFactory(summary=summary)
    html = render_thread(member, summary, Comment.objects.thread_of(summary))
    assert re.search(r'<li class="comment" id="comment-\d+">', html)


def test_comment_edit_and_delete_pages_query_counts(client, member, summary, django_assert_max_num_queries):
    comment = CommentFactory(summary=summary, writer=member)
    client.force_login(member)
    for name in ("comments:edit", "comments:delete"):
        with django_assert_max_num_queries(6):
            assert client.get(reverse(name, args=[comment.pk])).status_code == 200
