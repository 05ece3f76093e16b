"""Metadata import: arXiv and Crossref clients (recorded responses) and the BibTeX reader.

No test here may reach the network: ``urlopen`` is replaced for the whole module
and every client gets a fake ``http_get`` that serves files from ``fixtures/``.
"""

import datetime
import io
import json
import socket
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from papers import sources
from papers.sources import (
    ARXIV_API_URL,
    CROSSREF_API_URL,
    InvalidIdentifier,
    MetadataClient,
    NotFound,
    PaperMetadata,
    SourceError,
    arxiv,
    parse_bibtex,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


class FakeHttp:
    """Serves recorded answers keyed by arXiv id_list or Crossref DOI; records every call."""

    ARXIV = {
        "1706.03762": "arxiv_1706.03762.xml",
        "1706.03762v7": "arxiv_1706.03762.xml",
        "hep-th/9711200": "arxiv_hep-th_9711200.xml",
        "hep-th/9711200v3": "arxiv_hep-th_9711200.xml",
    }
    CROSSREF = {
        "10.1038/nature14539": "crossref_10.1038_nature14539.json",
        "10.1145/3065386": "crossref_10.1145_3065386.json",
        "10.1109/cvpr.2016.90": "crossref_10.1109_cvpr.2016.90.json",
    }

    def __init__(self, answer=None):
        self.answer = answer  # (status, text) or an exception, overriding the routing
        self.calls = []

    def __call__(self, url, params, headers, timeout):
        self.calls.append({"url": url, "params": dict(params), "headers": dict(headers), "timeout": timeout})
        if isinstance(self.answer, BaseException):
            raise self.answer
        if self.answer is not None:
            return self.answer
        if url == ARXIV_API_URL:
            name = self.ARXIV.get(params["id_list"], "arxiv_empty.xml")
            return 200, fixture(name)
        doi = urllib.request.unquote(url.removeprefix(CROSSREF_API_URL))
        if doi in self.CROSSREF:
            return 200, fixture(self.CROSSREF[doi])
        return 404, "Resource not found."


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any use of the real transport fails the test loudly."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("tests must not open network connections")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    return calls


@pytest.fixture
def http():
    return FakeHttp()


@pytest.fixture
def client(http):
    return MetadataClient(http_get=http)


# --------------------------------------------------------------------- arXiv


def test_arxiv_new_style_id(client, http):
    meta = client.fetch_arxiv("1706.03762")

    assert meta == PaperMetadata(
        title="Attention Is All You Need",
        authors=[
            "Ashish Vaswani",
            "Noam Shazeer",
            "Niki Parmar",
            "Jakob Uszkoreit",
            "Llion Jones",
            "Aidan N. Gomez",
            "Lukasz Kaiser",
            "Illia Polosukhin",
        ],
        abstract=meta.abstract,
        year=2017,
        published_on=datetime.date(2017, 6, 12),
        venue_name="arXiv",
        venue_acronym="arXiv",
        venue_kind="preprint",
        arxiv_id="1706.03762",
        arxiv_version=7,
        url="https://arxiv.org/abs/1706.03762",
        pdf_url="https://arxiv.org/pdf/1706.03762v7",
        keywords=["cs.CL", "cs.LG"],
        source="arxiv",
    )
    assert meta.abstract.startswith("The dominant sequence transduction models are based on complex recurrent or ")
    assert meta.abstract.endswith("both with large and limited training data.")
    assert "\n" not in meta.abstract and "  " not in meta.abstract
    assert meta.doi == ""


def test_arxiv_request_is_one_polite_call(client, http):
    client.fetch_arxiv("1706.03762")

    assert len(http.calls) == 1
    call = http.calls[0]
    assert call["url"] == "https://export.arxiv.org/api/query"
    assert call["params"] == {"id_list": "1706.03762"}
    assert call["headers"]["User-Agent"] == "ShortScience/1.0 (+https://shortscience.org)"
    assert call["timeout"] == 8.0


def test_client_passes_its_timeout_and_user_agent():
    http = FakeHttp()
    MetadataClient(timeout=2.5, user_agent="Test/1.0", http_get=http).fetch_arxiv("1706.03762")
    assert http.calls[0]["timeout"] == 2.5
    assert http.calls[0]["headers"]["User-Agent"] == "Test/1.0"


def test_arxiv_old_style_id(client, http):
    meta = client.fetch("hep-th/9711200")

    assert http.calls[0]["params"] == {"id_list": "hep-th/9711200"}
    assert meta.title == "The Large N Limit of Superconformal Field Theories and Supergravity"
    assert meta.authors == ["Juan M. Maldacena"]
    assert meta.arxiv_id == "hep-th/9711200"
    assert meta.arxiv_version == 3
    assert meta.year == 1997
    assert meta.published_on == datetime.date(1997, 11, 27)
    assert meta.keywords == ["hep-th"]
    assert meta.pdf_url == "https://arxiv.org/pdf/hep-th/9711200v3"
    assert meta.url == "https://arxiv.org/abs/hep-th/9711200"
    # Math is kept as written; the site typesets it.
    assert meta.abstract.startswith("We show that the large $N$ limit of certain conformal field theories in various")
    assert "${\\cal N} =4$" in meta.abstract


def test_arxiv_doi_field_becomes_doi(client):
    meta = client.fetch_arxiv("hep-th/9711200")
    # <arxiv:doi> 10.1023/A:1026654312961, normalised to lower case like every stored DOI.
    assert meta.doi == "10.1023/a:1026654312961"
    # Still an arXiv record: the journal reference does not change the venue.
    assert (meta.venue_name, meta.venue_kind) == ("arXiv", "preprint")


def test_arxiv_journal_ref_with_a_doi_is_used_when_no_doi_field():
    feed = fixture("arxiv_1706.03762.xml").replace(
        "</entry>",
        '<arxiv:journal_ref xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "Example J. 1 (2017), doi:10.1234/example.5</arxiv:journal_ref></entry>",
    )
    meta = MetadataClient(http_get=FakeHttp((200, feed))).fetch_arxiv("1706.03762")
    assert meta.doi == "10.1234/example.5"


def test_arxiv_old_style_id_with_subject_class_is_sent_without_it(client, http):
    with pytest.raises(NotFound):
        client.fetch("math.GT/0309136")
    assert http.calls[0]["params"] == {"id_list": "math/0309136"}


def test_arxiv_hep_th_9901001_form_is_requested_as_is(client, http):
    # The id form from the brief; no recorded answer for it, so the empty feed comes back.
    with pytest.raises(NotFound, match="hep-th/9901001"):
        client.fetch("hep-th/9901001")
    assert http.calls[0]["params"] == {"id_list": "hep-th/9901001"}


def test_arxiv_versioned_id_keeps_version(client, http):
    meta = client.fetch("1706.03762v7")

    assert http.calls[0]["params"] == {"id_list": "1706.03762v7"}
    assert (meta.arxiv_id, meta.arxiv_version) == ("1706.03762", 7)
    assert meta.pdf_url == "https://arxiv.org/pdf/1706.03762v7"


def test_arxiv_answer_for_another_version_is_refused():
    # Asked for v2, got v7: storing it would attach the wrong text to the version.
    client = MetadataClient(http_get=FakeHttp((200, fixture("arxiv_1706.03762.xml"))))
    with pytest.raises(SourceError, match="different paper"):
        client.fetch_arxiv("1706.03762v2")


def test_arxiv_answer_for_another_paper_is_refused():
    client = MetadataClient(http_get=FakeHttp((200, fixture("arxiv_hep-th_9711200.xml"))))
    with pytest.raises(SourceError, match="different paper"):
        client.fetch_arxiv("1706.03762")


@pytest.mark.parametrize(
    ("typed", "id_list"),
    [
        ("1706.03762", "1706.03762"),
        ("arXiv:1706.03762", "1706.03762"),
        ("  arxiv:1706.03762v7 ", "1706.03762v7"),
        ("https://arxiv.org/abs/1706.03762", "1706.03762"),
        ("http://arxiv.org/abs/1706.03762v7", "1706.03762v7"),
        ("https://arxiv.org/pdf/1706.03762v7.pdf", "1706.03762v7"),
        ("https://arxiv.org/pdf/1706.03762", "1706.03762"),
        ("https://export.arxiv.org/abs/1706.03762", "1706.03762"),
        ("arxiv.org/abs/hep-th/9711200v3", "hep-th/9711200v3"),
        ("https://arxiv.org/abs/hep-th/9711200", "hep-th/9711200"),
        ("journals/corr/abs-1706-03762", "1706.03762"),
        ("https://doi.org/10.48550/arXiv.1706.03762", "1706.03762"),
    ],
)
def test_fetch_accepts_arxiv_forms(client, http, typed, id_list):
    meta = client.fetch(typed)
    assert http.calls[0]["url"] == ARXIV_API_URL
    assert http.calls[0]["params"] == {"id_list": id_list}
    assert meta.source == "arxiv"


def test_arxiv_empty_feed_is_not_found(client):
    with pytest.raises(NotFound) as caught:
        client.fetch_arxiv("2101.99999")
    assert str(caught.value) == "arXiv has no paper with the id 2101.99999."


def test_arxiv_error_feed_is_not_found():
    # arXiv answers a bad id with HTTP 400 (200 on older deployments) and an "Error" entry.
    for status in (200, 400):
        client = MetadataClient(http_get=FakeHttp((status, fixture("arxiv_error_incorrect_id.xml"))))
        with pytest.raises(NotFound):
            client.fetch_arxiv("1706.03762")


def test_arxiv_blank_entry_is_not_found():
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<entry><id>http://arxiv.org/abs/2101.99999</id><title></title><summary></summary></entry></feed>"
    )
    with pytest.raises(NotFound):
        MetadataClient(http_get=FakeHttp((200, feed))).fetch_arxiv("2101.99999")


