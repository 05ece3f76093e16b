import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import REPLIES_PER_PAGE, REPLIES_SHOWN, THREADS_PER_PAGE, Comment
from comments.threads import comment_section
from papers.pagination import MAX_PAGES
from summaries import counters
from summaries.models import Summary
from tests.conftest import h1_count
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory
from tests.writing_helpers import banned_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary(db):
    return SummaryFactory(writer=UserFactory(username="writer", email="writer@example.org"))


def add_url(summary):
    return reverse("comments:add", args=[summary.pk])


def post_comment(client, summary, body="Nice summary.", **extra):
    return client.post(add_url(summary), {"body": body, "submission": str(uuid.uuid4()), **extra})


def test_member_comments_and_is_sent_to_the_comment(client, member, summary, django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, summary, "Why does **this** work?")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == comment.get_page_url()
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


def test_citations_in_a_comment_link_to_the_papers_pages_here(summary):
    paper = PaperFactory(arxiv_id="1706.03762")
    comment = CommentFactory(summary=summary, body="See \\cite{arXiv:1706.03762} and https://arxiv.org/abs/1512.03385")
    assert f'href="{paper.get_absolute_url()}"' in comment.body_html
    assert 'href="https://arxiv.org/abs/1512.03385"' in comment.body_html


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
    # The comment's permalink on the site's public address: it leads to wherever the comment is when read.
    assert f"https://testserver{Comment.objects.get().get_absolute_url()}" in message.body
    assert reverse("members:settings") in message.body


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
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):  # the task's own batch task, after its commit
        for callback in callbacks:
            callback()
    assert len(mail.outbox) == 1


def test_writer_edits_their_comment(client, member, summary):
    comment = CommentFactory(summary=summary, writer=member, body="Tpyo")
    client.force_login(member)
    url = reverse("comments:edit", args=[comment.pk])
    assert "Tpyo" in client.get(url).content.decode()
    response = client.post(url, {"body": "Typo *fixed*"})
    assert response["Location"] == comment.get_page_url()
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
    html = render_thread(member, summary)
    assert "This comment was deleted." in html and "Reply text" in html
    assert "Parent text" not in html and "Lonely text" not in html
    summary.refresh_from_db()
    assert summary.comment_count == 1


def render_thread(user, summary, page=None):
    """The comments section of the summary page as ``summary_detail`` renders it (``page`` as in ``?page=``)."""
    request = RequestFactory().get(summary.get_absolute_url(), {"page": page} if page else {})
    request.user = user
    template = Template('{% include "includes/comment_thread.html" %}')
    return template.render(RequestContext(request, {"summary": summary, **comment_section(request, summary)}))


def test_thread_shows_reply_forms_and_edit_links_to_members(member, summary):
    mine = CommentFactory(summary=summary, writer=member)
    CommentFactory(summary=summary, parent=mine)
    html = render_thread(member, summary)
    assert reverse("comments:edit", args=[mine.pk]) in html
    assert f'name="parent" value="{mine.pk}"' in html
    assert html.count("<form") == 2  # one reply form (top-level only) + the new-comment form
    assert "csrfmiddlewaretoken" in html


def test_thread_asks_anonymous_visitors_to_sign_in(summary):
    from django.contrib.auth.models import AnonymousUser

    CommentFactory(summary=summary)
    html = render_thread(AnonymousUser(), summary)
    assert "Sign in to comment" in html and "<form" not in html


def test_thread_escapes_nothing_but_sanitised_html(member, summary):
    CommentFactory(summary=summary, body="<b onclick=x>hi</b> & <script>bad()</script>")
    html = render_thread(member, summary)
    assert "onclick" not in html and "<script>bad" not in html


def test_thread_query_count_is_constant(member, summary, django_assert_max_num_queries):
    for _ in range(30):
        top = CommentFactory(summary=summary)
        CommentFactory(summary=summary, parent=top)
    summary.refresh_from_db()  # comment_count: 60, more than a page's worth, so the page is counted too
    with django_assert_max_num_queries(3):  # count, page of threads, their replies
        html = render_thread(member, summary)
    assert html.count('class="comment"') == 2 * THREADS_PER_PAGE  # the first page's threads with their replies


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
    html = render_thread(member, summary)
    assert re.search(r'<li class="comment" id="comment-\d+">', html)


