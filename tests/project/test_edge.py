"""Malformed requests are refused at the edge with a clear 4xx answer: oversized bodies, control characters."""

import io
import random
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db
DEPLOYMENT = Path(settings.BASE_DIR) / "docs" / "deployment.md"


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


# --- request size -------------------------------------------------------------------------------------------


def test_oversized_multipart_post_to_sign_in_is_refused_unread(anonymous):
    junk = SimpleUploadedFile("junk.bin", b"x" * (settings.REQUEST_BODY_MAX_BYTES + 1))
    response = anonymous.post(reverse("account_login"), {"login": "a", "password": "b", "junk": junk})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.content.decode()
    assert "<h1>Request too large</h1>" in response.content.decode()


def test_form_data_over_the_in_memory_limit_answers_413_with_a_message(anonymous):
    password = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 100 < settings.REQUEST_BODY_MAX_BYTES  # reaches the form parser
    response = anonymous.post(reverse("account_login"), {"login": "a", "password": password})
    assert response.status_code == 413
    assert "more data than this site accepts" in response.content.decode()


def test_the_longest_summary_fits_under_the_form_data_limit():
    from summaries.forms import BODY_MAX_LENGTH

    worst_case = len("%F0%9F%98%80") * BODY_MAX_LENGTH  # every character a 4-byte UTF-8 one, percent-encoded
    assert worst_case + 10_000 <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_editor_upload_over_the_limit_answers_json_413(client, member):
    client.force_login(member)
    big = SimpleUploadedFile("big.png", b"x" * settings.REQUEST_BODY_MAX_BYTES, content_type="image/png")
    response = client.post(reverse("summaries:upload"), {"image": big}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 413
    assert "larger than this site accepts" in response.json()["error"]


def test_image_at_its_upload_limit_is_still_accepted(client, member, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(member)
    noise = Image.frombytes("RGB", (820, 820), random.Random(0).randbytes(820 * 820 * 3))  # incompressible
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG", compress_level=0)
    png = buffer.getvalue()
    assert settings.IMAGE_UPLOAD_MAX_BYTES - 100_000 < len(png) <= settings.IMAGE_UPLOAD_MAX_BYTES
    upload = SimpleUploadedFile("big.png", png, content_type="image/png")
    response = client.post(reverse("summaries:upload"), {"image": upload}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 200, response.content
    assert response.json()["image_code"].startswith("![Big](")


def _size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"([0-9]+)\s*([kKmM]?)[bB]?", value.strip()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def test_every_proxy_config_in_the_deployment_guide_caps_the_body():
    guide = DEPLOYMENT.read_text()
    nginx = re.findall(r"client_max_body_size\s+([0-9]+[kKmM]?);", guide)
    caddy = re.findall(r"request_body\s*\{\s*max_size\s+([0-9]+[kKmM]?[bB]?)\s*\}", guide)
    assert nginx and caddy
    for size in nginx + caddy:
        assert settings.REQUEST_BODY_MAX_BYTES <= _size_in_bytes(size) <= 2 * settings.REQUEST_BODY_MAX_BYTES


# --- control characters -------------------------------------------------------------------------------------

NUL_URLS = [
    "/paper/%00/",
    "/users/%00/",
    "/user?name=%00",
    "/paper?bibtexKey=%00",
    "/venue?key=%00",
    "/search/?q=x&venue=%00",
    "/s/%00/",
    "/search/?q=a%01b",
    "/venues/%1b/",
    "/search/?q=%7f",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_control_characters_in_the_address_answer_a_styled_400(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "control characters" in html
    assert 'class="site-header"' in html and "<h1>Bad request</h1>" in html


def test_tab_and_newline_in_a_posted_textarea_are_not_refused(client, member):
    client.force_login(member)
    response = client.post(reverse("papers:add"), {"identifier": "\t10.1145/3065386\r\n"}, follow=False)
    assert response.status_code != 400


def test_nul_in_the_add_paper_form_is_a_form_error_with_the_input_kept(client, member):
    client.force_login(member)
    response = client.post(reverse("papers:add"), {"identifier": "10.1145/3065386\x00"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Null characters are not allowed" in html
    assert "10.1145/3065386" in html


def test_latin1_form_post_with_a_csrf_cookie_answers_400_not_500():
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("account_login"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("account_login"),
        data=f"login=a&password=b&csrfmiddlewaretoken={token}",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


# --- numbers: ASCII digits only -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/paper/%C2%B2/", "/paper/%C2%B2/feed.rss", "/paper/%C2%B2/bibtex.bib"])
def test_superscript_digit_as_paper_id_is_not_found(anonymous, url):
    assert anonymous.get(url).status_code == 404


def test_superscript_year_on_the_old_venue_link_goes_to_the_venue(anonymous):
    from tests.factories import VenueFactory

    venue = VenueFactory(dblp_key="journals/corr")
    response = anonymous.get("/venue?key=journals/corr&year=%C2%B2")
    assert response.status_code == 301
    assert response["Location"] == venue.get_absolute_url()


def test_bibtex_month_written_as_a_superscript_is_ignored():
    from papers.sources import parse_bibtex

    meta = parse_bibtex("@article{k, title={A Title}, author={Ada Lovelace}, year={2020}, month={²}}")
    assert meta.year == 2020 and meta.published_on is None


def test_bibtex_bare_superscript_month_is_ignored():
    from papers.sources import parse_bibtex

    meta = parse_bibtex("@article{k, title={A Title}, author={Ada Lovelace}, year=2020, month=²}")
    assert meta.year == 2020 and meta.published_on is None


def test_ascii_int_accepts_ascii_digits_only():
    from shortscience.lib.numbers import ascii_int

    assert ascii_int("2020") == 2020
    assert [ascii_int(v) for v in ("²", "٢٠", "-1", " 1", "1 ", "", None, "1e3", "0x1")] == [None] * 9


def test_admin_year_filter_and_comment_search_ignore_a_superscript(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/papers/paper/?year=%C2%B2").status_code == 200
    assert client.get("/admin/comments/comment/?q=%C2%B2").status_code == 200


# --- years ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/years/0/", "/years/1599/", "/years/2101/", "/years/99999999999999999999/"])
def test_year_pages_outside_the_possible_years_are_not_found(anonymous, url):
    assert anonymous.get(url).status_code == 404


def test_venue_year_page_outside_the_possible_years_is_not_found(anonymous):
    from tests.factories import VenueFactory

    venue = VenueFactory()
    assert anonymous.get(f"/venues/{venue.slug}/0/").status_code == 404
    assert anonymous.get(f"/venues/{venue.slug}/99999999999999999999/").status_code == 404


def test_first_and_last_year_pages_link_only_to_years_that_exist(anonymous):
    first = anonymous.get("/years/1600/").content.decode()
    assert "/years/1601/" in first and "/years/1599/" not in first
    last = anonymous.get("/years/2100/").content.decode()
    assert "/years/2099/" in last and "/years/2101/" not in last