def test_arxiv_title_whitespace_is_collapsed():
    feed = fixture("arxiv_hep-th_9711200.xml").replace(
        "Theories and Supergravity</title>", "Theories and\n  Supergravity</title>"
    )
    meta = MetadataClient(http_get=FakeHttp((200, feed))).fetch_arxiv("hep-th/9711200")
    assert meta.title == "The Large N Limit of Superconformal Field Theories and Supergravity"


def test_arxiv_keywords_are_categories_primary_first_without_acm_classes():
    feed = fixture("arxiv_1706.03762.xml").replace(
        'term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>\n    <category term="cs.CL"',
        'term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>\n    <category term="cs.CL"',
    )
    feed = feed.replace("</entry>", '<category term="I.2.7" scheme="http://arxiv.org/schemas/atom"/></entry>')
    meta = MetadataClient(http_get=FakeHttp((200, feed))).fetch_arxiv("1706.03762")
    assert meta.keywords == ["cs.LG", "cs.CL"]


@pytest.mark.parametrize(
    "error",
    [
        socket.timeout("timed out"),  # noqa: UP041 (the name urllib code raises; an alias since 3.10)
        TimeoutError(),
        urllib.error.URLError(TimeoutError("timed out")),
    ],
)
def test_timeout_is_a_friendly_source_error(error):
    client = MetadataClient(http_get=FakeHttp(error))
    with pytest.raises(SourceError) as caught:
        client.fetch("1706.03762")
    assert str(caught.value) == "arXiv did not answer in time — try again in a minute."
    assert not isinstance(caught.value, NotFound)


