"""Uploaded media: local disk by default, an S3 bucket with MEDIA_STORAGE=s3, the same headers either way."""

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import mock_aws

from shortscience.storage import CACHE_CONTROL, S3MediaStorage, media_headers
from tests.factories import PaperFactory, SummaryFactory
from tests.writing_helpers import image_bytes

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "shortscience-media-test"
UPLOAD = reverse("summaries:upload")


def upload_png(client, name="loss-curve.png"):
    return client.post(
        UPLOAD,
        {"image": SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )


@pytest.fixture
def s3_media(settings):
    """The site's media on a fake S3 bucket (moto), as MEDIA_STORAGE=s3 configures it."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.AWS_STORAGE_BUCKET_NAME = BUCKET
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.AWS_ACCESS_KEY_ID = "test"
        settings.AWS_SECRET_ACCESS_KEY = "test"
        settings.AWS_QUERYSTRING_AUTH = False
        settings.AWS_DEFAULT_ACL = None
        settings.AWS_S3_FILE_OVERWRITE = False
        settings.MEDIA_STORAGE = "s3"
        settings.MEDIA_URL = "https://media.example.org/"
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "shortscience.storage.S3MediaStorage"}}
        yield boto3.client("s3", region_name="us-east-1")


def stored_object(s3, url):
    key = url.removeprefix("https://media.example.org/")
    return s3.get_object(Bucket=BUCKET, Key=key)


def test_media_stay_on_the_local_disk_by_default(settings):
    assert settings.MEDIA_STORAGE == "local"
    assert type(storages["default"]) is FileSystemStorage


def test_headers_follow_the_stored_name_and_only_images_are_inline():
    assert media_headers("summary-images/0123abcd.png") == {
        "Content-Type": "image/png",
        "Content-Disposition": 'inline; filename="0123abcd.png"',
        "Cache-Control": CACHE_CONTROL,
    }
    assert media_headers("digest-figures/fig.JPG")["Content-Type"] == "image/jpeg"
    other = media_headers('odd/na"me;\r\n<x>.html')
    assert other["Content-Type"] == "application/octet-stream"
    assert other["Content-Disposition"] == 'attachment; filename="na_me_x_.html"'
    assert media_headers("noextension")["Content-Disposition"] == 'attachment; filename="noextension"'


@pytest.mark.django_db
def test_editor_upload_goes_to_the_bucket_with_the_serving_headers(client, member, s3_media):
    client.force_login(member)
    response = upload_png(client)
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert url.startswith("https://media.example.org/summary-images/") and url.endswith(".png")
    stored = stored_object(s3_media, url)
    assert stored["ContentType"] == "image/png"
    name = url.rsplit("/", 1)[-1]
    assert stored["ContentDisposition"] == f'inline; filename="{name}"'
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"
    assert stored["Body"].read().startswith(b"\x89PNG")


@pytest.mark.django_db
def test_rendered_summary_links_to_the_storage_url(client, member, s3_media):
    client.force_login(member)
    code = upload_png(client, "attention.png").json()["image_code"]
    summary = SummaryFactory(paper=PaperFactory(), writer=member, body=f"Look:\n\n{code}\n")
    url = code.split("](", 1)[1].rstrip(")")
    assert f'src="{url}"' in summary.body_html
    page = client.get(summary.get_absolute_url())
    assert page.status_code == 200
    assert f'src="{url}"' in page.content.decode()


@pytest.mark.django_db
def test_digest_figures_are_stored_with_the_same_headers(s3_media):
    name = default_storage.save("digest-figures/0f0f.webp", ContentFile(image_bytes("WEBP")))
    assert type(storages["default"]) is S3MediaStorage
    stored = s3_media.get_object(Bucket=BUCKET, Key=name)
    assert (stored["ContentType"], stored["ContentDisposition"]) == ("image/webp", 'inline; filename="0f0f.webp"')
    assert stored["CacheControl"] == CACHE_CONTROL


def test_links_are_plain_urls_under_media_url(s3_media):
    url = default_storage.url("summary-images/abc.png")
    assert url == "https://media.example.org/summary-images/abc.png"  # no signature: it is stored in summary HTML


@pytest.mark.django_db
def test_local_media_are_served_with_the_same_headers(client, member, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SERVE_MEDIA = True
    client.force_login(member)
    url = upload_png(client).json()["url"]
    assert url.startswith("/media/summary-images/")
    response = client.get(url)
    assert response.status_code == 200
    name = url.rsplit("/", 1)[-1]
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'inline; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == CACHE_CONTROL
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_local_files_of_other_types_are_downloads_not_pages(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SERVE_MEDIA = True
    (tmp_path / "note.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/note.html")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_local_media_are_not_served_when_serve_media_is_off(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SERVE_MEDIA = False
    (tmp_path / "a.png").write_bytes(image_bytes("PNG"))
    assert client.get("/media/a.png").status_code == 404
    settings.SERVE_MEDIA = True
    assert client.get("/media/a.png").status_code == 200
    assert client.post("/media/a.png").status_code == 405


def _settings_in_subprocess(code: str, **env) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_"))}
    full_env.update(DJANGO_SETTINGS_MODULE="shortscience.settings", DEBUG="1", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; " + code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_media_storage_s3_configures_the_bucket_from_the_environment():
    result = _settings_in_subprocess(
        "print(settings.STORAGES['default']['BACKEND'], settings.MEDIA_URL, settings.AWS_S3_ADDRESSING_STYLE,"
        " settings.SERVE_MEDIA, settings.AWS_QUERYSTRING_AUTH)",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="media",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        MEDIA_URL="/media/",
        SERVE_MEDIA="1",
    )
    assert result.stdout.split() == ["shortscience.storage.S3MediaStorage", "/media/", "path", "False", "False"], (
        result.stderr
    )
    s3 = {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "m"}
    custom = _settings_in_subprocess("print(settings.MEDIA_URL)", AWS_S3_CUSTOM_DOMAIN="cdn.ex.org", **s3)
    assert custom.stdout.strip() == "https://cdn.ex.org/", custom.stderr
    endpoint = _settings_in_subprocess("print(settings.MEDIA_URL)", AWS_S3_ENDPOINT_URL="https://s3.ex.org", **s3)
    assert endpoint.stdout.strip() == "https://s3.ex.org/m/", endpoint.stderr
    aws = _settings_in_subprocess("print(settings.MEDIA_URL)", AWS_S3_REGION_NAME="eu-west-1", **s3)
    assert aws.stdout.strip() == "https://m.s3.eu-west-1.amazonaws.com/", aws.stderr


def test_media_storage_refuses_s3_without_a_bucket_and_unknown_values():
    result = _settings_in_subprocess("", MEDIA_STORAGE="s3")
    assert result.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in result.stderr
    result = _settings_in_subprocess("", MEDIA_STORAGE="ftp")
    assert result.returncode != 0 and "MEDIA_STORAGE must be local or s3" in result.stderr


def test_check_deploy_warns_when_bucket_links_would_not_embed():
    code = (
        "from django.core.checks import run_checks; "
        "print(sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith('shortscience')))"
    )
    s3 = {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "m"}
    plain = _settings_in_subprocess(code, AWS_S3_ENDPOINT_URL="http://minio:9000", **s3)
    assert "shortscience.W002" in plain.stdout, plain.stderr
    proxied = _settings_in_subprocess(code, AWS_S3_ENDPOINT_URL="http://minio:9000", MEDIA_URL="/media/", **s3)
    assert "shortscience.W002" not in proxied.stdout and "[" in proxied.stdout, proxied.stderr
