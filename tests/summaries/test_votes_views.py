import re

import pytest
from django.db.models import Sum
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from summaries.models import Summary, Vote
from tests.factories import SummaryFactory, UserFactory, VoteFactory
from tests.writing_helpers import banned_user

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def summary(db):
    return SummaryFactory()


def vote_url(summary):
    return reverse("summaries:vote", args=[summary.pk])


def test_up_vote_then_same_arrow_withdraws(client, member, summary):
    client.force_login(member)
    assert client.post(vote_url(summary), {"value": "1"}, **JSON).json() == {"score": 1, "my_vote": 1}
    assert client.post(vote_url(summary), {"value": "1"}, **JSON).json() == {"score": 0, "my_vote": 0}
    assert not Vote.objects.exists()


def test_switching_from_up_to_down(client, member, summary):
    client.force_login(member)
    client.post(vote_url(summary), {"value": "1"}, **JSON)
    assert client.post(vote_url(summary), {"value": "-1"}, **JSON).json() == {"score": -1, "my_vote": -1}


def test_score_equals_the_sum_of_votes(client, summary):
    for value in (1, 1, -1, 1):
        voter = UserFactory()
        client.force_login(voter)
        client.post(vote_url(summary), {"value": str(value)}, **JSON)
    summary.refresh_from_db()
    assert summary.score == 2 == Vote.objects.filter(summary=summary).aggregate(total=Sum("value"))["total"]


def test_without_javascript_vote_redirects_back_to_next(client, member, summary):
    client.force_login(member)
    response = client.post(vote_url(summary), {"value": "1", "next": "/paper/x/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/paper/x/?page=2"
    summary.refresh_from_db()
    assert summary.score == 1


def test_next_to_another_site_is_ignored(client, member, summary):
    client.force_login(member)
    response = client.post(vote_url(summary), {"value": "1", "next": "https://evil.example/"})
    assert response["Location"] == summary.get_absolute_url()


def test_writer_cannot_vote_on_own_summary(client, summary):
    client.force_login(summary.writer)
    response = client.post(vote_url(summary), {"value": "1"}, **JSON)
    assert response.status_code == 403
    assert "own summary" in response.json()["error"]
    assert client.post(vote_url(summary), {"value": "1"}).status_code == 403
    assert not Vote.objects.exists()


def test_banned_member_cannot_vote(client, summary):
    client.force_login(banned_user())
    assert client.post(vote_url(summary), {"value": "1"}, **JSON).status_code == 403
    assert not Vote.objects.exists()


def test_anonymous_vote_asks_to_sign_in(client, summary):
    assert client.post(vote_url(summary), {"value": "1"}, **JSON).status_code == 403
    response = client.post(vote_url(summary), {"value": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Vote.objects.exists()


@pytest.mark.parametrize("visibility,state", [("private", "visible"), ("public", "hidden"), ("public", "pending")])
def test_no_votes_on_unlisted_summaries(client, member, visibility, state):
    summary = SummaryFactory(visibility=visibility, state=state)
    client.force_login(member)
    assert client.post(vote_url(summary), {"value": "1"}, **JSON).status_code == 404


def test_vote_value_must_be_plus_or_minus_one(client, member, summary):
    client.force_login(member)
    assert client.post(vote_url(summary), {"value": "5"}, **JSON).status_code == 400
    assert client.post(vote_url(summary), {"value": "up"}).status_code == 400


def test_vote_needs_post_and_csrf(member, summary):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    assert csrf_client.get(vote_url(summary)).status_code == 405
    assert csrf_client.post(vote_url(summary), {"value": "1"}, **JSON).status_code == 403
    assert not Vote.objects.exists()


def test_votes_are_rate_limited(client, member, monkeypatch):
    from accounts import ratelimit

    monkeypatch.setitem(ratelimit.RATES, "vote", ratelimit.Rate(per_member=8, per_ip=100, window=3600, label="votes"))
    client.force_login(member)
    summaries = SummaryFactory.create_batch(3)
    statuses = [client.post(vote_url(s), {"value": "1"}, **JSON).status_code for s in summaries]
    assert statuses == [200, 200, 429]


def render_widget(user, summary, my_vote=None):
    request = RequestFactory().get("/paper/p/")
    request.user = user
    template = Template('{% include "includes/vote_widget.html" %}')
    return template.render(RequestContext(request, {"summary": summary, "my_vote": my_vote}))


def test_widget_marks_the_current_vote_pressed(member, summary):
    html = render_widget(member, summary, my_vote=1)
    assert re.search(r'value="1"[^>]*aria-label="Vote up" aria-pressed="true"', html)
    assert re.search(r'value="-1"[^>]*aria-label="Vote down" aria-pressed="false"', html)
    assert "csrfmiddlewaretoken" in html and 'name="next" value="/paper/p/"' in html


def test_widget_without_my_vote_highlights_nothing(member, summary):
    html = render_widget(member, summary)
    assert html.count('aria-pressed="false"') == 2


def test_widget_uses_the_my_vote_annotation(member, summary):
    VoteFactory(user=member, summary=summary, value=-1)
    annotated = Summary.objects.with_vote_of(member).get(pk=summary.pk)
    assert re.search(r'aria-label="Vote down" aria-pressed="true"', render_widget(member, annotated))


def test_widget_for_writer_and_anonymous_has_no_vote_form(summary):
    from django.contrib.auth.models import AnonymousUser

    assert "<form" not in render_widget(summary.writer, summary)
    anonymous = render_widget(AnonymousUser(), summary)
    assert "<form" not in anonymous and "Sign in to vote" in anonymous


# The card list as includes/summary_cards.html wrote it before {% summary_cards %}: the tag must say the same.
OLD_CARDS_TEMPLATE = """{% load cards %}{% prepare_card_mains summaries show_paper %}
{% for summary in summaries %}
<article class="summary-card" id="summary-{{ summary.pk }}" aria-labelledby="summary-{{ summary.pk }}-h">
  <div class="vote-column">
    {% vote_widget summary %}
  </div>
  {{ summary.card_main_html }}
</article>
{% endfor %}"""


@pytest.mark.parametrize("viewer", ["anonymous", "member", "writer"])
@pytest.mark.parametrize("show_paper", [False, True])
def test_summary_cards_say_what_the_template_loop_said(member, viewer, show_paper):
    from django.contrib.auth.models import AnonymousUser

    summaries = [SummaryFactory(body=f"Card <b>{n}</b> & $x^{n}$", score=n * 1500) for n in range(3)]
    summaries.append(SummaryFactory(writer=member, body="Mine"))
    for summary, vote in zip(summaries, [1, -1, 0, 0], strict=True):
        summary.my_vote = vote
    user = {"anonymous": AnonymousUser(), "member": member, "writer": summaries[0].writer}[viewer]

    def render(source):
        request = RequestFactory().get("/paper/p/?page=2")
        request.user = user
        context = RequestContext(request, {"summaries": summaries, "show_paper": show_paper, "user": user})
        html = " ".join(Template(source).render(context).split())
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', 'name="csrfmiddlewaretoken" value="(token)"', html)

    expected = render(OLD_CARDS_TEMPLATE)
    written = render('{% include "includes/summary_cards.html" %}')
    assert written == expected and written.count('class="summary-card"') == 4