def test_crossref_timeout_names_crossref():
    with pytest.raises(SourceError, match=r"^Crossref did not answer in time"):
        MetadataClient(http_get=FakeHttp(TimeoutError())).fetch("10.1038/nature14539")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(),
        urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
        ConnectionResetError(),
    ],
)
def test_connection_errors_are_source_errors(error):
    with pytest.raises(SourceError, match=r"^Could not reach arXiv"):
        MetadataClient(http_get=FakeHttp(error)).fetch_arxiv("1706.03762")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_source_errors(status):
    client = MetadataClient(http_get=FakeHttp((status, "<html><body>Service Unavailable</body></html>")))
    with pytest.raises(SourceError) as caught:
        client.fetch_arxiv("1706.03762")
    assert str(caught.value) == "arXiv is busy or having problems right now — try again in a few minutes."
    assert not isinstance(caught.value, NotFound)


def test_http_error_raised_by_transport_is_handled():
    error = urllib.error.HTTPError(ARXIV_API_URL, 503, "Service Unavailable", Message(), io.BytesIO(b""))
    with pytest.raises(SourceError, match="busy"):
        MetadataClient(http_get=FakeHttp(error)).fetch_arxiv("1706.03762")


@pytest.mark.parametrize(
    "body",
    [
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>Attention",  # truncated
        "<html><body>Rate exceeded.</body></html>",  # a proxy's page, not Atom
        "",
        "Service temporarily unavailable",
    ],
)
def test_malformed_xml_is_a_source_error(body):
    with pytest.raises(SourceError, match="could not read") as caught:
        MetadataClient(http_get=FakeHttp((200, body))).fetch_arxiv("1706.03762")
    assert not isinstance(caught.value, NotFound)


def test_entity_expansion_is_refused_before_parsing(monkeypatch):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [\n <!ENTITY a "aaaaaaaaaa">\n'
        ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1706.03762v7</id>'
        "<title>&c;</title></entry></feed>"
    )

    def parser_must_not_run(*args, **kwargs):
        raise AssertionError("a document with a DTD reached the XML parser")

    monkeypatch.setattr(arxiv.ET, "fromstring", parser_must_not_run)
    with pytest.raises(SourceError, match="could not read"):
        MetadataClient(http_get=FakeHttp((200, bomb))).fetch_arxiv("1706.03762")


def test_external_entity_is_refused():
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&xxe;</title></entry></feed>'
    )
    with pytest.raises(SourceError):
        MetadataClient(http_get=FakeHttp((200, xxe))).fetch_arxiv("1706.03762")


def test_oversized_answer_is_refused():
    huge = "<feed>" + " " * (sources.MAX_RESPONSE_BYTES + 1) + "</feed>"
    with pytest.raises(SourceError, match="could not read"):
        MetadataClient(http_get=FakeHttp((200, huge))).fetch_arxiv("1706.03762")


# ------------------------------------------------------------------ Crossref