def test_comment_edit_and_delete_pages_query_counts(client, member, summary, django_assert_max_num_queries):
    comment = CommentFactory(summary=summary, writer=member)
    client.force_login(member)
    for name in ("comments:edit", "comments:delete"):
        with django_assert_max_num_queries(6):
            assert client.get(reverse(name, args=[comment.pk])).status_code == 200


# --- Pages of comments on the summary page -------------------------------------------------------------------

T0 = timezone.now() - timedelta(days=30)


def make_threads(summary, count, *, writer, replies=0, first=0, **fields):
    """``count`` top-level comments one minute apart from minute ``first`` (oldest first), each with ``replies``
    visible replies a few seconds after it. Returns the top-level comments."""
    tops = []
    for n in range(first, first + count):
        top = CommentFactory(
            summary=summary, writer=writer, body=f"Thread {n}", created_at=T0 + timedelta(minutes=n), **fields
        )
        for r in range(replies):
            CommentFactory(
                summary=summary,
                writer=writer,
                parent=top,
                body=f"Reply {n}.{r}",
                created_at=top.created_at + timedelta(seconds=r + 1),
            )
        tops.append(top)
    return tops


def bulk_threads(summary, count, *, first=0) -> None:
    """``count`` top-level comments by the summary's writer, one second apart from second ``first``: inserted at
    once (no ``save()`` per comment), for summaries with more comments than ``make_threads`` makes quickly."""
    Comment.objects.bulk_create(
        Comment(
            summary=summary,
            writer=summary.writer,
            body=f"Thread {n}",
            body_html=f"<p>Thread {n}</p>",
            created_at=T0 + timedelta(seconds=n),
        )
        for n in range(first, first + count)
    )
    counters.comments_changed(summary.pk, Comment.objects.shown())


def bulk_replies(parent, count, *, first=0, **fields) -> list[Comment]:
    """``count`` replies "Reply <n>" to ``parent``, one second apart after it from second ``first + 1``."""
    replies = Comment.objects.bulk_create(
        Comment(
            summary_id=parent.summary_id,
            writer=parent.writer,
            parent=parent,
            body=f"Reply {n}",
            body_html=f"<p>Reply {n}</p>",
            created_at=parent.created_at + timedelta(seconds=n + 1),
            **fields,
        )
        for n in range(first, first + count)
    )
    counters.comments_changed(parent.summary_id, Comment.objects.shown())
    return replies


def shown_replies(html: str) -> list[str]:
    return re.findall(r"<p>(Reply \d+)</p>", html)


def page_html(client, summary, page=None) -> str:
    response = client.get(summary.get_absolute_url(), {"page": page} if page else {})
    assert response.status_code == 200
    return response.content.decode()


def shown_threads(html: str) -> list[str]:
    return re.findall(r"<p>(Thread \d+)</p>", html)


def comment_pages_nav(html: str) -> str:
    match = re.search(r'<nav class="pagination" aria-label="Pages of comments">.*?</nav>', html, re.S)
    return match.group(0) if match else ""


def test_a_full_page_of_threads_has_no_page_links(client, summary):
    make_threads(summary, THREADS_PER_PAGE, writer=summary.writer, replies=1)
    html = page_html(client, summary)
    assert shown_threads(html) == [f"Thread {n}" for n in range(THREADS_PER_PAGE)]
    assert html.count("<p>Reply ") == THREADS_PER_PAGE
    assert not comment_pages_nav(html)
    assert f"{2 * THREADS_PER_PAGE} comments</h2>" in html


