"""A member runs one preview and one image upload at a time.

The editor waits for each answer before it asks again; a script sending many at once would hold one worker
each for as long as the renderer or the image decoder takes (the take-down drill's attack, `make drill`).
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.ratelimit import one_at_a_time
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