def test_crossref_journal_article(client, http):
    meta = client.fetch_crossref("10.1038/nature14539")

    assert http.calls[0]["url"] == "https://api.crossref.org/works/10.1038/nature14539"
    assert http.calls[0]["headers"]["Accept"] == "application/json"
    assert meta == PaperMetadata(
        title="Deep learning",
        authors=["Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton"],
        abstract=meta.abstract,
        year=2015,
        published_on=datetime.date(2015, 5, 28),
        venue_name="Nature",
        venue_acronym="",
        venue_kind="journal",
        doi="10.1038/nature14539",
        url="https://doi.org/10.1038/nature14539",
        source="crossref",
    )
    # The JATS heading "Abstract" and the tags are gone.
    assert meta.abstract.startswith("Deep learning allows computational models that are composed of multiple")
    assert meta.abstract.endswith("recurrent nets have shone light on sequential data such as text and speech.")
    assert "<" not in meta.abstract and not meta.abstract.startswith("Abstract")


def test_crossref_acm_article(client):
    meta = client.fetch("https://doi.org/10.1145/3065386")

    assert meta.title == "ImageNet classification with deep convolutional neural networks"
    assert meta.authors == ["Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"]
    assert meta.venue_name == "Communications of the ACM"
    assert meta.venue_acronym == "Commun. ACM"
    assert meta.venue_kind == "journal"
    assert (meta.year, meta.published_on) == (2017, datetime.date(2017, 5, 24))
    assert meta.abstract.startswith("We trained a large, deep convolutional neural network to classify")
    assert 'regularization method called "dropout" that' in meta.abstract
    assert meta.doi == "10.1145/3065386"


def test_crossref_proceedings_article_with_month_only_date(client):
    meta = client.fetch("10.1109/CVPR.2016.90")

    assert meta.title == "Deep Residual Learning for Image Recognition"
    assert meta.authors == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]
    assert meta.venue_name == "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)"
    assert meta.venue_acronym == "CVPR"
    assert meta.venue_kind == "conference"
    assert meta.year == 2016
    assert meta.published_on is None  # June 2016: no day, so no date
    assert meta.abstract == ""


@pytest.mark.parametrize(
    ("crossref_type", "kind"),
    [("journal-article", "journal"), ("proceedings-article", "conference"), ("posted-content", "preprint")],
)
def test_crossref_type_maps_to_venue_kind(crossref_type, kind):
    answer = {
        "status": "ok",
        "message-type": "work",
        "message": {"DOI": "10.5555/x", "type": crossref_type, "title": ["X"], "author": []},
    }
    meta = MetadataClient(http_get=FakeHttp((200, json.dumps(answer)))).fetch_crossref("10.5555/x")
    assert meta.venue_kind == kind


def test_crossref_markup_entities_and_multiple_paragraphs():
    answer = {
        "status": "ok",
        "message-type": "work",
        "message": {
            "DOI": "10.5555/y",
            "type": "proceedings-article",
            "title": ["Capturing CO<sub>2</sub> with <i>in situ</i> nets &amp; more"],
            "author": [{"name": "The Example Consortium", "sequence": "first", "affiliation": []}],
            "container-title": ["Proceedings of the Example Workshop"],
            "event": {"name": "EX '21: Example Workshop", "acronym": "EX '21"},
            "abstract": "<jats:sec><jats:title>Background</jats:title><jats:p>One\n  two.</jats:p></jats:sec>"
            "<jats:sec><jats:title>Results</jats:title><jats:p>Three &lt; four.</jats:p></jats:sec>",
            "issued": {"date-parts": [[2021, 3, 9]]},
        },
    }
    meta = MetadataClient(http_get=FakeHttp((200, json.dumps(answer)))).fetch_crossref("10.5555/y")
    assert meta.title == "Capturing CO2 with in situ nets & more"
    assert meta.authors == ["The Example Consortium"]
    assert meta.abstract == "One two.\n\nThree < four."
    assert (meta.venue_kind, meta.venue_acronym) == ("workshop", "EX")
    assert meta.published_on == datetime.date(2021, 3, 9)


def test_crossref_404_is_not_found(client):
    with pytest.raises(NotFound) as caught:
        client.fetch("10.1234/does-not-exist")
    assert str(caught.value) == "Crossref has no record of the DOI 10.1234/does-not-exist."


def test_crossref_503_is_source_error():
    with pytest.raises(SourceError, match=r"^Crossref is busy") as caught:
        MetadataClient(http_get=FakeHttp((503, ""))).fetch_crossref("10.1038/nature14539")
    assert not isinstance(caught.value, NotFound)


@pytest.mark.parametrize(
    "body",
    [
        "<html>Bad gateway</html>",
        '{"status":"ok","message-type":"work-list","message":{"items":[]}}',
        '{"status":"ok","message-type":"work","message":{"title":[]}}',
        '{"status":"ok","message-type":"work","message":[]}',
        "[]",
    ],
)
def test_crossref_malformed_answer_is_source_error(body):
    with pytest.raises(SourceError, match="could not read"):
        MetadataClient(http_get=FakeHttp((200, body))).fetch_crossref("10.1038/nature14539")


