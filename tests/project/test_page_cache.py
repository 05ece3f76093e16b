"""The page cache for anonymous readers (shortscience/page_cache.py, issue 14).

Correctness first: for every page type, a write shows to the next anonymous request and content a moderator
hid leaves it, although the page was cached a moment before. Then what is never cached (members, forms with a
CSRF token, messages, cookies, errors) and HTTP caching (ETag, 304, Cache-Control).

The test suite runs with the page cache off (settings_test: writes in a test's transaction never commit, so
stamps never move); these tests switch it on and commit their writes' callbacks.
"""

import re

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from moderation import actions
from shortscience.page_cache import PageCacheMiddleware, page_cache_exempt
from summaries.editing import save_summary
from summaries.models import Vote
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory, VenueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def world(committed):
    with committed():
        venue = VenueFactory(name="Quokka Conference", acronym="QC")
        writer = UserFactory(username="qwriter", display_name="Quinn Writer")
        paper = PaperFactory(title="Marsupial Dynamics", venue=venue, year=2021, author_names=["Ada Quokka"])
        paper.keywords.add("marsupials")
        summary = SummaryFactory(paper=paper, writer=writer, body="A summary about **quokkas**.")
    return {"venue": venue, "writer": writer, "paper": paper, "summary": summary}


def html(client, url, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def rewrite_about_wombats(world) -> None:
    """The writer edits the world's summary: its text is now about wombats, no longer quokkas."""
    save_summary(
        paper=world["paper"],
        writer=world["writer"],
        expected_revision=world["summary"].revision_number,
        data={"body": "Now about **wombats**.", "visibility": "public", "is_anonymous": False},
    )


def summary_pages(world) -> dict:
    paper, writer = world["paper"], world["writer"]
    return {
        "home": "/",
        "paper": paper.get_absolute_url(),
        "summary": world["summary"].get_absolute_url(),
        "profile": writer.get_absolute_url(),
        "feed": reverse("discovery:feed-latest-rss"),
        "paper feed": reverse("discovery:feed-paper-rss", args=[paper.slug]),
        "writer feed": reverse("discovery:feed-user-rss", args=[writer.username]),
        "API": reverse("api:latest-summaries"),
        "API paper": reverse("api:paper-summaries", args=[paper.pk]),
    }


def paper_list_pages(world) -> dict:
    paper = world["paper"]
    author = paper.ordered_authors[0]
    return {
        "venue-year": reverse("papers:venue_year", args=[world["venue"].slug, 2021]),
        "keyword": reverse("papers:keyword", args=["marsupials"]),
        "author": author.get_absolute_url(),
        "search": reverse("discovery:search") + "?q=marsupial",
        "year": reverse("papers:year", args=[2021]),
    }


# --- Served from the cache --------------------------------------------------------------------------------


def test_a_repeated_anonymous_page_comes_from_the_cache_without_a_query(client, world, django_assert_num_queries):
    first = client.get("/")
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = client.get("/")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_head_is_answered_from_the_cache_too(client, world, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        response = client.head("/")
    assert response.status_code == 200 and response["X-Page-Cache"] == "hit"


def test_the_query_string_is_part_of_the_key(client, world):
    client.get("/")
    assert client.get("/?top=all")["X-Page-Cache"] == "miss"


def test_pages_are_off_with_zero_seconds(client, world, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")


# --- Writes and moderation show on the next request, on every page type --------------------------------------


@pytest.mark.parametrize(
    "page", ["home", "paper", "summary", "profile", "feed", "paper feed", "writer feed", "API", "API paper"]
)
def test_an_edited_summary_shows_on_the_next_request(client, world, committed, page):
    url = summary_pages(world)[page]
    assert "quokkas" in html(client, url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    with committed():
        rewrite_about_wombats(world)
    page_html = html(client, url)
    assert "wombats" in page_html and "quokkas" not in page_html


@pytest.mark.parametrize(
    "page", ["home", "paper", "summary", "profile", "feed", "paper feed", "writer feed", "API", "API paper"]
)
def test_a_summary_hidden_by_a_moderator_leaves_the_page_on_the_next_request(client, world, committed, moderator, page):
    url = summary_pages(world)[page]
    assert "quokkas" in html(client, url)
    with committed():
        assert actions.hide(world["summary"], actor=moderator, reason="Off topic.")
    response = client.get(url)
    # The summary's own page answers 404 now; every other page just no longer shows it.
    assert "quokkas" not in response.content.decode()


def test_a_hidden_summary_leaves_the_sitemap_on_the_next_request(client, world, committed, moderator):
    url = reverse("discovery:sitemap-section", args=["summaries"])
    assert world["summary"].get_absolute_url() in html(client, url)
    with committed():
        actions.hide(world["summary"], actor=moderator, reason="Spam.")
    assert world["summary"].get_absolute_url() not in html(client, url)


def test_a_new_summary_shows_in_the_sitemap_on_the_next_request(client, world, committed):
    url = reverse("discovery:sitemap-section", args=["summaries"])
    html(client, url)
    with committed():
        other = SummaryFactory(body="Another one.")
    assert other.get_absolute_url() in html(client, url)


@pytest.mark.parametrize("page", ["venue-year", "keyword", "author", "search", "year"])
@pytest.mark.parametrize("member", [False, True], ids=["anonymous", "member"])
def test_a_new_paper_shows_in_its_lists_on_the_next_request(client, world, committed, page, member):
    if member:  # members' lists are kept too (papers.pagination.kept_page), under the same stamp
        client.force_login(UserFactory(username="qreader"))
    url = paper_list_pages(world)[page]
    # Links, not titles: search highlights the words of a title.
    assert "/marsupial-energetics" not in html(client, url)
    with committed():
        paper = PaperFactory(title="Marsupial Energetics", venue=world["venue"], year=2021, author_names=["Ada Quokka"])
        paper.keywords.add("marsupials")
    assert paper.get_absolute_url() in html(client, url)


@pytest.mark.parametrize("page", ["venue-year", "keyword", "author", "search", "year"])
@pytest.mark.parametrize("member", [False, True], ids=["anonymous", "member"])
def test_a_paper_merged_by_a_moderator_leaves_its_lists_on_the_next_request(
    client, world, committed, moderator, page, member
):
    if member:
        client.force_login(UserFactory(username="qreader"))
    with committed():
        duplicate = PaperFactory(
            title="Marsupial Energetics", venue=world["venue"], year=2021, author_names=["Ada Quokka"]
        )
        duplicate.keywords.add("marsupials")
    url = paper_list_pages(world)[page]
    assert duplicate.get_absolute_url() in html(client, url)
    with committed():
        actions.merge_papers(world["paper"], duplicate, actor=moderator, reason="Same paper.")
    assert duplicate.get_absolute_url() not in html(client, url)


def test_the_venue_page_counts_a_new_summary_on_the_next_request(client, world, committed):
    url = world["venue"].get_absolute_url()
    assert "1 summary" in html(client, url)
    with committed():
        SummaryFactory(paper=world["paper"], body="A second view.")
    assert "2 summaries" in html(client, url)


def test_the_venue_page_stops_counting_a_hidden_summary_on_the_next_request(client, world, committed, moderator):
    url = world["venue"].get_absolute_url()
    assert "1 summary" in html(client, url)
    with committed():
        actions.hide(world["summary"], actor=moderator, reason="Off topic.")
    assert "0 summaries" in html(client, url)


def test_a_new_comment_shows_on_the_summary_page_and_a_hidden_one_leaves(client, world, committed, moderator):
    url = world["summary"].get_absolute_url()
    html(client, url)
    with committed():
        comment = CommentFactory(summary=world["summary"], body="Lovely **numbats** too.")
    assert "numbats" in html(client, url)
    with committed():
        actions.hide(comment, actor=moderator, reason="Off topic.")
    assert "numbats" not in html(client, url)


def test_a_vote_changes_the_score_readers_see_on_the_next_request(client, world, committed):
    url = world["paper"].get_absolute_url()
    score = re.compile(r'class="score"[^>]*>(-?\d+)<')
    assert score.findall(html(client, url)) == ["0"]
    with committed():
        Vote.cast(user=UserFactory(), summary_id=world["summary"].pk, value=1)
    assert score.findall(html(client, url)) == ["1"]


def test_a_profile_edit_shows_in_bylines_on_the_next_request(client, world, committed):
    url = world["paper"].get_absolute_url()
    assert "Quinn Writer" in html(client, url)
    writer = world["writer"]
    writer.display_name = "Quentin Scribe"
    with committed():
        writer.save()
    page_html = html(client, url)
    assert "Quentin Scribe" in page_html and "Quinn Writer" not in page_html


def test_a_ban_that_hides_content_takes_it_off_every_cached_page(client, world, committed, moderator):
    urls = [summary_pages(world)[page] for page in ("home", "paper", "profile", "API")]
    for url in urls:
        assert "quokkas" in html(client, url)
    with committed():
        actions.ban(world["writer"], actor=moderator, reason="Spam.", hide_content=True)
    for url in urls:
        assert "quokkas" not in client.get(url).content.decode()


def test_a_new_keyword_on_a_paper_shows_on_its_page_on_the_next_request(client, world, committed):
    url = world["paper"].get_absolute_url()
    assert "wallabies" not in html(client, url)
    with committed():
        world["paper"].keywords.add("wallabies")
    assert "wallabies" in html(client, url)


def test_a_member_signing_in_does_not_retire_cached_pages(client, world, committed):
    from django.utils import timezone

    client.get("/")
    writer = world["writer"]
    writer.last_login = timezone.now()
    with committed():
        writer.save(update_fields=["last_login"])
    assert client.get("/")["X-Page-Cache"] == "hit"


# --- Never cached ---------------------------------------------------------------------------------------------


def test_a_signed_in_member_never_gets_a_cached_page_nor_fills_one(client, world):
    member = UserFactory(username="reader", display_name="Regular Reader")
    client.force_login(member)
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert "Regular Reader" in response.content.decode()
    client.logout()
    anonymous = client.get("/")
    assert anonymous["X-Page-Cache"] == "miss"
    assert "Regular Reader" not in anonymous.content.decode()


def test_an_anonymous_page_cached_earlier_is_not_served_to_a_member(client, world):
    client.get("/")
    client.force_login(UserFactory(username="reader", display_name="Regular Reader"))
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "Regular Reader" in response.content.decode()


def test_a_page_with_a_csrf_token_is_never_stored(client, world):
    url = reverse("account_login")
    first = client.get(url)
    assert "csrfmiddlewaretoken" in first.content.decode()
    again = client.get(url)
    assert "X-Page-Cache" not in again
    assert not any("csrfmiddlewaretoken" in str(cache.get(key)) for key in _page_keys())


def test_no_cached_page_holds_a_csrf_token_or_a_message(client, world):
    urls = [*summary_pages(world).values(), *paper_list_pages(world).values(), world["venue"].get_absolute_url()]
    urls += [reverse("discovery:sitemap"), reverse("papers:venues"), reverse("summaries:writers")]
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url
    for key in _page_keys():
        content = cache.get(key).content.decode()
        assert "csrfmiddlewaretoken" not in content and 'class="messages"' not in content


def test_a_request_with_a_messages_cookie_bypasses_the_cache_and_its_message_is_never_stored(client, world):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client.get("/")  # cached for everyone
    storage = CookieStorage(RequestFactory().get("/"))
    encoded = storage._encode([Message(constants.SUCCESS, "Your summary was published.")])
    client.cookies["messages"] = encoded
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "Your summary was published." in response.content.decode()
    client.cookies.pop("messages")
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit"
    assert "Your summary was published." not in again.content.decode()


def test_errors_and_redirects_are_not_stored(client, world):
    assert client.get("/users/nobody-here/").status_code == 404
    assert "X-Page-Cache" not in client.get("/users/nobody-here/")
    assert client.get(reverse("summaries:random")).status_code == 302
    assert "X-Page-Cache" not in client.get(reverse("summaries:random"))


def _middleware(view):
    return PageCacheMiddleware(view)


def test_answers_that_set_a_cookie_vary_otherwise_or_say_private_are_not_stored(rf):
    from django.http import HttpResponse

    def with_cookie(request):
        response = HttpResponse("cookie")
        response.set_cookie("flavour", "oat")
        return response

    def varying(request):
        response = HttpResponse("varies")
        response["Vary"] = "Accept-Language"
        return response

    def private(request):
        response = HttpResponse("mine")
        response["Cache-Control"] = "private"
        return response

    for view in (with_cookie, varying, private, page_cache_exempt(lambda request: HttpResponse("hello"))):
        middleware = _middleware(view)
        middleware(rf.get("/x/"))
        assert "X-Page-Cache" not in middleware(rf.get("/x/")), view


def test_posts_are_never_answered_from_the_cache(client, world):
    client.get("/")
    response = client.post("/")
    assert "X-Page-Cache" not in response


# --- HTTP caching ---------------------------------------------------------------------------------------------


def test_anonymous_pages_carry_validators_and_public_cache_control(client, world, settings):
    settings.PAGE_CACHE_MAX_AGE = 5
    settings.PAGE_CACHE_STALE_WHILE_REVALIDATE = 30
    response = client.get("/")
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=5", "stale-while-revalidate=30"}
    assert client.get("/")["ETag"] == response["ETag"]


def test_if_none_match_is_answered_304_until_a_write(client, world, committed, django_assert_num_queries):
    etag = client.get("/")["ETag"]
    with django_assert_num_queries(0):
        response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.content == b""
    with committed():
        SummaryFactory(body="Fresh news about bilbies.")
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag and "bilbies" in response.content.decode()


def test_if_modified_since_is_answered_304(client, world):
    last_modified = client.get("/")["Last-Modified"]
    assert client.get("/", headers={"If-Modified-Since": last_modified}).status_code == 304


def test_views_keep_their_own_cache_control(client, world):
    response = client.get(reverse("discovery:feed-latest-rss"))
    assert "max-age=0" not in response["Cache-Control"]
    assert response["ETag"]


def test_the_bench_hello_view_is_not_served_without_bench(client):
    assert client.get("/bench/hello/").status_code == 404


def _page_keys():
    """The page entries of the test cache: local memory, or Redis when REDIS_URL is set (CI's second pass)."""
    if isinstance(cache._cache, dict):  # LocMemCache: {made key: value}
        return [key.split(":", 2)[-1] for key in cache._cache if ":page:" in key]
    prefix = cache.make_key("")
    client = cache._cache.get_client()
    return [key.decode()[len(prefix) :] for key in client.scan_iter(match=cache.make_key("page:*"))]


def test_the_health_check_is_never_served_from_the_cache(client, db):
    client.get("/health/")
    assert "X-Page-Cache" not in client.get("/health/")


# --- Members' pages: cards kept in the cache (summaries.templatetags.cards) ----------------------------------


@pytest.fixture
def member_client(client, world):
    client.force_login(UserFactory(username="qreader"))
    return client


def _member_list_pages(world) -> dict:
    return {"home": "/", "paper": world["paper"].get_absolute_url(), "profile": world["writer"].get_absolute_url()}


@pytest.mark.parametrize("page", ["home", "paper", "profile"])
def test_a_members_list_page_reuses_each_cards_rendering_until_a_write(member_client, world, committed, page):
    from shortscience.lib import versions
    from summaries.templatetags import cards

    url = _member_list_pages(world)[page]
    assert "quokkas" in html(member_client, url)
    rendered = []
    real = versions.get_template  # what remember_rendered renders with

    def counting(name):
        rendered.append(name)
        return real(name)

    versions.get_template = counting
    try:
        assert "quokkas" in html(member_client, url)
        assert rendered == []  # the card came from the cache
        with committed():
            rewrite_about_wombats(world)
        page_html = html(member_client, url)
    finally:
        versions.get_template = real
    assert rendered == [cards.CARD_TEMPLATE]  # rendered afresh once after the write
    assert "wombats" in page_html and "quokkas" not in page_html
    # The vote column is the member's own on every request: a form with a CSRF token, not a sign-in link.
    assert 'class="vote-form"' in page_html and "csrfmiddlewaretoken" in page_html


@pytest.mark.parametrize("page", ["home", "paper", "profile"])
def test_a_summary_hidden_by_a_moderator_leaves_a_members_page_on_the_next_request(
    member_client, world, committed, moderator, page
):
    url = _member_list_pages(world)[page]
    assert "quokkas" in html(member_client, url)
    with committed():
        assert actions.hide(world["summary"], actor=moderator, reason="Off topic.")
    assert "quokkas" not in member_client.get(url).content.decode()


def test_a_new_comment_and_a_renamed_writer_show_on_a_members_cards_on_the_next_request(
    member_client, world, committed
):
    url = "/"
    assert "0 comments" in html(member_client, url)
    with committed():
        CommentFactory(summary=world["summary"])
        writer = world["writer"]
        writer.display_name = "Quentin Scribe"
        writer.save()
    page_html = html(member_client, url)
    assert "1 comment" in page_html and "Quentin Scribe" in page_html and "Quinn Writer" not in page_html


def test_a_members_own_vote_is_shown_on_a_card_rendered_for_someone_else(client, world, committed):
    voter = UserFactory(username="qvoter")
    with committed():
        Vote.cast(user=voter, summary_id=world["summary"].pk, value=1)
    client.force_login(UserFactory(username="qother"))
    html(client, "/")  # the card is now in the cache, rendered for another member
    client.force_login(voter)
    page_html = html(client, "/")
    assert re.search(r'vote-up" aria-label="Vote up" aria-pressed="true"', page_html)


# --- Members' pages: listings and comment threads kept in the cache (summaries.listing, comments.threads) ---------


def _sql_touching(client, url, table) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        html(client, url)
    return [query["sql"] for query in queries.captured_queries if f'FROM "{table}"' in query["sql"]]


@pytest.mark.parametrize("page", ["home", "paper", "profile"])
def test_a_members_list_page_reads_its_rows_from_the_cache_and_its_votes_afresh(client, world, committed, page):
    # A member's home page ran its listing's queries (the page of rows with paper, venue and writer, and the
    # capped count) on every request: 6 of its 17 ms at 250,000 papers. Only the member's votes are read now.
    url = _member_list_pages(world)[page]
    voter = UserFactory(username="qvoter")
    client.force_login(voter)
    html(client, url)
    # (The paper page still asks whether the member wrote a summary of it: their own, not the listing's.)
    listing = [sql for sql in _sql_touching(client, url, "summaries_summary") if not re.search(r'writer_id"? = ', sql)]
    assert listing == []
    with committed():
        Vote.cast(user=voter, summary_id=world["summary"].pk, value=1)
    page_html = html(client, url)
    assert re.search(r'vote-up" aria-label="Vote up" aria-pressed="true"', page_html)
    assert re.search(r'data-score aria-live="polite" title="score">1<', page_html)  # the score moved with the vote
    client.force_login(UserFactory(username="qother"))  # same rows from the cache, another member's votes
    assert 'aria-pressed="true"' not in html(client, url)


def test_the_home_pages_tabs_are_kept_apart(client, world, committed):
    # Each tab (and page) is its own listing in the cache: the newest first on one, the best first on the other.
    client.force_login(UserFactory(username="qreader"))
    with committed():
        SummaryFactory(writer=world["writer"], body="A newer summary about **wallabies**.")
        Vote.cast(user=UserFactory(), summary_id=world["summary"].pk, value=1)
    latest, top = html(client, "/"), html(client, "/?top=all")
    assert latest.index("wallabies") < latest.index("quokkas")
    assert top.index("quokkas") < top.index("wallabies")


def test_a_members_summary_page_reads_its_comments_from_the_cache_until_a_write(client, world, committed):
    with committed():
        first = CommentFactory(summary=world["summary"], body="A comment about **bandicoots**.")
    client.force_login(UserFactory(username="qreader"))
    url = world["summary"].get_absolute_url()
    edit = reverse("comments:edit", args=[first.pk])
    page_html = html(client, url)
    assert "bandicoots" in page_html and edit not in page_html
    assert _sql_touching(client, url, "comments_comment") == []
    with committed():
        CommentFactory(summary=world["summary"], body="A reply about **numbats**.")
    page_html = html(client, url)
    assert "bandicoots" in page_html and "numbats" in page_html
    # The threads came from the cache; what the viewer may do with each comment is theirs.
    client.force_login(first.writer)
    assert _sql_touching(client, url, "comments_comment") == []
    assert edit in html(client, url)


@pytest.mark.parametrize("page", ["venue-year", "keyword", "author", "year"])
def test_a_members_paper_list_reads_no_paper_after_its_first_request_until_a_write(client, world, committed, page):
    client.force_login(UserFactory(username="qreader"))
    url = paper_list_pages(world)[page]
    html(client, url)
    assert _sql_touching(client, url, "papers_paper") == []
    with committed():
        world["paper"].title = "Marsupial Kinematics"
        world["paper"].save()
    assert "Marsupial Kinematics" in html(client, url)


def test_a_members_venue_and_category_lists_are_kept_until_a_write(client, world, committed):
    from papers.models import Category

    client.force_login(UserFactory(username="qreader"))
    category = Category.objects.order_by("code").first()
    venues, categories = reverse("papers:venues"), reverse("papers:categories")
    assert "Quokka Conference" in html(client, venues) and category.name in html(client, categories)
    assert _sql_touching(client, venues, "papers_venue") == []
    assert _sql_touching(client, categories, "papers_category") == []
    with committed():
        VenueFactory(name="Wombat Workshop")
        category.name = "Wombat Studies"
        category.save()
    assert "Wombat Workshop" in html(client, venues)
    assert "Wombat Studies" in html(client, categories)


def test_a_members_paper_and_summary_pages_read_the_paper_from_the_cache_until_a_write(client, world, committed):
    client.force_login(UserFactory(username="qreader"))
    urls = [world["paper"].get_absolute_url(), world["summary"].get_absolute_url()]
    for url in urls:
        assert "Marsupial Dynamics" in html(client, url) and "Ada Quokka" in html(client, url)
        for table in ("papers_paper", "papers_paperauthor", "taggit_tag"):
            assert _sql_touching(client, url, table) == [], (url, table)
    with committed():
        paper = world["paper"]
        paper.title = "Marsupial Kinematics"
        paper.save()
        paper.keywords.add("wombats")
    for url in urls:
        page_html = html(client, url)
        assert "Marsupial Kinematics" in page_html and "Marsupial Dynamics" not in page_html
        assert "wombats" in page_html


def test_a_summary_made_private_or_hidden_is_gone_from_a_members_next_request(client, world, committed, moderator):
    client.force_login(UserFactory(username="qreader"))
    url = world["summary"].get_absolute_url()
    html(client, url)
    with committed():
        assert actions.hide(world["summary"], actor=moderator, reason="Off topic.")
    assert client.get(url).status_code == 404
    client.force_login(world["writer"])  # the writer still reads their own hidden summary
    assert client.get(url).status_code == 200


def test_an_empty_page_of_comment_threads_is_kept_too(client, world):
    client.force_login(UserFactory(username="qreader"))
    url = world["summary"].get_absolute_url() + "?page=2"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
