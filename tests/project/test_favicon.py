"""The site's icon: linked from every page and answering at /favicon.ico, with whitenoise and DEBUG off."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_static(settings, tmp_path):
    """Static files as production serves them: collected with hashed names, whitenoise without finders."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return Client()  # a new client: its middleware (whitenoise) starts with these settings


def test_favicon_ico_answers_with_an_icon_in_production(production_static):
    response = production_static.get("/favicon.ico")
    assert response.status_code == 302
    assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.ico", response["Location"])
    assert "max-age=86400" in response["Cache-Control"]
    icon = production_static.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(icon.streaming_content).startswith(b"\x00\x00\x01\x00")  # the ICO header


def test_every_page_links_its_svg_icon(production_static):
    html = production_static.get("/about/").content.decode()
    svg = re.search(r'<link rel="icon" href="(/static/favicon\.[0-9a-f]{12}\.svg)" type="image/svg\+xml">', html)
    assert svg
    icon = production_static.get(svg.group(1))
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