def test_crossref_doi_with_special_characters_is_quoted(client, http):
    with pytest.raises(NotFound):
        client.fetch_crossref("10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0")
    assert http.calls[0]["url"] == (
        "https://api.crossref.org/works/10.1002/(sici)1097-4571(199806)49:8%3C693::aid-asi4%3E3.0.co;2-0"
    )


# ------------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    "typed",
    [
        "10.1038/nature14539",
        "doi:10.1038/NATURE14539",
        "https://doi.org/10.1038/nature14539",
        "http://dx.doi.org/10.1038/nature14539",
    ],
)
def test_fetch_accepts_doi_forms(client, http, typed):
    assert client.fetch(typed).title == "Deep learning"
    assert http.calls[0]["url"] == "https://api.crossref.org/works/10.1038/nature14539"


@pytest.mark.parametrize("typed", ["", "   ", "Attention is all you need", "https://example.com/paper.pdf", "1706"])
def test_fetch_rejects_what_is_not_an_identifier(client, http, typed):
    with pytest.raises(InvalidIdentifier) as caught:
        client.fetch(typed)
    assert isinstance(caught.value, SourceError) and isinstance(caught.value, ValueError)
    assert "1706.03762" in str(caught.value)  # the message shows what would work
    assert http.calls == []


def test_fetch_explains_that_dblp_keys_need_bibtex(client, http):
    with pytest.raises(InvalidIdentifier, match="BibTeX"):
        client.fetch("conf/nips/VaswaniSPUJGKP17")
    assert http.calls == []


# -------------------------------------------------------- network isolation


def test_fake_transport_means_urlopen_is_never_called(no_network):
    meta = MetadataClient(http_get=FakeHttp()).fetch("1706.03762")
    assert meta.arxiv_id == "1706.03762"
    assert no_network == []


def test_default_transport_is_urlopen_and_is_blocked_here(no_network):
    # Without a fake, the client reaches for urlopen, which this module replaces.
    with pytest.raises(AssertionError, match="must not open network"):
        MetadataClient().fetch_arxiv("1706.03762")
    assert len(no_network) == 1


def test_get_client_is_a_default_client():
    client = sources.get_client()
    assert isinstance(client, MetadataClient)
    assert client.http_get is sources.urllib_http_get
    assert client.timeout == 8.0


def test_get_client_timeout_follows_the_metadata_timeout_setting(settings):
    settings.METADATA_TIMEOUT_SECONDS = 3
    assert sources.get_client().timeout == 3.0


class FakeResponse(io.BytesIO):
    def __init__(self, body: bytes, status: int = 200, content_type: str = "application/atom+xml; charset=utf-8"):
        super().__init__(body)
        self.status = status
        self.headers = Message()
        self.headers["Content-Type"] = content_type


def test_urllib_transport_sends_params_headers_and_timeout(monkeypatch):
    seen = {}

    def fake_urlopen(request, timeout):
        seen.update(url=request.full_url, agent=request.get_header("User-agent"), timeout=timeout)
        return FakeResponse("<feed>é</feed>".encode())

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    status, text = sources.urllib_http_get(ARXIV_API_URL, {"id_list": "hep-th/9711200"}, {"User-Agent": "UA/1"}, 3.0)
    assert (status, text) == (200, "<feed>é</feed>")
    assert seen == {
        "url": "https://export.arxiv.org/api/query?id_list=hep-th%2F9711200",
        "agent": "UA/1",
        "timeout": 3.0,
    }


def test_urllib_transport_returns_http_error_statuses(monkeypatch):
    def fake_urlopen(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 404, "Not Found", Message(), io.BytesIO(b"Resource not found."))

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    assert sources.urllib_http_get(CROSSREF_API_URL + "10.1/x", {}, {}, 1.0) == (404, "Resource not found.")


def test_urllib_transport_refuses_huge_bodies(monkeypatch):
    monkeypatch.setattr(
        urllib.request,
        "urlopen",
        lambda request, timeout: FakeResponse(b"x" * (sources.MAX_RESPONSE_BYTES + 1)),
    )
    with pytest.raises(SourceError, match="could not read"):
        MetadataClient().fetch_arxiv("1706.03762")


# -------------------------------------------------------------------- BibTeX


def test_bibtex_dblp_export_of_attention_is_all_you_need():
    meta = parse_bibtex(fixture("dblp_conf_nips_VaswaniSPUJGKP17.bib"))

    assert meta == PaperMetadata(
        title="Attention is All you Need",
        authors=[
            "Ashish Vaswani",
            "Noam Shazeer",
            "Niki Parmar",
            "Jakob Uszkoreit",
            "Llion Jones",
            "Aidan N. Gomez",
            "Lukasz Kaiser",
            "Illia Polosukhin",
        ],
        year=2017,
        venue_name="Advances in Neural Information Processing Systems 30: Annual Conference on Neural "
        "Information Processing Systems 2017, December 4-9, 2017, Long Beach, CA, USA",
        venue_acronym="NIPS",
        venue_kind="conference",
        dblp_key="conf/nips/VaswaniSPUJGKP17",
        url="https://proceedings.neurips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
        source="bibtex",
    )


