"""Publishing a digest: now, scheduled (the beat), cancelled, unpublished; each step audited, states checked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from digest import curation
from digest.models import Digest, DigestStateError
from digest.tasks import publish_due
from moderation.models import AuditEntry
from shortscience.lib import versions
from tests.digest.curate_helpers import DAY, curator, make_day
from tests.factories import ModeratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest():
    user = curator()
    paper = make_day(2)[0]
    digest = curation.digest_for(DAY, user)
    curation.decide(digest, paper, "add", user)
    return digest


def actions(digest):
    return list(AuditEntry.objects.for_object(digest).order_by("created_at").values_list("action", flat=True))


def test_publish_sets_state_time_audit_and_retires_cached_listings(digest, django_capture_on_commit_callbacks):
    user = curator("other")
    before = versions.current(versions.LISTING)
    with django_capture_on_commit_callbacks(execute=True):
        digest.publish(user)
    digest.refresh_from_db()
    assert digest.state == Digest.State.PUBLISHED and digest.published_at is not None
    assert actions(digest) == ["publish"]
    entry = AuditEntry.objects.for_object(digest).get()
    assert entry.actor == user and entry.details == {"scheduled": False}
    assert versions.current(versions.LISTING) != before
    assert user in digest.curators.all()


def test_publishing_twice_or_an_empty_digest_is_refused(digest):
    digest.publish(None)
    with pytest.raises(DigestStateError, match="published already"):
        digest.publish(None)
    empty = Digest.objects.create(date=DAY + timedelta(days=1))
    with pytest.raises(DigestStateError, match="at least one paper"):
        empty.publish(None)
    assert Digest.objects.get(pk=empty.pk).state == Digest.State.DRAFT


def test_republishing_keeps_the_first_publication_time(digest):
    digest.publish(None)
    first = Digest.objects.get(pk=digest.pk).published_at
    digest.unpublish(ModeratorFactory())
    digest.publish(None)
    assert Digest.objects.get(pk=digest.pk).published_at == first
    assert actions(digest) == ["publish", "unpublish", "publish"]


def test_unpublish_only_from_published(digest):
    with pytest.raises(DigestStateError):
        digest.unpublish(None)
    digest.publish(None)
    digest.unpublish(ModeratorFactory())
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.DRAFT


def test_schedule_then_the_beat_publishes_when_due(digest):
    at = timezone.now() + timedelta(hours=2)
    digest.schedule(at, curator("c2"))
    digest.refresh_from_db()
    assert digest.state == Digest.State.SCHEDULED and digest.publish_at == at
    assert publish_due.apply().get() == 0  # not yet
    Digest.objects.filter(pk=digest.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert publish_due.apply().get() == 1
    digest.refresh_from_db()
    assert digest.state == Digest.State.PUBLISHED
    assert actions(digest) == ["schedule", "publish"]
    publish_entry = AuditEntry.objects.for_object(digest).get(action="publish")
    assert publish_entry.actor is None and publish_entry.details == {"scheduled": True}
    assert publish_due.apply().get() == 0  # never twice


def test_a_cancelled_schedule_is_not_published_by_the_beat(digest):
    digest.schedule(timezone.now() + timedelta(minutes=1), None)
    digest.unschedule(None)
    Digest.objects.filter(pk=digest.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert publish_due.apply().get() == 0
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.DRAFT
    assert actions(digest) == ["schedule", "unschedule"]


def test_publish_if_due_rechecks_under_the_lock(digest):
    digest.schedule(timezone.now() + timedelta(hours=1), None)
    assert Digest.publish_if_due(digest.pk) is False  # listed as due by a stale beat, but not due
    assert Digest.publish_if_due(digest.pk, now=timezone.now() + timedelta(hours=2)) is True
    assert Digest.publish_if_due(digest.pk, now=timezone.now() + timedelta(hours=2)) is False


def test_scheduling_a_published_or_empty_digest_is_refused(digest):
    empty = Digest.objects.create(date=DAY + timedelta(days=2))
    with pytest.raises(DigestStateError):
        empty.schedule(timezone.now() + timedelta(hours=1), None)
    digest.publish(None)
    with pytest.raises(DigestStateError):
        digest.schedule(timezone.now() + timedelta(hours=1), None)


def test_an_emptied_scheduled_digest_stays_scheduled_and_is_logged(digest, caplog):
    digest.schedule(timezone.now() + timedelta(minutes=1), None)
    digest.entries.all().delete()
    Digest.objects.filter(pk=digest.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert publish_due.apply().get() == 0
    assert Digest.objects.get(pk=digest.pk).state == Digest.State.SCHEDULED
    assert "was not published" in caplog.text


def test_the_beat_runs_publish_due_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["digest-publish-due"]
    assert entry["task"] == "digest.publish_due" and entry["schedule"] == 300 and entry["options"]["expires"] < 300


def test_publishing_mails_the_subscribers_once_now_or_by_the_beat(digest, django_capture_on_commit_callbacks):
    from django.core import mail

    from digest.models import Subscription

    Subscription.objects.create(email="reader@example.org", confirmed_at=timezone.now())
    Subscription.objects.create(email="unconfirmed@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        digest.publish(curator("other"))
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
    digest.refresh_from_db()
    assert digest.mailed_at is not None
    # Unpublished and published again: nobody is mailed twice.
    digest.unpublish(ModeratorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        digest.publish(None)
    assert len(mail.outbox) == 1