def test_threads_after_a_full_page_go_to_the_next_page_oldest_first(client, summary):
    make_threads(summary, THREADS_PER_PAGE + 3, writer=summary.writer)
    first, second = page_html(client, summary), page_html(client, summary, 2)
    assert shown_threads(first) == [f"Thread {n}" for n in range(THREADS_PER_PAGE)]
    assert shown_threads(second) == [f"Thread {n}" for n in range(THREADS_PER_PAGE, THREADS_PER_PAGE + 3)]
    # The heading counts every comment, on every page.
    assert f"{THREADS_PER_PAGE + 3} comments</h2>" in first and f"{THREADS_PER_PAGE + 3} comments</h2>" in second
    nav = comment_pages_nav(first)
    assert 'rel="next" href="?page=2#comments"' in nav
    assert '<span class="current" aria-current="page"><span class="visually-hidden">Page </span>1</span>' in nav
    assert 'rel="prev"' not in nav
    nav = comment_pages_nav(second)
    # Back to page 1 is the summary's own URL, never ?page=1.
    assert f'rel="prev" href="{summary.get_absolute_url()}#comments"' in nav
    assert f'<a href="{summary.get_absolute_url()}#comments"><span class="visually-hidden">Page </span>1</a>' in nav
    assert "page=1" not in nav and 'rel="next"' not in nav


def test_out_of_range_or_malformed_pages_show_the_nearest_page(client, summary):
    make_threads(summary, THREADS_PER_PAGE + 1, writer=summary.writer)
    assert shown_threads(page_html(client, summary, 99)) == [f"Thread {THREADS_PER_PAGE}"]
    assert shown_threads(page_html(client, summary, "x"))[0] == "Thread 0"


def test_a_comment_count_lagging_behind_does_not_show_every_thread(client, summary, django_assert_max_num_queries):
    make_threads(summary, THREADS_PER_PAGE + 5, writer=summary.writer)
    # The stored counter is only a display figure: concurrent writes may leave it low.
    Summary.objects.filter(pk=summary.pk).update(comment_count=1)
    summary.refresh_from_db()
    reader = UserFactory()
    with django_assert_max_num_queries(3):  # a page and one thread more, their count, their replies
        html = render_thread(reader, summary)
    assert shown_threads(html) == [f"Thread {n}" for n in range(THREADS_PER_PAGE)]
    assert 'rel="next" href="?page=2#comments"' in comment_pages_nav(html)
    assert shown_threads(render_thread(reader, summary, page=2)) == [
        f"Thread {n}" for n in range(THREADS_PER_PAGE, THREADS_PER_PAGE + 5)
    ]


def test_a_page_of_threads_or_fewer_is_not_counted(summary, django_assert_num_queries):
    make_threads(summary, THREADS_PER_PAGE, writer=summary.writer, replies=1)
    Summary.objects.filter(pk=summary.pk).update(comment_count=1000)  # whatever the counter says
    summary.refresh_from_db()
    reader = UserFactory()
    with django_assert_num_queries(2):  # the threads (one more would open page 2), their replies
        html = render_thread(reader, summary)
    assert shown_threads(html) == [f"Thread {n}" for n in range(THREADS_PER_PAGE)]
    assert not comment_pages_nav(html)


def test_replies_stay_with_their_parent_across_pages(client, summary):
    tops = make_threads(summary, THREADS_PER_PAGE + 1, writer=summary.writer)
    # Replies written long after the newest thread still sit under their own parent, whichever page it is on.
    late = T0 + timedelta(days=10)
    parents = {"Late reply A": tops[0], "Late reply B": tops[THREADS_PER_PAGE - 1], "Late reply C": tops[-1]}
    for body, parent in parents.items():
        CommentFactory(summary=summary, parent=parent, body=body, created_at=late)
    first, second = page_html(client, summary), page_html(client, summary, 2)
    assert [body for body in parents if body in first] == ["Late reply A", "Late reply B"]
    assert [body for body in parents if body in second] == ["Late reply C"]
    thread = re.search(rf'<li class="comment" id="comment-{tops[-1].pk}">.*', second, re.S).group(0)
    assert '<ol class="comment-replies" aria-label="Replies">' in thread and "Late reply C" in thread