def test_bibtex_arxiv_export_misc_with_eprint():
    meta = parse_bibtex(fixture("arxiv_export_1706.03762.bib"))

    assert meta.title == "Attention Is All You Need"
    assert meta.authors[0] == "Ashish Vaswani" and meta.authors[-1] == "Illia Polosukhin"
    assert len(meta.authors) == 8
    assert (meta.arxiv_id, meta.arxiv_version) == ("1706.03762", None)
    assert (meta.venue_name, meta.venue_acronym, meta.venue_kind) == ("arXiv", "arXiv", "preprint")
    assert meta.keywords == ["cs.CL"]
    assert meta.year == 2023  # arXiv's export gives the latest version's year
    assert meta.url == "https://arxiv.org/abs/1706.03762"
    assert meta.dblp_key == ""


def test_bibtex_versioned_eprint_keeps_version():
    meta = parse_bibtex("@misc{x, title={T}, author={A B}, eprint={1706.03762v5}, archivePrefix={arXiv}}")
    assert (meta.arxiv_id, meta.arxiv_version) == ("1706.03762", 5)


def test_bibtex_old_style_eprint():
    meta = parse_bibtex(
        "@article{Maldacena:1997re,\n  author = {Maldacena, Juan Martin},\n"
        '  title = "{The Large $N$ limit of superconformal field theories and supergravity}",\n'
        "  eprint = {hep-th/9711200},\n  archivePrefix = {arXiv},\n  doi = {10.1023/A:1026654312961},\n"
        '  journal = "Adv. Theor. Math. Phys.",\n  volume = "2",\n  pages = "231--252",\n  year = "1998"\n}'
    )
    assert meta.title == "The Large $N$ limit of superconformal field theories and supergravity"
    assert meta.authors == ["Juan Martin Maldacena"]
    assert meta.arxiv_id == "hep-th/9711200"
    assert meta.doi == "10.1023/a:1026654312961"
    assert (meta.venue_name, meta.venue_kind) == ("Adv. Theor. Math. Phys.", "journal")


def test_bibtex_arxiv_datacite_export():
    meta = parse_bibtex(
        "@misc{https://doi.org/10.48550/arxiv.1706.03762,\n"
        "  doi = {10.48550/ARXIV.1706.03762},\n  url = {https://arxiv.org/abs/1706.03762},\n"
        "  author = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and Uszkoreit, Jakob and Jones, Llion "
        "and Gomez, Aidan N. and Kaiser, Lukasz and Polosukhin, Illia},\n"
        "  keywords = {Computation and Language (cs.CL), Machine Learning (cs.LG), FOS: Computer and "
        "information sciences, FOS: Computer and information sciences},\n"
        "  title = {Attention Is All You Need},\n  publisher = {arXiv},\n  year = {2017},\n"
        "  copyright = {arXiv.org perpetual, non-exclusive license}\n}"
    )
    assert meta.authors[:2] == ["Ashish Vaswani", "Noam Shazeer"]
    assert meta.authors[5] == "Aidan N. Gomez"
    assert meta.arxiv_id == "1706.03762"
    assert meta.doi == ""  # arXiv's own DOI names the preprint, which arxiv_id already does
    assert meta.venue_kind == "preprint"
    assert meta.keywords == ["cs.CL", "cs.LG", "FOS: Computer and information sciences"]


def test_bibtex_google_scholar_inproceedings():
    meta = parse_bibtex(fixture("scholar_devlin2019bert.bib"))

    assert meta.title == "Bert: Pre-training of deep bidirectional transformers for language understanding"
    assert meta.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    assert meta.year == 2019
    assert meta.venue_kind == "conference"
    assert meta.venue_name.startswith("Proceedings of the 2019 conference of the North American chapter")
    assert meta.venue_acronym == ""  # "(long and short papers)" is not an acronym
    assert (meta.arxiv_id, meta.doi, meta.dblp_key) == ("", "", "")


def test_bibtex_google_scholar_arxiv_preprint_article():
    meta = parse_bibtex(
        "@article{devlin2018bert,\n  title={Bert: Pre-training of deep bidirectional transformers for "
        "language understanding},\n  author={Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton and "
        "Toutanova, Kristina},\n  journal={arXiv preprint arXiv:1810.04805},\n  year={2018}\n}"
    )
    assert meta.arxiv_id == "1810.04805"
    assert (meta.venue_name, meta.venue_kind) == ("arXiv", "preprint")


