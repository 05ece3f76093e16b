"""A paper's links (landing page, PDF) are web addresses whatever path they came in by; never javascript: etc."""

import pytest
from django.urls import reverse

from papers import importing
from papers.links import is_web_url, web_url_or_empty
from papers.models import Paper
from papers.sources import ARXIV_API_URL, MetadataClient, PaperMetadata, parse_bibtex
from tests.factories import PaperFactory
from tests.papers.test_sources import FakeHttp, fixture

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/paper.pdf",
    "//evil.example/paper",
    "https://",
    "https://example.org/" + "a" * 500,
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_http_and_https_addresses_are_links(url):
    assert not is_web_url(url) and web_url_or_empty(url) == ""


def test_web_addresses_are_kept():
    assert web_url_or_empty(" https://dl.acm.org/doi/10.1145/3065386 ") == "https://dl.acm.org/doi/10.1145/3065386"
    assert is_web_url("http://example.org/a.pdf")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://example.org/x"])
def test_bibtex_url_that_is_not_a_web_address_is_dropped(url):
    meta = parse_bibtex(f"@article{{k, title={{A Title}}, author={{Ada Lovelace}}, year={{2020}}, url={{{url}}}}}")
    assert meta.url == ""


def test_bibtex_web_url_is_kept():
    meta = parse_bibtex("@article{k, title={A}, author={Ada Lovelace}, year={2020}, url={https://example.org/a}}")
    assert meta.url == "https://example.org/a"


def test_arxiv_pdf_link_that_is_not_a_web_address_is_dropped():
    atom = fixture("arxiv_1706.03762.xml").replace("http://arxiv.org/pdf/1706.03762v7", "javascript:alert(1)")
    meta = MetadataClient(http_get=lambda url, params, headers, timeout: (200, atom)).fetch_arxiv("1706.03762")
    assert meta.pdf_url == "" and meta.url == "https://arxiv.org/abs/1706.03762"


def test_arxiv_and_crossref_links_stay_web_addresses():
    client = MetadataClient(http_get=FakeHttp())
    assert client.fetch_arxiv("1706.03762").pdf_url.startswith("https://arxiv.org/pdf/")
    assert client.fetch_crossref("10.1145/3065386").url == "https://doi.org/10.1145/3065386"
    assert ARXIV_API_URL  # the recorded answers route on it


def test_create_paper_stores_no_link_that_is_not_a_web_address():
    meta = PaperMetadata(
        title="A Title",
        authors=["Ada Lovelace"],
        url="javascript:alert(1)",
        pdf_url="data:application/pdf,x",
        source="bibtex",
    )
    paper = importing.create_paper(meta)
    assert paper.url == "" and paper.pdf_url == ""


def test_bibtex_import_through_the_add_page_makes_no_javascript_publisher_link(client, member):
    client.force_login(member)
    bibtex = "@article{k, title={Sneaky Paper}, author={Ada Lovelace}, year={2020}, url={javascript:alert(1)}}"
    preview = client.post(reverse("papers:add"), {"identifier": bibtex})
    assert "javascript:" not in preview.content.decode()
    token = preview.content.decode().split('name="token" value="', 1)[1].split('"', 1)[0]
    page = client.post(reverse("papers:confirm"), {"token": token}, follow=True)
    assert Paper.objects.get().url == ""
    assert "javascript:" not in page.content.decode()


def test_manual_form_refuses_a_link_that_is_not_a_web_address_with_input_kept(client, member):
    client.force_login(member)
    data = {"manual-title": "Hand Entered", "manual-authors": "Ada Lovelace", "manual-url": "ftp://example.org/x"}
    response = client.post(reverse("papers:manual"), data)
    html = response.content.decode()
    assert "starts with http:// or https://" in html and "ftp://example.org/x" in html
    assert not Paper.objects.exists()


def test_admin_refuses_a_link_that_is_not_a_web_address(client, superuser):
    paper = PaperFactory(url="https://example.org/a")
    client.force_login(superuser)
    change = reverse("admin:papers_paper_change", args=[paper.pk])
    for field in ("url", "pdf_url"):
        response = client.post(change, {**_admin_post_data(client, change), field: "ftp://example.org/x"})
        assert response.status_code == 200  # the form again, with the error
        errors = response.context["adminform"].form.errors
        assert errors[field] == ["Enter a web address that starts with http:// or https://."], errors
    paper.refresh_from_db()
    assert paper.url == "https://example.org/a" and paper.pdf_url == ""


def _admin_post_data(client, change):
    """The change form's own fields and values, as the browser would post them (inlines included)."""
    import re
    from html import unescape

    html = client.get(change).content.decode()
    data = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body).lstrip("\n")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = chosen.group(1) if chosen else ""
    return data


@pytest.mark.parametrize("field", ["url", "pdf_url"])
def test_paper_page_never_links_a_stored_address_that_is_not_a_web_address(client, field):
    # A row imported before the check: saved directly, as the old importer did.
    paper = PaperFactory(arxiv_id=None)
    Paper.objects.filter(pk=paper.pk).update(**{field: "javascript:alert(1)"})
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "javascript:" not in html
    assert "javascript:" not in client.get(reverse("papers:bibtex", args=[paper.slug])).content.decode()
