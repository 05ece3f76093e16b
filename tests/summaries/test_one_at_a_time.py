"""A member runs one preview and one image upload at a time.

The editor waits for each answer before it asks again; a script sending many at once would hold one worker
each for as long as the renderer or the image decoder takes (the take-down drill's attack, `make drill`).
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.ratelimit import TIME_SHARES, one_at_a_time
from tests.factories import UserFactory
from tests.summaries.test_uploads import image_bytes, media, post_image  # noqa: F401 (media is a fixture)

pytestmark = pytest.mark.django_db
PREVIEW = reverse("summaries:preview")


def _running(user, action):
    request = RequestFactory().post("/")
    request.user = user
    return one_at_a_time(request, action)


def test_a_second_preview_while_one_is_running_is_turned_away_at_once(client, member):
    client.force_login(member)
    with _running(member, "preview"):
        response = client.post(PREVIEW, {"content": "*a*"})
    assert response.status_code == 429
    assert "still being handled" in response.content.decode()
    assert client.post(PREVIEW, {"content": "*a*"}).content.decode() == "<p><em>a</em></p>"


def test_another_members_preview_is_not_held_up(client, member):
    client.force_login(member)
    with _running(UserFactory(), "preview"):
        assert client.post(PREVIEW, {"content": "*a*"}).status_code == 200


@pytest.mark.usefixtures("media")
def test_a_second_upload_while_one_is_running_is_turned_away_at_once(client, member):
    client.force_login(member)
    with _running(member, "upload"):
        response = post_image(client, "a.png", image_bytes("PNG"))
    assert response.status_code == 429
    assert "still being handled" in response.json()["error"]
    assert post_image(client, "a.png", image_bytes("PNG")).status_code == 200


class FakeClock:
    """``time.time`` and ``time.perf_counter`` for accounts.ratelimit, moved on by hand."""

    def __init__(self):
        self.now = 1_000_000.0

    def time(self):
        return self.now

    perf_counter = time


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr("accounts.ratelimit.time", fake)
    return fake


def slow_renderer(clock, monkeypatch, seconds):
    def render(text):
        clock.now += seconds
        return f"<p>{text}</p>"

    monkeypatch.setattr("summaries.views_writing.markdownify", render)


def test_previews_that_keep_a_worker_busy_are_paused_then_resume(client, member, clock, monkeypatch):
    # The take-down drill's previews of the renderer's worst inputs, back to back: one at a time, each held a
    # worker (and a core) for half a second, for as long as the attacker liked. A member may keep a fifth of a
    # worker busy, with a second at once.
    share = TIME_SHARES["preview"]
    client.force_login(member)
    slow_renderer(clock, monkeypatch, 0.5)
    answers = [client.post(PREVIEW, {"content": "x"}).status_code for _ in range(4)]
    # Each render moves the member's "paid off" moment on by 0.5 / 0.2 = 2.5 s while the clock moves 0.5 s: it is
    # 6.5 s ahead after three, past burst / share = 5 s.
    assert answers == [200, 200, 200, 429]
    paused = client.post(PREVIEW, {"content": "x"})
    assert paused.status_code == 429
    assert "paused for 2 seconds" in paused.content.decode() and "Your text is kept" in paused.content.decode()
    assert paused["Retry-After"] == "2"
    clock.now += 2  # paid off down to the burst: one more
    assert client.post(PREVIEW, {"content": "x"}).status_code == 200
    assert client.post(PREVIEW, {"content": "x"}).status_code == 429
    assert share.share == 0.2 and share.burst == 1.0


def test_an_ordinary_editor_is_never_paused(client, member, clock, monkeypatch):
    # The longest ordinary summary (60 KB) renders in ~150 ms; the editor asks at most twice a second.
    client.force_login(member)
    slow_renderer(clock, monkeypatch, 0.1)
    for _ in range(120):
        assert client.post(PREVIEW, {"content": "x"}).status_code == 200
        clock.now += 0.5


def test_one_members_pause_does_not_pause_another(client, member, clock, monkeypatch):
    client.force_login(member)
    slow_renderer(clock, monkeypatch, 5)
    assert client.post(PREVIEW, {"content": "x"}).status_code == 200
    assert client.post(PREVIEW, {"content": "x"}).status_code == 429
    client.force_login(UserFactory())
    assert client.post(PREVIEW, {"content": "x"}).status_code == 200


def test_history_pages_that_keep_a_worker_busy_are_paused(client, clock, monkeypatch):
    # The take-down drill's attacker loaded the history of its worst diff pair 19 times a second. A member may keep
    # a tenth of a worker busy with history pages, half a second at once; one at a time.
    from summaries import views_writing
    from tests.factories import SummaryFactory

    summary = SummaryFactory()
    client.force_login(summary.writer)
    url = reverse("summaries:revisions", args=[summary.pk])
    real = views_writing.revision_diffs

    def slow_diffs(*args, **kwargs):
        clock.now += 0.3
        return real(*args, **kwargs)

    monkeypatch.setattr("summaries.views_writing.revision_diffs", slow_diffs)
    # Each page moves the "paid off" moment on by 0.3 / 0.1 = 3 s while the clock moves 0.3 s: past 0.5 / 0.1 = 5 s
    # after two.
    answers = [client.get(url) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "history pages are paused" in answers[2].content.decode()
    assert answers[2]["Retry-After"]
    with _running(summary.writer, "revisions"):
        assert client.get(url).status_code == 429  # one at a time
    clock.now += 10
    assert client.get(url).status_code == 200
