"""Mailing a published digest: batches over subscriber ids, each subscriber's own selection, never twice,
one-click unsubscribe headers, plain text and HTML."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from digest import mailing
from digest.models import Digest, Subscription
from digest.tasks import mail_digest, mail_digest_batch
from jobs.models import SentMail
from tests.digest.reading_helpers import LOSS_NOTE, category, digest, entry, paper_with_affiliations, subscriber
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    lg, cv = category("cs.LG"), category("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉")
    the_digest = digest(title="Digest of 6 December 2026")
    paper = paper_with_affiliations("Loss landscapes", [("S Fort", ["Stanford University"]), ("D Roy", ["Toronto"])])
    entry(the_digest, paper, lg, position=1, starred=True, note=LOSS_NOTE, language="zh-Hans")
    entry(the_digest, PaperFactory(title="Plain LG paper"), lg, position=2)
    entry(the_digest, PaperFactory(title="A vision paper"), cv, position=3)
    return the_digest


def run_mailing(digest_id, capture):
    with capture(execute=True):
        return mail_digest(digest_id)


def test_each_subscriber_gets_their_selection_and_nothing_when_it_is_empty(
    published, django_capture_on_commit_callbacks
):
    lg, cv = category("cs.LG"), category("cs.CV")
    everything = subscriber("all@example.org")
    vision = subscriber("cv@example.org", categories=[cv])
    subscriber("star@example.org", categories=[lg], starred_only=True)
    subscriber("nothing@example.org", categories=[cv], starred_only=True)  # no starred CV entry: no mail
    subscriber("pending@example.org", active=False)
    gone = subscriber("gone@example.org")
    gone.unsubscribe()

    run_mailing(published.pk, django_capture_on_commit_callbacks)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["all@example.org", "cv@example.org", "star@example.org"]
    to_all, to_cv = by_address["all@example.org"].body, by_address["cv@example.org"].body
    assert "Loss landscapes" in to_all and "A vision paper" in to_all
    assert "A vision paper" in to_cv and "Loss landscapes" not in to_cv
    starred = by_address["star@example.org"]
    assert "Loss landscapes" in starred.body and "Plain LG paper" not in starred.body
    # Numbers are the digest's: the vision paper stays number 3 in a mail that only has it.
    assert "3、[CV] A vision paper" in by_address["cv@example.org"].body
    assert starred.subject == "Digest of 6 December 2026: 1 paper, 1 ★"
    assert "[Stanford University & Toronto]" in starred.body and LOSS_NOTE in starred.body
    html, kind = starred.alternatives[0]
    assert kind == "text/html" and 'lang="zh-Hans"' in html and "[Stanford University &amp; Toronto]" in html
    assert SentMail.objects.filter(key=mailing.mail_key(published.pk, everything.pk)).exists()
    assert SentMail.objects.filter(key=mailing.mail_key(published.pk, vision.pk)).exists()


def test_every_mail_carries_one_click_unsubscribe_headers(published, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://shortscience.example"
    subscription = subscriber("reader@example.org")
    run_mailing(published.pk, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<https://shortscience.example/digest/unsubscribe/{subscription.token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"https://shortscience.example/digest/unsubscribe/{subscription.token}/" in message.body
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()


def test_1200_subscribers_are_mailed_in_batches_once_however_often_the_tasks_run(
    published, django_capture_on_commit_callbacks
):
    Subscription.objects.bulk_create(
        [Subscription(email=f"reader{n}@example.org", confirmed_at=timezone.now()) for n in range(1200)]
    )
    batches = []
    real_batch = mailing.send_batch

    def counting_batch(*args):
        batches.append(args)
        return real_batch(*args)

    with mock.patch.object(mailing, "send_batch", counting_batch):
        assert run_mailing(published.pk, django_capture_on_commit_callbacks) == 3
    assert len(mail.outbox) == 1200
    assert len({message.to[0] for message in mail.outbox}) == 1200
    assert [last - first + 1 for _, first, last in batches] == [500, 500, 200]
    assert Digest.objects.get(pk=published.pk).mailed_at is not None

    # Publishing twice, a redelivered task or a replayed batch sends nothing more.
    assert run_mailing(published.pk, django_capture_on_commit_callbacks) == 0
    for args in batches:
        assert mail_digest_batch(*args) == 0
    assert len(mail.outbox) == 1200


def test_a_draft_is_never_mailed_and_a_digest_unpublished_before_its_batch_sends_nothing(
    published, django_capture_on_commit_callbacks
):
    subscriber("reader@example.org")
    draft = digest(published.date.replace(day=7), published=False)
    entry(draft, position=1)
    assert run_mailing(draft.pk, django_capture_on_commit_callbacks) == 0
    assert Digest.objects.get(pk=draft.pk).mailed_at is None
    with django_capture_on_commit_callbacks(execute=False):  # batches enqueued but not run yet
        mail_digest(published.pk)
    Digest.objects.filter(pk=published.pk).update(state=Digest.State.DRAFT)
    first = Subscription.objects.get().pk
    assert mail_digest_batch(published.pk, first, first) == 0
    assert mail.outbox == []


def test_a_refused_mail_is_retried_on_its_own_and_the_batch_goes_on(published, django_capture_on_commit_callbacks):
    subscriber("first@example.org")
    subscriber("second@example.org")
    sent = []

    def flaky(self, messages):
        if not sent and messages[0].to == ["first@example.org"]:
            sent.append("refused")
            raise smtplib.SMTPServerDisconnected("try later")
        mail.outbox.extend(messages)
        return len(messages)

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", flaky):
        run_mailing(published.pk, django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == ["first@example.org", "second@example.org"]