def test_bibtex_quoted_values_nested_braces_and_month_macro():
    meta = parse_bibtex(fixture("aclanthology_N19-1423.bib"))

    assert meta.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert meta.authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    assert meta.venue_name == (
        "Proceedings of the 2019 Conference of the North American Chapter of the Association for "
        "Computational Linguistics: Human Language Technologies, Volume 1 (Long and Short Papers)"
    )
    assert meta.doi == "10.18653/v1/n19-1423"
    assert meta.url == "https://aclanthology.org/N19-1423"
    assert meta.year == 2019
    assert meta.published_on is None  # June 2019, no day
    assert "MultiNLI accuracy to 86.7% (4.6% absolute improvement)" in meta.abstract


def test_bibtex_dblp_corr_entry_is_an_arxiv_preprint():
    meta = parse_bibtex(fixture("dblp_journals_corr_abs-1810-04805.bib"))

    assert meta.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert meta.authors[1] == "Ming-Wei Chang"
    assert meta.arxiv_id == "1810.04805"
    assert (meta.venue_name, meta.venue_kind) == ("arXiv", "preprint")
    assert meta.dblp_key == "journals/corr/abs-1810-04805"


def test_bibtex_dblp_journal_article_with_accents():
    meta = parse_bibtex(fixture("dblp_journals_neco_HochreiterS97.bib"))

    assert meta.authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"]
    assert meta.title == "Long Short-Term Memory"
    assert (meta.venue_name, meta.venue_acronym, meta.venue_kind) == ("Neural Comput.", "", "journal")
    assert meta.doi == "10.1162/neco.1997.9.8.1735"
    assert meta.dblp_key == "journals/neco/HochreiterS97"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ('Sch{\\"o}lkopf', "Schölkopf"),
        ('Sch\\"olkopf', "Schölkopf"),
        ('J{\\"{u}}rgen', "Jürgen"),
        ("G{\\'e}ron", "Géron"),
        ("L\\'{e}on", "Léon"),
        ("\\'Eric", "Éric"),
        ("Gau{\\ss}", "Gauß"),
        ("Gau\\ss{}", "Gauß"),
        ("Erd{\\H{o}}s", "Erdős"),
        ("Erd\\H os", "Erdős"),
        ("{\\v{S}}ilhav{\\'y}", "Šilhavý"),
        ("Fran{\\c{c}}ois", "François"),
        ("{\\O}stergaard", "Østergaard"),
        ('{\\AA}str{\\"o}m', "Åström"),
        ("Pe{\\~n}a", "Peña"),
        ("Ma{\\l}gorzata", "Małgorzata"),
        ("Mart{\\'\\i}nez", "Martínez"),
        ("Mart\\'{\\i}nez", "Martínez"),
        ("Ko{\\c s}", "Koş"),
        ("Tom \\& Jerry", "Tom & Jerry"),
        ("100\\% sure", "100% sure"),
        ("a--b---c", "a–b—c"),
        ("``quoted''", "“quoted”"),
        ("\\emph{Deep} {Learning}", "Deep Learning"),
        ("$O(n \\log n)$ sorting", "$O(n \\log n)$ sorting"),
        ("costs \\$5", "costs $5"),
        ("{{BERT}}: {P}re-training", "BERT: Pre-training"),
        ("Non~breaking", "Non breaking"),
    ],
)
def test_bibtex_latex_to_unicode(latex, text):
    assert parse_bibtex(f"@misc{{k, title = {{{latex}}}}}").title == text


@pytest.mark.parametrize(
    ("author", "names"),
    [
        ("Hinton, Geoffrey E.", ["Geoffrey E. Hinton"]),
        ("Geoffrey E. Hinton", ["Geoffrey E. Hinton"]),
        ("von Luxburg, Ulrike and Bengio, Samy", ["Ulrike von Luxburg", "Samy Bengio"]),
        ("King, Jr., Martin Luther", ["Martin Luther King Jr."]),
        ("{Google Brain Team} and Smith, Jane", ["Google Brain Team", "Jane Smith"]),
        ("{Barnes and Noble, Inc.}", ["Barnes and Noble, Inc."]),
        ("A. Author AND B. Author", ["A. Author", "B. Author"]),
        ("A. Author and\n   B. Author and others", ["A. Author", "B. Author"]),
        ("Alexander and Sons", ["Alexander", "Sons"]),
        ("Wei Liu 0005 and Ming{-}Wei Chang", ["Wei Liu", "Ming-Wei Chang"]),
        ('M{\\"u}ller, J{\\"o}rg', ["Jörg Müller"]),
        ("", []),
    ],
)
def test_bibtex_author_names(author, names):
    assert parse_bibtex(f"@misc{{k, title={{T}}, author={{{author}}}}}").authors == names


def test_bibtex_logo_macros_are_spelled_out():
    assert parse_bibtex("@misc{k, title={\\LaTeX{} and \\TeX{} for Authors}}").title == "LaTeX and TeX for Authors"


def test_bibtex_braces_nested_too_deep_are_a_clear_source_error():
    with pytest.raises(SourceError, match="nests braces more than 50 deep"):
        parse_bibtex("@misc{k, title={" + "{" * 3000 + "T" + "}" * 3000 + "}}")