def test_pages_count_placeholder_threads_but_not_lone_hidden_or_deleted_comments(client, summary):
    writer = summary.writer
    make_threads(summary, 2, writer=writer, first=-4, deleted_at=T0)  # deleted, no replies: no thread
    make_threads(summary, 1, writer=writer, first=-2, state=Comment.State.HIDDEN)  # hidden, no replies: no thread
    make_threads(summary, THREADS_PER_PAGE - 1, writer=writer)
    # A hidden comment with a visible reply is a thread (a placeholder), the newest: still on page 1 of 1.
    # Two replies make one comment more than a page's worth of threads: the threads are counted (one page).
    placeholder = make_threads(summary, 1, writer=writer, replies=2, first=100, state=Comment.State.HIDDEN)[0]
    html = page_html(client, summary)
    assert not comment_pages_nav(html)
    assert f'id="comment-{placeholder.pk}"' in html and "This comment was deleted." in html
    assert "Thread 100" not in html and "Reply 100.0" in html
    assert "Thread -4" not in html and "Thread -2" not in html
    # One more thread opens page 2.
    make_threads(summary, 1, writer=writer, first=101)
    assert shown_threads(page_html(client, summary, 2)) == ["Thread 101"]


def test_hidden_and_deleted_replies_stay_hidden_on_later_pages(client, summary):
    tops = make_threads(summary, THREADS_PER_PAGE + 1, writer=summary.writer)
    last = tops[-1]
    CommentFactory(summary=summary, parent=last, body="Hidden reply", state=Comment.State.HIDDEN)
    CommentFactory(summary=summary, parent=last, body="Spam reply", state=Comment.State.SPAM)
    CommentFactory(summary=summary, parent=last, body="Deleted reply", deleted_at=timezone.now())
    CommentFactory(summary=summary, parent=last, body="Shown reply")
    html = page_html(client, summary, 2)
    assert "Shown reply" in html
    assert "Hidden reply" not in html and "Spam reply" not in html and "Deleted reply" not in html


def test_comment_pages_keep_the_summary_as_canonical_url(client, summary):
    make_threads(summary, THREADS_PER_PAGE + 1, writer=summary.writer)
    canonical = f'<link rel="canonical" href="http://testserver{summary.get_absolute_url()}">'
    assert canonical in page_html(client, summary)
    assert canonical in page_html(client, summary, 2)


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_summary_page_queries_do_not_grow_with_comments(client, summary, viewer, django_assert_max_num_queries):
    if viewer == "member":
        client.force_login(UserFactory())
    make_threads(summary, 3, writer=UserFactory(), replies=1)  # 6 comments: one page, no count
    with CaptureQueriesContext(connection) as few:
        page_html(client, summary)
    # Two full pages and 10 threads more: 2 × (2 × THREADS_PER_PAGE + 10) comments (120 with 25 threads a page).
    make_threads(summary, 2 * THREADS_PER_PAGE + 7, writer=UserFactory(), replies=1, first=3)
    budget = len(few.captured_queries) + 1  # + the capped count of the pages
    for page, threads in ((None, THREADS_PER_PAGE), (2, THREADS_PER_PAGE), (3, 10)):
        with django_assert_max_num_queries(budget):
            html = page_html(client, summary, page)
        assert html.count('class="comment"') == 2 * threads


# --- Which page a comment is on, and the redirects after posting or editing -----------------------------------


def test_page_of_a_comment_and_of_its_replies(summary):
    tops = make_threads(summary, 2 * THREADS_PER_PAGE + 1, writer=summary.writer)
    late_reply = CommentFactory(summary=summary, parent=tops[THREADS_PER_PAGE], created_at=T0 + timedelta(days=9))
    pages = {
        n: Comment.objects.page_of(tops[n]) for n in (0, THREADS_PER_PAGE - 1, THREADS_PER_PAGE, 2 * THREADS_PER_PAGE)
    }
    assert pages == {0: 1, THREADS_PER_PAGE - 1: 1, THREADS_PER_PAGE: 2, 2 * THREADS_PER_PAGE: 3}
    assert Comment.objects.page_of(late_reply) == 2
    assert late_reply.get_page_url() == f"{summary.get_absolute_url()}?page=2#comment-{late_reply.pk}"
    assert tops[0].get_page_url() == f"{summary.get_absolute_url()}#comment-{tops[0].pk}"  # page 1: the bare URL


