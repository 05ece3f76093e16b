"""The nightly clean-up of uploaded images: an image no summary or revision body refers to, older than the grace
period, is deleted from the storage (disk or S3); anything referenced, recent or outside the folder is kept."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from moto import mock_aws
from storages.backends.s3 import S3Storage

from summaries import orphans
from summaries.models import Revision
from summaries.tasks import delete_orphaned_images
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db

OLD = 8 * 24 * 3600  # seconds: past the 7-day grace period


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def upload(name: str, age_seconds: float = OLD, storage=default_storage) -> str:
    stored = storage.save(f"summary-images/{name}", ContentFile(b"\x89PNG fake"))
    if not isinstance(storage, S3Storage):
        then = time.time() - age_seconds
        os.utime(storage.path(stored), (then, then))
    return stored


def image_markdown(name: str) -> str:
    return f"Figure 1:\n\n![Attention](/media/summary-images/{name})\n"


def remaining(media) -> list[str]:
    return sorted(p.name for p in (media / "summary-images").iterdir())


def test_unreferenced_old_images_are_deleted_and_everything_else_kept(media):
    in_summary, in_old_revision, orphan, recent = "a" * 32 + ".png", "b" * 32 + ".jpg", "c" * 32 + ".png", "d" * 32
    for name in [in_summary, in_old_revision, orphan]:
        upload(name)
    upload(recent + ".webp", age_seconds=3600)
    summary = SummaryFactory(body=image_markdown(in_summary))
    # The image was in an earlier body of this summary: its history still shows it.
    Revision.objects.create(summary=summary, number=1, body=image_markdown(in_old_revision))
    default_storage.save("elsewhere/" + "e" * 32 + ".png", ContentFile(b"x"))  # not an editor upload

    result = orphans.delete_orphaned_images()

    assert result.deleted == [f"summary-images/{orphan}"]
    assert (result.scanned, result.referenced, result.too_recent) == (4, 2, 1)
    assert remaining(media) == sorted([in_summary, in_old_revision, recent + ".webp"])
    assert (media / "elsewhere" / ("e" * 32 + ".png")).exists()


def test_an_image_named_in_any_url_form_is_referenced(media):
    bare, absolute, html = "1" * 32 + ".png", "2" * 32 + ".png", "3" * 32 + ".gif"
    for name in [bare, absolute, html]:
        upload(name)
    SummaryFactory(body=f"https://cdn.example.org/media/summary-images/{bare}")
    SummaryFactory(
        body=f"![x](https://bucket.s3.amazonaws.com/media/summary-images/{absolute}?X-Amz-Signature=abc) and more"
    )
    SummaryFactory(body=f'<img src="/media/summary-images/{html}" alt="">')
    assert orphans.delete_orphaned_images().deleted == []
    assert remaining(media) == sorted([bare, absolute, html])


def test_the_grace_period_is_a_setting(media, settings):
    upload("f" * 32 + ".png", age_seconds=3 * 24 * 3600)
    assert orphans.delete_orphaned_images().deleted == []
    settings.ORPHANED_IMAGE_GRACE_DAYS = 2
    assert orphans.delete_orphaned_images().deleted == ["summary-images/" + "f" * 32 + ".png"]


def test_an_image_saved_while_the_clean_up_runs_is_kept(media, monkeypatch):
    name = "9" * 32 + ".png"
    upload(name)
    summary = SummaryFactory(body="no image yet")
    real = orphans.referenced_names

    def scan_then_save():
        found = real()
        # The writer saves the summary with the image after the scan of the bodies, before the deletion.
        Revision.objects.create(summary=summary, number=2, body=image_markdown(name))
        return found

    monkeypatch.setattr(orphans, "referenced_names", scan_then_save)
    result = orphans.delete_orphaned_images()
    assert result.deleted == [] and result.referenced == 1
    assert remaining(media) == [name]


def test_a_dry_run_deletes_nothing_and_the_command_lists_the_orphans(media):
    name = "7" * 32 + ".png"
    upload(name)
    out = StringIO()
    call_command("delete_orphaned_images", "--dry-run", stdout=out)
    assert f"Orphaned: summary-images/{name}" in out.getvalue()
    assert "1 orphaned image(s) would be deleted" in out.getvalue()
    assert remaining(media) == [name]

    out = StringIO()
    call_command("delete_orphaned_images", stdout=out)
    assert f"Deleted: summary-images/{name}" in out.getvalue()
    assert remaining(media) == []


def test_the_nightly_task_deletes_orphans_in_batches(media, monkeypatch):
    monkeypatch.setattr(orphans, "DELETE_BATCH", 2)
    names = [f"{i:032x}.png" for i in range(5)]
    for name in names:
        upload(name)
    SummaryFactory(body=image_markdown(names[2]))
    assert delete_orphaned_images.apply().get() == 4
    assert remaining(media) == [names[2]]


def test_no_folder_yet_is_nothing_to_do(media):
    assert orphans.delete_orphaned_images().scanned == 0


@pytest.fixture
def s3(monkeypatch):
    for variable in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]:
        monkeypatch.setenv(variable, "testing")  # never a real account, even by accident
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="media-bucket")
        yield S3Storage(bucket_name="media-bucket", location="media", region_name="us-east-1")


def test_on_s3_the_listing_is_streamed_and_orphans_deleted_through_the_storage_api(s3):
    kept, orphan = "5" * 32 + ".png", "6" * 32 + ".png"
    for name in [kept, orphan]:
        upload(name, storage=s3)
    s3.save("summary-images/nested/" + "8" * 32 + ".png", ContentFile(b"x"))  # not directly in the folder
    SummaryFactory(body=image_markdown(kept))

    listed = orphans.stored_files(s3)
    assert iter(listed) is listed  # a generator: keys arrive page by page
    assert sorted(f.name for f in listed) == [f"summary-images/{kept}", f"summary-images/{orphan}"]

    # S3 sets LastModified itself: run the clean-up as if eight days had passed.
    result = orphans.delete_orphaned_images(storage=s3, now=timezone.now() + timedelta(days=8))
    assert result.deleted == [f"summary-images/{orphan}"]
    assert s3.exists(f"summary-images/{kept}") and not s3.exists(f"summary-images/{orphan}")
    keys = {o.key for o in s3.bucket.objects.all()}
    assert keys == {f"media/summary-images/{kept}", "media/summary-images/nested/" + "8" * 32 + ".png"}

    assert orphans.delete_orphaned_images(storage=s3).deleted == []  # today: everything within the grace period