def test_bibtex_fields_are_case_insensitive_and_parentheses_delimit_entries():
    meta = parse_bibtex('@ARTICLE(Key2020,\n  TITLE = "Upper",\n  Year = 2020,\n  DOI = {10.1000/XYZ}\n)')
    assert (meta.title, meta.year, meta.doi) == ("Upper", 2020, "10.1000/xyz")


def test_bibtex_string_macros_and_concatenation():
    text = (
        '@string{ icml = "International Conference on Machine Learning" }\n'
        '@inproceedings{k, title = "A " # "B", booktitle = "Proceedings of the 37th " # icml # " ({ICML})",'
        " year = 2020, month = jul}"
    )
    meta = parse_bibtex(text)
    assert meta.title == "A B"
    assert meta.venue_name == "Proceedings of the 37th International Conference on Machine Learning (ICML)"
    assert meta.venue_acronym == "ICML"


def test_bibtex_workshop_booktitle():
    meta = parse_bibtex("@inproceedings{k, title={T}, booktitle={NeurIPS Workshop on Deep Learning}, year={2014}}")
    assert meta.venue_kind == "workshop"


def test_bibtex_keywords_and_biblatex_date():
    meta = parse_bibtex(
        "@article{k, title={T}, journaltitle={J. Ex.}, date={2019-03-14}, keywords={deep learning; vision,  "
        "Deep Learning}}"
    )
    assert meta.keywords == ["deep learning", "vision"]
    assert meta.published_on == datetime.date(2019, 3, 14)
    assert (meta.year, meta.venue_name, meta.venue_kind) == (2019, "J. Ex.", "journal")


def test_bibtex_doi_url_and_arxiv_url_fallbacks():
    meta = parse_bibtex("@misc{k, title={T}, url={https://doi.org/10.5555/ABC}, note={arXiv:2101.00001v2}}")
    assert meta.doi == "10.5555/abc"
    assert (meta.arxiv_id, meta.arxiv_version) == ("2101.00001", 2)


def test_bibtex_url_and_doi_are_not_latex_decoded_but_unescaped():
    meta = parse_bibtex(
        "@incollection{k, title={T}, booktitle={Handbook of Things}, "
        "url={https://example.org/a\\_b--c~d?x=1\\&y=2}, doi={10.1000/ab\\_c--d}}"
    )
    assert meta.url == "https://example.org/a_b--c~d?x=1&y=2"
    assert meta.doi == "10.1000/ab_c--d"
    assert (meta.venue_name, meta.venue_kind) == ("Handbook of Things", "")  # a book chapter, not a conference


def test_bibtex_takes_the_first_entry_and_resolves_crossref():
    text = (
        "@comment{exported from dblp}\n"
        "@inproceedings{DBLP:conf/nips/VaswaniSPUJGKP17,\n  author = {Ashish Vaswani},\n"
        "  title = {Attention is All you Need},\n  crossref = {DBLP:conf/nips/2017},\n}\n"
        "@proceedings{DBLP:conf/nips/2017,\n  title = {Advances in Neural Information Processing Systems 30},\n"
        "  year = {2017},\n}\n"
    )
    meta = parse_bibtex(text)
    assert meta.title == "Attention is All you Need"
    assert meta.venue_name == "Advances in Neural Information Processing Systems 30"
    assert (meta.year, meta.venue_kind, meta.venue_acronym) == (2017, "conference", "NIPS")


def test_bibtex_duplicate_field_keeps_the_first_as_bibtex_does():
    assert parse_bibtex("@misc{k, title={First}, TITLE={Second}}").title == "First"


def test_bibtex_text_around_the_entry_is_ignored():
    meta = parse_bibtex("Cite as (mail me at a@b.org):\n\n@misc{k, title={T}}\n\nThanks!")
    assert meta.title == "T"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste a BibTeX entry"),
        ("   \n ", "Paste a BibTeX entry"),
        ("Attention is all you need, Vaswani et al. 2017", "does not look like BibTeX"),
        ('{"title": "Attention"}', "does not look like BibTeX"),
        ("@comment{nothing here}", "does not look like BibTeX"),
        ("@article{key,\n  title = {Unclosed", "never closed"),
        ("@article{key,\n  title = {Fine},\n  author = {A}", "incomplete"),
        ('@article{key, title = "Unclosed}', "never closed"),
        ("@article{key, author = {A. Author}}", "no title"),
        ("@article{key, title = }", "Expected a field value on line 1"),
        ("@article{key,\n title {T}}", "Expected “=” on line 2"),
        ("@misc{title = {T}}", "should start with its key and a comma"),
        ("@misc{k, title = {T}, note = {A} # }", "Expected a field value on line 1"),
    ],
)
def test_bibtex_garbage_is_a_clear_source_error(text, message):
    with pytest.raises(SourceError, match=message):
        parse_bibtex(text)