def test_page_of_breaks_ties_on_the_same_second_by_id(summary):
    same_time = T0 + timedelta(hours=1)
    make_threads(summary, THREADS_PER_PAGE - 1, writer=summary.writer)
    a = CommentFactory(summary=summary, body="A", created_at=same_time)
    b = CommentFactory(summary=summary, body="B", created_at=same_time)
    assert (Comment.objects.page_of(a), Comment.objects.page_of(b)) == (1, 2)


def test_posting_a_comment_lands_on_the_last_page(client, member, summary, django_capture_on_commit_callbacks):
    make_threads(summary, THREADS_PER_PAGE, writer=summary.writer)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, summary, "The newest comment.")
    comment = Comment.objects.get(body="The newest comment.")
    assert response["Location"] == f"{summary.get_absolute_url()}?page=2#comment-{comment.pk}"
    assert f'id="comment-{comment.pk}"' in page_html(client, summary, 2)
    # The summary's writer is e-mailed the comment's permalink, which leads to the same page.
    permalink = comment.get_absolute_url()
    assert f"https://testserver{permalink}" in mail.outbox[0].body
    assert client.get(permalink)["Location"] == response["Location"]


def test_threads_past_a_capped_listings_last_page_are_reachable(
    client, member, summary, django_capture_on_commit_callbacks
):
    # As many threads as a capped listing offers (papers.pagination: MAX_PAGES pages): a new one opens a page past it.
    bulk_threads(summary, THREADS_PER_PAGE * MAX_PAGES)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, summary, "The newest comment.")
    comment = Comment.objects.get(body="The newest comment.")
    last = MAX_PAGES + 1
    assert response["Location"] == f"{summary.get_absolute_url()}?page={last}#comment-{comment.pk}"
    html = page_html(client, summary, last)
    assert f'id="comment-{comment.pk}"' in html and not shown_threads(html)
    nav = comment_pages_nav(html)
    assert f'<span class="visually-hidden">Page </span>{last}</span>' in nav and 'rel="next"' not in nav
    # The page before it holds the threads that were last before.
    first = THREADS_PER_PAGE * (MAX_PAGES - 1)
    assert shown_threads(page_html(client, summary, MAX_PAGES)) == [f"Thread {n}" for n in range(first, first + 25)]
    assert f'href="?page={last}#comments"' in comment_pages_nav(page_html(client, summary))


def test_replying_lands_on_the_parents_page(client, member, summary):
    tops = make_threads(summary, THREADS_PER_PAGE + 1, writer=summary.writer)
    client.force_login(member)
    response = post_comment(client, summary, "Reply on page 2.", parent=str(tops[-1].pk))
    reply = Comment.objects.get(body="Reply on page 2.")
    assert response["Location"] == f"{summary.get_absolute_url()}?page=2#comment-{reply.pk}"
    response = post_comment(client, summary, "Reply on page 1.", parent=str(tops[0].pk))
    reply = Comment.objects.get(body="Reply on page 1.")
    assert response["Location"] == f"{summary.get_absolute_url()}#comment-{reply.pk}"
    assert f'id="comment-{reply.pk}"' in page_html(client, summary)


def test_editing_a_comment_on_a_later_page_returns_to_that_page(client, member, summary):
    make_threads(summary, THREADS_PER_PAGE, writer=summary.writer)
    mine = make_threads(summary, 1, writer=member, first=THREADS_PER_PAGE)[0]
    my_reply = CommentFactory(summary=summary, writer=member, parent=mine, created_at=T0 + timedelta(days=1))
    client.force_login(member)
    expected = f"{summary.get_absolute_url()}?page=2#comment-{mine.pk}"
    url = reverse("comments:edit", args=[mine.pk])
    assert f'href="{expected}">Cancel</a>' in client.get(url).content.decode()
    assert client.post(url, {"body": "Edited"})["Location"] == expected
    response = client.post(reverse("comments:edit", args=[my_reply.pk]), {"body": "Edited reply"})
    assert response["Location"] == f"{summary.get_absolute_url()}?page=2#comment-{my_reply.pk}"


