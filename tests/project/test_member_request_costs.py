"""What a signed-in member's page costs per request besides its rendering (issue 14): the version stamps read once
per request, one votes query for every list of cards, and the layout's constant parts rendered once per process.
"""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.lib import versions
from summaries.models import Vote
from tests.factories import SummaryFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


class CountingGets:
    """Counts the cache reads of version stamps (``version:…`` keys)."""

    def __init__(self, monkeypatch):
        self.reads = []
        get, get_many = cache.get, cache.get_many

        def counted_get(key, *args, **kwargs):
            if str(key).startswith("version:"):
                self.reads.append(key)
            return get(key, *args, **kwargs)

        def counted_get_many(keys, *args, **kwargs):
            self.reads.extend(key for key in keys if str(key).startswith("version:"))
            return get_many(keys, *args, **kwargs)

        monkeypatch.setattr(cache, "get", counted_get)
        monkeypatch.setattr(cache, "get_many", counted_get_many)


def test_a_members_home_page_reads_the_listing_stamp_once(client, monkeypatch, committed):
    # Rows, picks and two lists of cards each asked for it: four cache round trips, now one.
    with committed():
        SummaryFactory().feature()
        SummaryFactory.create_batch(3)
    client.force_login(UserFactory())
    client.get("/")
    counting = CountingGets(monkeypatch)
    assert client.get("/").status_code == 200
    assert counting.reads == ["version:listing"]


def test_a_stamp_bumped_during_a_request_is_read_again():
    versions.open_request_memo()
    try:
        before = versions.current(versions.LISTING)
        assert versions.current(versions.LISTING) == before
        versions.bump_now(versions.LISTING)
        assert versions.current(versions.LISTING) == before + 1
    finally:
        versions.close_request_memo()


def test_outside_a_request_every_read_goes_to_the_cache():
    # Tasks and commands run for hours: a stamp remembered there would keep serving retired entries.
    before = versions.current(versions.LISTING)
    cache.incr("version:listing")  # another process bumps it
    assert versions.current(versions.LISTING) == before + 1


def test_the_home_page_reads_the_votes_of_its_picks_and_its_list_in_one_query(client, committed):
    with committed():
        pick = SummaryFactory()
        pick.feature()
        other = SummaryFactory()
    voter = UserFactory()
    with committed():
        Vote.cast(user=voter, summary_id=pick.pk, value=1)
        Vote.cast(user=voter, summary_id=other.pk, value=-1)
    client.force_login(voter)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    assert len([q for q in queries.captured_queries if 'FROM "summaries_vote"' in q["sql"]]) == 1
    # The pick's card is on the page twice (picks, then the latest), pressed up both times; the other pressed down.
    assert len(re.findall(r'aria-label="Vote up" aria-pressed="true"', page)) == 2
    assert len(re.findall(r'aria-label="Vote down" aria-pressed="true"', page)) == 1


def test_the_layouts_constant_parts_are_rendered_once_per_process(client, monkeypatch):
    import django.urls

    client.force_login(UserFactory())  # (an anonymous reader's second request would come from the page cache)
    client.get("/about/")
    reversed_names = []
    reverse = django.urls.reverse

    def counted(viewname, *args, **kwargs):
        reversed_names.append(viewname)
        return reverse(viewname, *args, **kwargs)

    monkeypatch.setattr(django.urls, "reverse", counted)  # what {% url %} calls
    page = client.get("/about/").content.decode()
    # The footer's and the menu's links are on the page, but no longer looked up on each request.
    assert "arXiv categories</a>" in page and "Random summary</a>" in page
    assert "members:profile" in reversed_names  # the member's own links still are
    assert "papers:categories" not in reversed_names
    assert "summaries:random" not in reversed_names


def test_the_address_of_a_view_without_arguments_is_worked_out_once(client, monkeypatch):
    import shortscience.templatetags.urls as urls_tag

    client.force_login(UserFactory())
    client.get("/")
    calls = []
    reverse = urls_tag.reverse
    monkeypatch.setattr(urls_tag, "reverse", lambda *args, **kwargs: calls.append(args) or reverse(*args, **kwargs))
    page = client.get("/").content.decode()
    assert '<a class="brand" href="/">' in page and 'action="/search/"' in page
    assert calls == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{% url 'home' %}", "/"),
        ("{% url 'discovery:search' as where %}[{{ where }}]", "[/search/]"),
        ("{% url 'no-such-view' as where %}[{{ where }}]", "[]"),
        ("{% url 'members:profile' 'ann' %}", "/users/ann/"),
        ("{% with name='home' %}{% url name %}{% endwith %}", "/"),
    ],
)
def test_the_url_tag_answers_as_djangos_does(source, expected):
    from django.template import engines

    template = engines["django"].from_string(source)
    assert template.render({}) == expected
    assert template.render({}) == expected  # remembered


