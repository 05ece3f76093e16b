"""Reading pages about summaries: home, the permalink, writers, random, about."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from summaries.models import Summary
from tests.conftest import h1_count, html_of
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def card(html: str, summary) -> str:
    match = re.search(rf'<article class="summary-card" id="summary-{summary.pk}".*?</article>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def unlisted(db):
    """One summary in every state readers must never see, each with a recognisable body."""
    return {
        "private": SummaryFactory(body="PRIVATE-BODY", visibility=Summary.Visibility.PRIVATE),
        "hidden": SummaryFactory(body="HIDDEN-BODY", state=Summary.State.HIDDEN),
        "spam": SummaryFactory(body="SPAM-BODY", state=Summary.State.SPAM),
        "pending": SummaryFactory(body="PENDING-BODY", state=Summary.State.PENDING),
        "deleted": SummaryFactory(body="DELETED-BODY", deleted_at=timezone.now()),
    }


# --- Home ------------------------------------------------------------------------------------------


def test_home_lists_latest_listed_summaries_newest_first(client):
    older = SummaryFactory(body="Older summary", created_at=timezone.now() - timedelta(days=3))
    newer = SummaryFactory(body="Newer summary")
    html = html_of(client.get("/"))
    assert html.index(f'id="summary-{newer.pk}"') < html.index(f'id="summary-{older.pk}"')
    assert newer.paper.title in html
    assert "0 comments" in card(html, newer)


@pytest.mark.parametrize("top", ["", "week", "month", "all"])
def test_home_never_shows_unlisted_summaries_on_any_tab(client, unlisted, top):
    SummaryFactory(body="LISTED-BODY")
    html = html_of(client.get("/", {"top": top} if top else {}))
    assert "LISTED-BODY" in html
    for body in ("PRIVATE-BODY", "HIDDEN-BODY", "SPAM-BODY", "PENDING-BODY", "DELETED-BODY"):
        assert body not in html


def test_home_shows_anonymous_for_an_anonymous_summary_and_never_its_writer(client):
    writer = UserFactory(username="secretwriter", display_name="Secret Writer", affiliation="Hidden Institute")
    summary = SummaryFactory(writer=writer, is_anonymous=True)
    html = html_of(client.get("/"))
    assert "anonymous" in card(html, summary)
    for leak in ("secretwriter", "Secret Writer", "Hidden Institute"):
        assert leak not in html


def test_home_top_of_the_week_ranks_by_score_and_leaves_out_older_summaries(client):
    best = SummaryFactory(body="Best this week")
    good = SummaryFactory(body="Good this week")
    old = SummaryFactory(body="Great but old", created_at=timezone.now() - timedelta(days=20))
    Summary.objects.filter(pk=best.pk).update(score=5)
    Summary.objects.filter(pk=good.pk).update(score=2)
    Summary.objects.filter(pk=old.pk).update(score=50)
    week = html_of(client.get("/", {"top": "week"}))
    assert "Great but old" not in week
    assert week.index("Best this week") < week.index("Good this week")
    assert 'aria-current="page">Week<' in week
    month = html_of(client.get("/", {"top": "month"}))
    assert month.index("Great but old") < month.index("Best this week")
    old.created_at = timezone.now() - timedelta(days=400)
    old.save()
    assert "Great but old" not in html_of(client.get("/", {"top": "month"}))
    assert "Great but old" in html_of(client.get("/", {"top": "all"}))


def test_home_unknown_tab_falls_back_to_latest(client):
    SummaryFactory(body="Something")
    html = html_of(client.get("/", {"top": "<script>"}))
    assert "Latest summaries" in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_home_shows_editors_picks_most_recently_picked_first(client):
    first = SummaryFactory(body="Picked first")
    second = SummaryFactory(body="Picked second")
    first.feature()
    second.feature()
    hidden_pick = SummaryFactory(body="Hidden pick", state=Summary.State.HIDDEN)
    hidden_pick.feature()
    html = html_of(client.get("/"))
    picks = html.split('id="featured-h"', 1)[1].split('id="list-h"', 1)[0]
    assert picks.index("Picked second") < picks.index("Picked first")
    assert "Hidden pick" not in html


def test_home_has_no_editors_picks_section_when_there_are_none(client):
    SummaryFactory()
    assert "Editors’ picks" not in html_of(client.get("/"))


def test_home_counts_papers_listed_summaries_and_writers(client, unlisted):
    SummaryFactory()
    PaperFactory()
    html = html_of(client.get("/"))
    stats = html.split('class="stats"', 1)[1].split("</dl>", 1)[0]
    papers = Summary.objects.values("paper").distinct().count() + 1
    assert re.search(rf"<dt>Papers</dt><dd>{papers}</dd>", stats)
    assert re.search(r"<dt>Summaries</dt><dd>1</dd>", stats)
    assert re.search(r"<dt>Writers</dt><dd>1</dd>", stats)


def test_home_counts_of_big_tables_are_estimates_not_full_counts(client, monkeypatch):
    SummaryFactory()
    monkeypatch.setattr("summaries.models.estimated_rows", lambda relation: 2_500_000)
    with CaptureQueriesContext(connection) as queries:
        html = html_of(client.get("/"))
    stats = html.split('class="stats"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Papers</dt><dd>about 2.5 million</dd>" in stats
    assert "<dt>Summaries</dt><dd>about 2.5 million</dd>" in stats
    assert re.search(r"<dt>Writers</dt><dd>1</dd>", stats)
    big_counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"]]
    assert not any("papers_paper" in sql or "summaries_summary" in sql for sql in big_counts)


def test_home_counts_are_cached(client):
    SummaryFactory()
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not any("COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] for q in queries.captured_queries)


def test_home_pagination_never_counts_the_whole_table(client):
    for _ in range(20):
        SummaryFactory()
    client.get("/")  # the site counts are computed once, then cached
    with CaptureQueriesContext(connection) as queries:
        html = html_of(client.get("/", {"page": "2"}))
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert counts and all("LIMIT" in sql for sql in counts)
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2' in html
    assert 'rel="prev"' in html


def test_home_tab_links_keep_the_tab_when_paging(client):
    for _ in range(20):
        SummaryFactory()
    html = html_of(client.get("/", {"top": "all"}))
    assert "?top=all&amp;page=2" in html


def test_home_out_of_range_page_shows_the_last_page(client):
    SummaryFactory(body="Only one")
    assert "Only one" in html_of(client.get("/", {"page": "999"}))
    assert "Only one" in html_of(client.get("/", {"page": "nonsense"}))


def test_home_empty_site_says_what_to_do(client):
    html = html_of(client.get("/"))
    assert "No summaries yet" in html and reverse("papers:add") in html


@pytest.fixture
def many_summaries(db):
    summaries = [SummaryFactory(paper=PaperFactory(author_names=["A One", "B Two"])) for _ in range(30)]
    for summary in summaries[:5]:
        summary.feature()
    for summary in summaries[:10]:
        CommentFactory(summary=summary)
    return summaries


@pytest.mark.parametrize("top", ["", "week"])
def test_home_query_count_is_constant_for_readers(client, many_summaries, django_assert_max_num_queries, top):
    client.get("/")  # warm the counts cache
    with django_assert_max_num_queries(4):
        html_of(client.get("/", {"top": top} if top else {}))


def test_home_query_count_is_constant_for_members(client, many_summaries, django_assert_max_num_queries):
    voter = UserFactory()
    for summary in many_summaries[:8]:
        VoteFactory(user=voter, summary=summary)
    client.force_login(voter)
    client.get("/")
    with django_assert_max_num_queries(6):
        html = html_of(client.get("/"))
    assert 'aria-pressed="true"' in html  # the member's own votes are highlighted


# --- Summary page ----------------------------------------------------------------------------------


def test_summary_page_shows_the_summary_with_its_paper_header(client):
    paper = PaperFactory(title="Residual Things", arxiv_id="1512.03385", author_names=["Kaiming He", "Jian Sun"])
    paper.keywords.set(["cs.CV"])
    summary = SummaryFactory(paper=paper, body="## Idea\nSkip connections $y = F(x) + x$.", arxiv_version=2)
    html = html_of(client.get(summary.get_absolute_url()))
    assert h1_count(html) == 1
    assert "Residual Things" in html and "Kaiming He" in html
    assert 'href="/keywords/cscv/"' in html
    assert "https://arxiv.org/abs/1512.03385" in html
    assert f'Summary by <a href="{summary.writer.get_absolute_url()}">{summary.writer.public_name}</a>' in html
    assert "arXiv v2" in html and "For the practitioner" in html
    assert '<span class="math-inline">' in html
    assert "vendor/katex-0.19.1/katex.min.js" in html
    assert f'<link rel="canonical" href="http://testserver{summary.get_absolute_url()}">' in html
    assert '<meta property="og:title" content="Summary of “Residual Things”">' in html
    assert 'name="twitter:card"' in html


def test_summary_page_descriptions_are_plain_text_without_markdown_or_tex(client):
    summary = SummaryFactory(
        body="## Idea\n\n**Skip** connections $y = F(x) + x$ with [residuals](https://example.org) and `code`.\n\n"
        "- an $\\alpha$-weighted sum",
        paper=PaperFactory(abstract="An $\\alpha$-weighted abstract"),
    )
    html = html_of(client.get(summary.get_absolute_url()))
    expected = "Idea Skip connections y = F(x) + x with residuals and code. an α-weighted sum"
    for tag in ('name="description"', 'property="og:description"', 'name="twitter:description"'):
        assert re.search(rf'<meta {tag} content="([^"]*)">', html).group(1) == expected, tag
    assert '<p class="abstract">An <span class="math-inline">$\\alpha$</span>-weighted abstract</p>' in html


def test_summary_page_says_edited_only_after_an_edit(client):
    summary = SummaryFactory()
    assert "edited" not in html_of(client.get(summary.get_absolute_url()))
    Summary.objects.filter(pk=summary.pk).update(revision_number=2)
    assert "· edited" in html_of(client.get(summary.get_absolute_url()))


def test_anonymous_summary_page_never_contains_the_writer(client):
    writer = UserFactory(username="hiddenhand", display_name="Hidden Hand", affiliation="Secret Lab")
    summary = SummaryFactory(writer=writer, is_anonymous=True)
    html = html_of(client.get(summary.get_absolute_url()))
    assert "Summary by anonymous" in html
    for leak in ("hiddenhand", "Hidden Hand", "Secret Lab"):
        assert leak not in html


@pytest.mark.parametrize("state", ["private", "hidden", "spam", "pending", "deleted"])
def test_unlisted_summary_is_404_for_anonymous_readers_and_other_members(client, unlisted, state):
    url = unlisted[state].get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("state", "notice"),
    [("private", "Private."), ("hidden", "Hidden by a moderator"), ("pending", "Held for review"), ("spam", "spam")],
)
def test_writer_sees_own_unlisted_summary_with_a_notice(client, unlisted, state, notice):
    summary = unlisted[state]
    client.force_login(summary.writer)
    html = html_of(client.get(summary.get_absolute_url()))
    assert notice in html
    assert 'content="noindex, nofollow"' in html


def test_writer_cannot_open_own_deleted_summary(client, unlisted):
    summary = unlisted["deleted"]
    client.force_login(summary.writer)
    assert client.get(summary.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("state", ["hidden", "spam", "pending"])
def test_moderator_sees_hidden_spam_and_pending_public_summaries(client, unlisted, moderator, state):
    client.force_login(moderator)
    assert unlisted[state].body in html_of(client.get(unlisted[state].get_absolute_url()))


def test_moderator_cannot_read_a_private_summary(client, unlisted, moderator):
    client.force_login(moderator)
    assert client.get(unlisted["private"].get_absolute_url()).status_code == 404


def test_banned_member_still_reads_listed_summaries(client):
    banned = UserFactory(banned_at=timezone.now())
    summary = SummaryFactory(body="Readable")
    client.force_login(banned)
    assert "Readable" in html_of(client.get(summary.get_absolute_url()))


def test_summary_page_shows_listed_comments_and_replies_only(client):
    summary = SummaryFactory()
    top = CommentFactory(summary=summary, body="Top-level question")
    CommentFactory(summary=summary, parent=top, body="A visible reply")
    CommentFactory(summary=summary, parent=top, body="A hidden reply", state=Comment.State.HIDDEN)
    CommentFactory(summary=summary, body="Spam comment", state=Comment.State.SPAM)
    CommentFactory(summary=summary, body="Deleted comment", deleted_at=timezone.now())
    html = html_of(client.get(summary.get_absolute_url()))
    assert "Top-level question" in html and "A visible reply" in html
    for absent in ("A hidden reply", "Spam comment", "Deleted comment"):
        assert absent not in html


def test_summary_page_query_count_is_constant_with_many_comments(client, django_assert_max_num_queries):
    paper = PaperFactory(author_names=[f"Author {n}" for n in range(30)])
    paper.keywords.set(["a", "b", "c"])
    summary = SummaryFactory(paper=paper)
    for _ in range(15):
        top = CommentFactory(summary=summary)
        CommentFactory(summary=summary, parent=top)
    with django_assert_max_num_queries(6):
        html_of(client.get(summary.get_absolute_url()))
    reader = UserFactory()
    client.force_login(reader)
    with django_assert_max_num_queries(10):
        html_of(client.get(summary.get_absolute_url()))


def test_summary_page_of_unknown_id_is_the_site_404(client, db):
    response = client.get("/summary/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- Writers, random, about --------------------------------------------------------------------------


def test_writers_leaderboard_ranks_by_total_score_and_skips_members_without_summaries(client):
    low = SummaryFactory(writer=UserFactory(display_name="Low Scorer")).writer
    high = SummaryFactory(writer=UserFactory(display_name="High Scorer")).writer
    UserFactory(display_name="Never Wrote")
    type(high).objects.filter(pk=high.pk).update(total_score=10)
    type(low).objects.filter(pk=low.pk).update(total_score=1)
    html = html_of(client.get(reverse("summaries:writers")))
    assert html.index("High Scorer") < html.index("Low Scorer")
    assert "Never Wrote" not in html


def test_writers_leaderboard_leaves_out_writers_of_only_anonymous_or_private_summaries(client):
    SummaryFactory(writer=UserFactory(display_name="Only Anonymous"), is_anonymous=True)
    SummaryFactory(writer=UserFactory(display_name="Only Private"), visibility=Summary.Visibility.PRIVATE)
    html = html_of(client.get(reverse("summaries:writers")))
    assert "Only Anonymous" not in html and "Only Private" not in html


def test_writers_leaderboard_query_count_is_constant(client, django_assert_max_num_queries):
    for n in range(60):
        UserFactory(summary_count=1, total_score=n)
    with django_assert_max_num_queries(3):
        html = html_of(client.get(reverse("summaries:writers")))
    assert 'rel="next"' in html


def test_random_opens_a_listed_summary(client, unlisted):
    listed = SummaryFactory()
    for _ in range(10):
        response = client.get("/random")
        assert response.status_code == 302
        assert response["Location"] == listed.get_absolute_url()
    assert "no-cache" in response["Cache-Control"]


def test_random_never_sorts_the_whole_table(client):
    SummaryFactory()
    with CaptureQueriesContext(connection) as queries:
        client.get("/random")
    assert not any("RANDOM()" in q["sql"].upper() for q in queries.captured_queries)
    assert len(queries) <= 3


def test_random_without_summaries_goes_home_with_a_message(client, db):
    response = client.get("/random", follow=True)
    assert response.redirect_chain[0] == (reverse("home"), 302)
    assert "no summary to show yet" in response.content.decode()


def test_about_page_explains_the_site_and_shows_counts(client):
    SummaryFactory()
    html = html_of(client.get(reverse("summaries:about")))
    assert h1_count(html) == 1
    assert 'id="data-sources"' in html and 'id="contact"' in html
    assert "<dt>Summaries</dt><dd>1</dd>" in html


def test_old_writers_address_redirects_permanently(client, db):
    response = client.get("/users")
    assert response.status_code == 301
    assert response["Location"] == reverse("summaries:writers")
