"""A comment form posted twice (double click, a resent request, three tabs at once) stores one comment.

Each rendered form carries its own submission key; the database keeps one comment per writer and key.
"""

import re
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.factories import CommentFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="submission" value="([0-9a-f-]{36})"')


def add_url(summary):
    return reverse("comments:add", args=[summary.pk])


def test_every_comment_form_on_a_page_gets_its_own_submission_key(client, member):
    summary = SummaryFactory()
    CommentFactory.create_batch(2, summary=summary)
    client.force_login(member)
    keys = KEY.findall(client.get(summary.get_absolute_url()).content.decode())
    assert len(keys) == 3  # the new-comment form and a reply form under each comment
    assert len(set(keys)) == 3


def test_the_same_form_posted_twice_stores_one_comment_and_lands_on_it(client, member):
    summary = SummaryFactory()
    client.force_login(member)
    data = {"body": "Is the baseline tuned?", "submission": str(uuid.uuid4())}
    first = client.post(add_url(summary), data)
    second = client.post(add_url(summary), data, follow=True)
    comment = Comment.objects.get()
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first["Location"] == comment.get_page_url()
    assert "already posted" in second.content.decode()
    summary.refresh_from_db()
    assert summary.comment_count == 1


def test_the_same_text_from_another_form_is_a_new_comment(client, member):
    summary = SummaryFactory()
    client.force_login(member)
    for _ in range(2):
        client.post(add_url(summary), {"body": "+1", "submission": str(uuid.uuid4())})
    assert Comment.objects.count() == 2


def test_a_submission_key_belongs_to_its_writer(client, member):
    summary = SummaryFactory()
    data = {"body": "Same key, other member.", "submission": str(uuid.uuid4())}
    for writer in (member, UserFactory()):
        client.force_login(writer)
        assert client.post(add_url(summary), data).status_code == 302
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_a_form_without_a_valid_key_is_refused_keeping_the_text(client, member, key):
    summary = SummaryFactory()
    client.force_login(member)
    data = {"body": "My carefully written question."} | ({"submission": key} if key else {})
    response = client.post(add_url(summary), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "This form was out of date" in html
    assert "My carefully written question." in html
    assert KEY.search(html)  # a fresh key: posting again works
    assert not Comment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_of_one_form_store_one_comment():
    summary = SummaryFactory()
    writer = UserFactory()
    data = {"body": "Posted three times at once.", "submission": str(uuid.uuid4())}
    clients = []
    for _ in range(3):
        client = Client()
        client.force_login(writer)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def post(client):
        try:
            barrier.wait()
            statuses.append(client.post(add_url(summary), data).status_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert statuses == [302, 302, 302]
    assert Comment.objects.filter(summary=summary).count() == 1
    summary.refresh_from_db()
    assert summary.comment_count == 1