def test_deleting_a_comment_on_a_later_page_returns_to_that_page(client, member, summary):
    make_threads(summary, THREADS_PER_PAGE, writer=summary.writer)
    mine = make_threads(summary, 1, writer=member, first=THREADS_PER_PAGE)[0]
    make_threads(summary, 1, writer=summary.writer, first=THREADS_PER_PAGE + 1)
    client.force_login(member)
    url = reverse("comments:delete", args=[mine.pk])
    assert (
        f'href="{summary.get_absolute_url()}?page=2#comment-{mine.pk}">Keep it</a>' in client.get(url).content.decode()
    )
    assert client.post(url)["Location"] == f"{summary.get_absolute_url()}?page=2#comments"


# --- Who sees which action on each comment -------------------------------------------------------------------


def actions_of(html: str, comment) -> set[str]:
    """The actions offered on one comment: its own action links, and a reply form for a top-level one."""
    li = re.search(rf'<li class="comment" id="comment-{comment.pk}">(.*?)</li>', html, re.S)
    assert li, f"comment {comment.pk} not shown"
    own = li.group(1).split('<ol class="comment-replies"')[0]  # before any nested replies
    actions = set()
    if reverse("comments:edit", args=[comment.pk]) in own:
        actions.add("edit")
    if reverse("comments:delete", args=[comment.pk]) in own:
        actions.add("delete")
    if reverse("moderation:report", args=["comment", comment.pk]) in own:
        actions.add("report")
    if f'name="parent" value="{comment.pk}"' in html:
        actions.add("reply")
    return actions


@pytest.mark.parametrize(
    ("viewer", "on_others", "on_own", "on_own_reply"),
    [
        ("anonymous", set(), set(), set()),
        # Never "report" on one's own comment.
        ("member", {"report", "reply"}, {"edit", "delete", "reply"}, {"edit", "delete"}),
        ("summary writer", {"report", "reply"}, {"edit", "delete", "reply"}, {"edit", "delete"}),
        ("moderator", {"report", "reply"}, {"edit", "delete", "reply"}, {"edit", "delete"}),
        ("banned", set(), set(), set()),
    ],
)
def test_each_viewer_sees_the_actions_they_may_take(client, summary, viewer, on_others, on_own, on_own_reply):
    """On both pages: others' comments, the viewer's own comment (page 2) and own reply (page 1)."""
    from tests.factories import ModeratorFactory

    user = {
        "anonymous": None,
        "member": lambda: UserFactory(username="reader"),
        "summary writer": lambda: summary.writer,
        "moderator": lambda: ModeratorFactory(username="moddy"),
        "banned": banned_user,
    }[viewer]
    user = user() if user else None
    others = make_threads(summary, THREADS_PER_PAGE, writer=UserFactory(username="someone"))
    own = make_threads(summary, 1, writer=user or UserFactory(), first=THREADS_PER_PAGE)[0]
    own_reply = CommentFactory(summary=summary, writer=own.writer, parent=others[-1], created_at=T0 + timedelta(days=1))
    if user:
        client.force_login(user)
    first, second = page_html(client, summary), page_html(client, summary, 2)
    assert actions_of(first, others[0]) == on_others and actions_of(first, others[-1]) == on_others
    assert actions_of(second, own) == on_own
    assert actions_of(first, own_reply) == on_own_reply
    for html in (first, second):
        assert ("Sign in to comment" in html) is (viewer == "anonymous")
        assert ("Add a comment" in html) is (viewer not in {"anonymous", "banned"})