def test_an_unknown_view_without_arguments_still_fails_loudly():
    from django.template import engines
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'no-such-view' %}").render({})


def test_the_layouts_constant_parts_never_show_the_reader(client):
    member = UserFactory(username="zebulon-the-reader", display_name="Zebulon Reader")
    client.force_login(member)
    page = client.get("/about/").content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert "Zebulon" not in footer
    assert "Zebulon Reader" in page  # the member's own menu is still per request


# --- Comments: what every reader sees from the cache, the viewer's actions per request ---------------------------


def test_a_comment_is_rendered_once_for_every_member_and_each_gets_their_own_actions(client, committed, monkeypatch):
    from django.template import loader

    from comments.templatetags import comment_forms
    from shortscience.lib import versions
    from tests.factories import CommentFactory

    with committed():
        summary = SummaryFactory()
        author = UserFactory(username="ccommenter")
        comment = CommentFactory(summary=summary, writer=author, body="Is the *baseline* tuned?")
        CommentFactory(summary=summary, parent=comment, body="It is, see the appendix.")
    url = summary.get_absolute_url()
    renders = []

    def counting_get_template(name):
        renders.append(name)
        return loader.get_template(name)

    monkeypatch.setattr(versions, "get_template", counting_get_template)  # what remember_rendered renders with
    mains = lambda: renders.count(comment_forms.MAIN_TEMPLATE)  # noqa: E731

    client.force_login(author)
    page = client.get(url).content.decode()
    assert "<em>baseline</em>" in page
    edit = f'href="/comments/{comment.pk}/edit/"'
    assert edit in page and f"/report/comment/{comment.pk}/" not in page  # one's own: edit, never report
    assert mains() == 2  # the comment and its reply, rendered

    client.force_login(UserFactory(username="creader"))
    page = client.get(url).content.decode()
    assert mains() == 2  # both from the cache for the next member
    assert edit not in page and f'href="/report/comment/{comment.pk}/"' in page
    # A reply form for the thread, with the member's CSRF token and a key of its own (test_double_submit).
    assert f'<input type="hidden" name="parent" value="{comment.pk}">' in page
    assert f'<textarea id="comment-body-{comment.pk}"' in page
    assert page.count('name="csrfmiddlewaretoken"') >= 2

    with committed():
        comment.edit("Is the *tuned* baseline fair?")
    assert "<em>tuned</em>" in client.get(url).content.decode()  # a write renders it afresh


# --- The paper block: the same for every reader, from the cache -------------------------------------------------


def test_the_paper_block_is_rendered_once_for_every_member_until_the_paper_changes(client, committed, monkeypatch):
    from django.template.base import Template

    from tests.factories import PaperFactory

    with committed():
        paper = PaperFactory(title="Wombat Dynamics", abstract="We model $x^2$ wombats.")
        summary = SummaryFactory(paper=paper)
    renders = []
    real_render = Template.render

    def counting_render(self, context):
        if self.origin and self.origin.template_name == "includes/paper_block.html":
            renders.append(1)
        return real_render(self, context)

    monkeypatch.setattr(Template, "render", counting_render)
    for username in ("pbreader1", "pbreader2"):
        client.force_login(UserFactory(username=username))
        for url in (paper.get_absolute_url(), summary.get_absolute_url()):
            assert "Wombat Dynamics" in client.get(url).content.decode()
    assert len(renders) == 2  # once for the paper page, once for the summary page (another layout of the block)
    with committed():
        paper.title = "Wombat Dynamics, Revisited"
        paper.save()
    assert "Wombat Dynamics, Revisited" in client.get(paper.get_absolute_url()).content.decode()


def test_the_vote_form_is_built_once_per_request_and_filled_per_card(client, committed):
    with committed():
        first, second = SummaryFactory(), SummaryFactory()
    voter = UserFactory()
    with committed():
        Vote.cast(user=voter, summary_id=second.pk, value=1)
    client.force_login(voter)
    page = client.get("/?top=all&x=%7Bscore%7D").content.decode()
    forms = re.findall(r'<form method="post" action="(/summary/\d+/vote/)" class="vote-form".*?</form>', page, re.S)
    assert sorted(forms) == sorted([f"/summary/{first.pk}/vote/", f"/summary/{second.pk}/vote/"])
    tokens = re.findall(
        r'class="vote-form" data-vote-form>\s*<input type="hidden" name="csrfmiddlewaretoken" value="(\w+)"', page
    )
    assert len(tokens) == 2 and tokens[0] == tokens[1]
    assert page.count('name="next" value="/?top=all&amp;x=%7Bscore%7D"') == 2
    assert len(re.findall(r'aria-label="Vote up" aria-pressed="true"', page)) == 1