def test_permalink_leads_to_the_page_that_shows_the_comment_now(client, summary, django_assert_max_num_queries):
    tops = make_threads(summary, THREADS_PER_PAGE + 1, writer=summary.writer)
    last = tops[-1]
    assert last.get_absolute_url() == f"/comments/{last.pk}/"
    with django_assert_max_num_queries(3):
        response = client.get(last.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{summary.get_absolute_url()}?page=2#comment-{last.pk}"
    tops[0].soft_delete()  # the page shifts: the permalink follows
    assert client.get(last.get_absolute_url())["Location"] == f"{summary.get_absolute_url()}#comment-{last.pk}"


def test_permalink_of_a_comment_no_longer_shown_leads_to_the_summary(client, summary):
    hidden = CommentFactory(summary=summary, state=Comment.State.HIDDEN)
    assert client.get(hidden.get_absolute_url())["Location"] == f"{summary.get_absolute_url()}#comments"


def test_permalink_is_404_where_the_summary_is_not_readable(client, member, summary):
    comment = CommentFactory(summary=summary)
    Summary.objects.filter(pk=summary.pk).update(visibility=Summary.Visibility.PRIVATE)
    assert client.get(comment.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(comment.get_absolute_url()).status_code == 404
    client.force_login(summary.writer)
    assert client.get(comment.get_absolute_url()).status_code == 302
    assert client.get("/comments/999999999/").status_code == 404
    assert client.post(comment.get_absolute_url()).status_code == 405


# --- Threads with many replies -------------------------------------------------------------------------------


def test_a_thread_shows_its_first_replies_and_links_to_the_rest(client, summary):
    top, other = make_threads(summary, 2, writer=summary.writer)
    replies = bulk_replies(top, REPLIES_SHOWN + 3)
    bulk_replies(top, 2, first=1000, state=Comment.State.HIDDEN)  # never shown, never counted
    bulk_replies(other, REPLIES_SHOWN)  # all of them fit
    html = page_html(client, summary)
    thread = html.split(f'id="comment-{other.pk}"')[0]
    assert shown_replies(thread) == [f"Reply {n}" for n in range(REPLIES_SHOWN)]
    first_unshown = replies[REPLIES_SHOWN]
    link = f'<a href="{first_unshown.get_page_url()}">3 more replies<span class="visually-hidden"> to this comment'
    assert link in thread
    page = REPLIES_SHOWN // REPLIES_PER_PAGE + 1
    query = f"?page={page}" if page > 1 else ""
    assert (
        first_unshown.get_page_url()
        == f"{reverse('comments:replies', args=[top.pk])}{query}#comment-{first_unshown.pk}"
    )
    assert html.count("more-replies") == 1  # nothing under the thread whose replies are all shown
    assert shown_replies(html.split(f'id="comment-{other.pk}"')[1]) == [f"Reply {n}" for n in range(REPLIES_SHOWN)]
    rest = client.get(first_unshown.get_page_url())
    assert rest.status_code == 200
    assert f'id="comment-{first_unshown.pk}"' in rest.content.decode()


def test_a_page_of_threads_loads_a_bounded_number_of_replies(client, summary, django_assert_max_num_queries):
    tops = make_threads(summary, 3, writer=summary.writer, replies=1)
    with CaptureQueriesContext(connection) as few:
        page_html(client, summary)
    for top in tops:
        bulk_replies(top, 2 * REPLIES_SHOWN, first=1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page_html(client, summary)
    assert html.count('class="comment"') == 3 * (1 + REPLIES_SHOWN)
    assert html.count(f"{REPLIES_SHOWN + 1} more replies") == 3


def replies_html(client, thread, page=None) -> str:
    response = client.get(reverse("comments:replies", args=[thread.pk]), {"page": page} if page else {})
    assert response.status_code == 200
    return response.content.decode()


def test_a_threads_own_pages_show_every_reply_once_in_order(client, summary, django_assert_max_num_queries):
    top = make_threads(summary, 1, writer=summary.writer)[0]
    total = 2 * REPLIES_PER_PAGE + 3
    bulk_replies(top, total)
    bulk_replies(top, 1, first=1000, state=Comment.State.SPAM)
    bulk_replies(top, 1, first=1001, deleted_at=T0)
    client.force_login(UserFactory())
    seen = []
    for page in (None, 2, 3):
        with django_assert_max_num_queries(6):  # session and member, thread, count, replies, the thread's page
            html = replies_html(client, top, page)
        assert h1_count(html) == 1
        assert f'id="comment-{top.pk}"' in html and "Thread 0" in html  # the thread's start, on every page
        seen += shown_replies(html)
    assert seen == [f"Reply {n}" for n in range(total)]
    assert "Reply 1000" not in seen and "Reply 1001" not in seen
    assert f'href="{summary.get_absolute_url()}#comment-{top.pk}">summary</a>' in html
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    assert 'rel="prev" href="?page=2"' in nav and 'rel="next"' not in nav
    assert f'name="parent" value="{top.pk}"' in html  # a member may reply from here


def test_a_reply_past_the_first_ones_is_found_on_its_threads_pages(client, member, summary):
    make_threads(summary, THREADS_PER_PAGE, writer=summary.writer)
    top = make_threads(summary, 1, writer=summary.writer, first=THREADS_PER_PAGE)[0]  # page 2
    replies = bulk_replies(top, REPLIES_SHOWN + REPLIES_PER_PAGE + 1)
    last_shown, first_unshown, last = replies[REPLIES_SHOWN - 1], replies[REPLIES_SHOWN], replies[-1]
    assert last_shown.get_page_url() == f"{summary.get_absolute_url()}?page=2#comment-{last_shown.pk}"
    assert f'id="comment-{last_shown.pk}"' in page_html(client, summary, 2)
    for reply in (first_unshown, last):
        url = reply.get_page_url()
        assert url.startswith(reverse("comments:replies", args=[top.pk]))
        assert client.get(reply.get_absolute_url())["Location"] == url  # the permalink
        assert f'id="comment-{reply.pk}"' in client.get(url).content.decode()
    # A new reply goes to the end of the thread: its last page.
    client.force_login(member)
    response = post_comment(client, summary, "The newest reply.", parent=str(top.pk))
    reply = Comment.objects.get(body="The newest reply.")
    assert response["Location"] == reply.get_page_url()
    assert response["Location"].startswith(reverse("comments:replies", args=[top.pk]))
    assert f'id="comment-{reply.pk}"' in client.get(response["Location"]).content.decode()


def test_a_threads_pages_follow_the_summarys_visibility(client, member, summary):
    top = make_threads(summary, 1, writer=summary.writer)[0]
    reply = bulk_replies(top, 1)[0]
    url = reverse("comments:replies", args=[top.pk])
    assert client.get(reverse("comments:replies", args=[reply.pk])).status_code == 404  # a reply starts no thread
    Summary.objects.filter(pk=summary.pk).update(visibility=Summary.Visibility.PRIVATE)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 404
    client.force_login(summary.writer)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_a_threads_pages_show_a_deleted_start_as_a_placeholder(client, summary):
    top = make_threads(summary, 1, writer=summary.writer, deleted_at=T0)[0]
    url = reverse("comments:replies", args=[top.pk])
    assert client.get(url)["Location"] == f"{summary.get_absolute_url()}#comments"  # no replies: no thread
    bulk_replies(top, 1)
    html = replies_html(client, top)
    assert "This comment was deleted." in html and "Thread 0" not in html and shown_replies(html) == ["Reply 0"]


def test_edited_comment_shows_edited_with_its_time(client, member, summary):
    comment = CommentFactory(summary=summary, writer=member, body="Tpyo")
    untouched = CommentFactory(summary=summary, writer=member, body="Fine as it is")
    client.force_login(member)
    client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Typo fixed"})
    client.post(reverse("comments:edit", args=[untouched.pk]), {"body": "Fine as it is"})  # no change
    comment.refresh_from_db()
    untouched.refresh_from_db()
    assert comment.edited_at is not None and untouched.edited_at is None
    html = client.get(summary.get_absolute_url()).content.decode()
    edited = re.search(rf'<li class="comment" id="comment-{comment.pk}">(.*?)</li>', html, re.S).group(1)
    assert f'<time class="edited" datetime="{comment.edited_at.isoformat()}"' in edited and ">edited</time>" in edited
    plain = re.search(rf'<li class="comment" id="comment-{untouched.pk}">(.*?)</li>', html, re.S).group(1)
    assert "edited" not in plain


def test_moderation_does_not_mark_a_comment_edited(summary):
    comment = CommentFactory(summary=summary)
    comment.set_state(Comment.State.HIDDEN)
    comment.set_state(Comment.State.VISIBLE)
    comment.refresh_from_db()
    assert comment.edited_at is None
