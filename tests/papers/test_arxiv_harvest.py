"""The arXiv harvest: the polite client, the OAI-PMH and RSS readers, resumable runs, the command and the beat task.

Never the network: every client gets ``FakeArxiv`` (recorded answers from ``fixtures/arxiv/``) and a gate with a
fake clock, and ``socket.create_connection`` — what urllib opens connections with — fails the test if called.
"""

from __future__ import annotations

import datetime
import io
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from papers import tasks
from papers.arxiv import client as client_module
from papers.arxiv import harvest, ingest
from papers.arxiv.client import (
    ADVISORY_LOCK_KEY,
    ArxivClient,
    ArxivUnavailable,
    HarvestError,
    MalformedResponse,
    RequestGate,
    retry_after_seconds,
    user_agent,
)
from papers.arxiv.ingest import upsert_records
from papers.arxiv.oai import OAI_URL, OaiError, parse_list_records, raw_authors
from papers.arxiv.records import ArxivRecord, ArxivState
from papers.arxiv.rss import RSS_URL, parse_feed
from papers.models import HarvestState, Paper, PaperAuthor
from papers.sources.client import HttpResponse

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
UTC = datetime.UTC


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any real connection attempt (urllib opens them with socket.create_connection) fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to open a network connection: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)


class FakeClock:
    """time.time and time.sleep for the gate: sleeping moves the clock, nothing waits."""

    def __init__(self, start: float = 1_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


class FakeArxiv:
    """The transport: answers each request with the next scripted answer, or by routing OAI-PMH resumption
    tokens and RSS categories to recorded files. Every request is recorded with the clock's time."""

    OAI_PAGES = {None: "oai_cs_page1.xml", "6960524|1001": "oai_cs_page2.xml", "6960524|2001": "oai_cs_page3.xml"}

    def __init__(self, clock: FakeClock | None = None, script=None):
        self.clock = clock
        self.script = list(script or [])  # (status, headers, body bytes) or an exception, used first
        self.calls: list[dict] = []

    def __call__(self, url, params, headers, timeout):
        self.calls.append(
            {"url": url, "params": dict(params), "headers": dict(headers), "timeout": timeout,
             "at": self.clock() if self.clock else None}
        )  # fmt: skip
        if self.script:
            answer = self.script.pop(0)
            if isinstance(answer, BaseException):
                raise answer
            status, answer_headers, body = answer
            return HttpResponse(status, answer_headers, io.BytesIO(body))
        if url == OAI_URL:
            return HttpResponse(200, {}, io.BytesIO(fixture(self.OAI_PAGES[params.get("resumptionToken")])))
        if url == RSS_URL.format(category="cs.LG"):
            return HttpResponse(200, {}, io.BytesIO(fixture("rss_cs_LG.xml")))
        raise AssertionError(f"unexpected request {url} {params}")

    @property
    def tokens(self) -> list[str | None]:
        return [c["params"].get("resumptionToken") for c in self.calls]


@pytest.fixture
def clock():
    return FakeClock()


def make_client(transport, clock, *, shared=False, **kwargs) -> ArxivClient:
    gate = RequestGate(clock=clock, sleep=clock.sleep, shared=shared)
    return ArxivClient(user_agent="ShortScience-harvester/1.0 (mailto:team@example.org)", http_open=transport,
                       gate=gate, **kwargs)  # fmt: skip


@pytest.fixture
def arxiv(monkeypatch, clock, settings):
    """The harvest's client seam, answering from recorded files through a shared gate on a fake clock."""
    settings.CONTACT_EMAIL = "team@example.org"
    settings.ARXIV_CATEGORIES = ["cs.LG", "cs.RO", "eess.AS"]
    fake = FakeArxiv(clock)
    monkeypatch.setattr(harvest, "get_arxiv_client", lambda: make_client(fake, clock, shared=True))
    return fake


# ------------------------------------------------------------------------------------------ the gate


def test_gate_spaces_requests_three_seconds_apart_from_the_end_of_the_previous_one(clock):
    gate = RequestGate(clock=clock, sleep=clock.sleep, shared=False)
    with gate.slot():
        clock.now += 1.25  # the request itself took 1.25 s
    with gate.slot():
        pass
    assert clock.sleeps == [3.0]
    clock.now += 5  # long enough ago: no wait
    with gate.slot():
        pass
    assert clock.sleeps == [3.0]


def test_gate_never_goes_faster_than_arxivs_terms(clock):
    gate = RequestGate(0.5, clock=clock, sleep=clock.sleep, shared=False)
    assert gate.interval == 3.0
    with gate.slot():
        pass
    with gate.slot():
        pass
    assert clock.sleeps == [3.0]


def test_gate_lets_one_request_through_at_a_time_within_a_process(clock):
    gate = RequestGate(clock=clock, sleep=lambda s: None, shared=False)
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with gate.slot():
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def second():
        inside.wait(5)
        with gate.slot():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    threading.Event().wait(0.2)  # give the second thread time to (wrongly) get in
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first in", "first out", "second in"]


@pytest.mark.django_db
def test_gate_holds_a_postgresql_advisory_lock_for_the_request_so_other_processes_wait(clock):
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"], user=settings_dict["USER"], host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432, password=settings_dict["PASSWORD"] or None, autocommit=True,
    )  # fmt: skip
    try:
        with RequestGate(clock=clock, sleep=clock.sleep).slot():
            assert other.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()[0] is False
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()[0] is True
        other.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
    finally:
        other.close()


def test_the_requests_lock_is_not_the_upserts_lock():
    assert ADVISORY_LOCK_KEY != ingest.LOCK_KEY


@pytest.mark.django_db
def test_gates_of_two_processes_share_the_last_request_time_through_the_cache(clock):
    with RequestGate(clock=clock, sleep=clock.sleep).slot():
        pass
    # Another worker's gate: a new instance knows nothing locally, the shared cache tells it to wait.
    with RequestGate(clock=clock, sleep=clock.sleep).slot():
        pass
    assert clock.sleeps == [3.0]


@pytest.mark.django_db
def test_a_retry_after_holds_off_the_other_processes_too(clock):
    RequestGate(clock=clock, sleep=clock.sleep).hold_off(20)
    with RequestGate(clock=clock, sleep=clock.sleep).slot():
        pass
    assert clock.sleeps == [20.0]


# ---------------------------------------------------------------------------------------- the client


def test_client_sends_a_descriptive_user_agent_and_a_timeout(clock):
    fake = FakeArxiv(clock, script=[(200, {}, b"ok")])
    with make_client(fake, clock, timeout=12.5).open(OAI_URL, {"verb": "Identify"}) as body:
        assert body.read() == b"ok"
    assert fake.calls[0]["headers"]["User-Agent"] == "ShortScience-harvester/1.0 (mailto:team@example.org)"
    assert fake.calls[0]["timeout"] == 12.5


def test_user_agent_names_the_site_and_contact_address(settings):
    settings.CONTACT_EMAIL = "harvest@example.org"
    settings.SITE_URL = "https://shortscience.example.org"
    assert user_agent() == "ShortScience-harvester/1.0 (+https://shortscience.example.org; mailto:harvest@example.org)"


def test_harvest_refuses_to_run_without_a_contact_address(settings):
    settings.CONTACT_EMAIL = ""
    with pytest.raises(HarvestError, match="CONTACT_EMAIL"):
        client_module.get_arxiv_client()


def test_client_waits_out_503_retry_after_then_retries(clock):
    fake = FakeArxiv(clock, script=[(503, {"Retry-After": "10"}, fixture("oai_503.txt")), (200, {}, b"<ok/>")])
    with make_client(fake, clock).open(OAI_URL, {"verb": "ListRecords"}) as body:
        assert body.read() == b"<ok/>"
    assert len(fake.calls) == 2
    assert clock.sleeps == [10.0]  # as asked (more than the 3 s interval)
    assert fake.calls[1]["at"] - fake.calls[0]["at"] >= 10


def test_client_reads_retry_after_given_as_an_http_date():
    now = datetime.datetime(2024, 12, 5, 5, 30, tzinfo=UTC)
    assert retry_after_seconds("Thu, 05 Dec 2024 05:30:20 GMT", now) == 20
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("soon") is None


def test_client_gives_up_after_a_bounded_number_of_503s(clock):
    fake = FakeArxiv(clock, script=[(503, {"Retry-After": "5"}, b"")] * 10)
    with pytest.raises(ArxivUnavailable, match="503"), make_client(fake, clock, max_retries=2).open(OAI_URL, {}):
        pass
    assert len(fake.calls) == 3
    assert clock.sleeps == [5.0, 5.0]


def test_client_does_not_shorten_a_retry_after_beyond_its_limit_but_gives_up(clock):
    fake = FakeArxiv(clock, script=[(503, {"Retry-After": "3600"}, b"")])
    with pytest.raises(ArxivUnavailable, match="3600"), make_client(fake, clock).open(OAI_URL, {}):
        pass
    assert len(fake.calls) == 1
    assert clock.sleeps == []


def test_network_failures_become_retryable_errors(clock):
    fake = FakeArxiv(clock, script=[TimeoutError("timed out")])
    with pytest.raises(ArxivUnavailable) as raised, make_client(fake, clock).open(OAI_URL, {}):
        pass
    # An OSError: jobs.tasks.ReliableTask retries the task with backoff.
    assert isinstance(raised.value, OSError)


def test_a_timeout_while_the_body_is_read_is_retryable_too(clock):
    class SlowBody(io.BytesIO):
        def read(self, *args):
            raise TimeoutError("read timed out")

    def slow_open(*args):
        return HttpResponse(200, {}, SlowBody())

    with pytest.raises(ArxivUnavailable, match="broke off"), make_client(slow_open, clock).open(OAI_URL, {}) as body:
        body.read()


def test_other_http_statuses_are_errors(clock):
    fake = FakeArxiv(clock, script=[(500, {}, b"oops")])
    with pytest.raises(ArxivUnavailable, match="HTTP 500"), make_client(fake, clock).open(OAI_URL, {}):
        pass


# ------------------------------------------------------------------------------------ OAI-PMH reading


def test_oai_page_gives_records_with_affiliations_categories_licence_and_first_version():
    page = parse_list_records(io.BytesIO(fixture("oai_cs_page1.xml")))
    assert (page.resumption_token, page.complete_list_size, page.cursor) == ("6960524|1001", 6, 0)
    assert page.last_datestamp == datetime.date(2024, 12, 4)
    first, second = page.records
    assert first.arxiv_id == "2412.01001"
    assert first.title.startswith("Deep learning versus kernel learning: an empirical study of loss landscape geometry")
    assert first.authors == [
        ("Stanislav Fort", ["Stanford University"]),
        ("Gintare Karolina Dziugaite", ["Element AI", "University of Toronto"]),
        ("Surya Ganguli", ["Stanford University"]),
    ]
    assert first.categories == ["cs.LG", "stat.ML"]  # primary first
    assert first.license == "http://creativecommons.org/licenses/by/4.0/"
    assert first.versions == [(1, datetime.datetime(2024, 12, 2, tzinfo=UTC))]
    assert first.abstract.endswith("We compare $\\ell_2$ distances across training.")
    assert first.updated_on == datetime.date(2024, 12, 4)
    # TeX accents decoded; a collaboration has a keyname only.
    assert second.authors == [("Csaba Balázs", []), ("ATLAS Collaboration", [])]


def test_oai_deleted_record_is_marked_deleted():
    page = parse_list_records(io.BytesIO(fixture("oai_cs_page2.xml")))
    deleted = page.records[0]
    assert (deleted.arxiv_id, deleted.state, deleted.title) == ("2411.09999", ArxivState.DELETED, "")
    assert page.records[1].authors[2] == ("Chelsea Finn Jr", ["Stanford University"])


def test_oai_record_updated_to_v2_in_both_formats():
    page = parse_list_records(io.BytesIO(fixture("oai_cs_page3.xml")))
    assert page.resumption_token == ""  # the last page
    updated, withdrawn = page.records
    assert updated.doi == "10.1109/icassp49660.2025.10888001"
    assert updated.journal_ref == "Proc. ICASSP 2025, pp. 1-5"
    assert updated.extra["latest_version_on"] == datetime.date(2024, 12, 4)
    assert withdrawn.state == ArxivState.WITHDRAWN
    raw = parse_list_records(io.BytesIO(fixture("oai_raw_v2.xml"))).records[0]
    assert raw.versions == [
        (1, datetime.datetime(2024, 6, 6, 17, 59, 1, tzinfo=UTC)),
        (2, datetime.datetime(2024, 12, 4, 9, 12, 44, tzinfo=UTC)),
    ]
    assert raw.authors == [("Carol Wu", ["Tsinghua University"]), ("José García", ["ETH, Zürich"]), ("Li Wei", [])]


def test_arxiv_raw_author_strings_split_outside_parentheses():
    assert raw_authors("A. Smith (MIT, Cambridge), B. Jones, and C. Wu (ETH) (EPFL)") == [
        ("A. Smith", ["MIT, Cambridge"]),
        ("B. Jones", []),
        ("C. Wu", ["ETH", "EPFL"]),
    ]


def test_oai_page_is_parsed_as_it_streams_in():
    class Trickle(io.BytesIO):
        """Hands out at most 97 bytes per read, as a slow connection would."""

        def read(self, size=-1):
            return super().read(97)

    page = parse_list_records(Trickle(fixture("oai_cs_page1.xml")))
    assert [r.arxiv_id for r in page.records] == ["2412.01001", "2412.01002"]


def test_oai_no_records_match_is_an_empty_last_page():
    page = parse_list_records(io.BytesIO(fixture("oai_no_records.xml")))
    assert (page.records, page.resumption_token) == ([], "")


def test_oai_errors_malformed_xml_and_dtds_are_refused_clearly():
    with pytest.raises(OaiError) as raised:
        parse_list_records(io.BytesIO(fixture("oai_bad_token.xml")))
    assert raised.value.code == "badResumptionToken"
    with pytest.raises(MalformedResponse, match="malformed XML"):
        parse_list_records(io.BytesIO(fixture("oai_malformed.xml")))
    with pytest.raises(MalformedResponse, match="DTD"):
        parse_list_records(io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'))
    with pytest.raises(MalformedResponse, match="not an OAI-PMH document"):
        parse_list_records(io.BytesIO(b"<html><body>Service unavailable</body></html>"))


# ---------------------------------------------------------------------------------------- RSS reading


def test_rss_gives_new_and_cross_listed_papers_on_the_feeds_day_and_replacements_without_it():
    day, records = parse_feed(fixture("rss_cs_LG.xml"), "cs.LG")
    assert day == datetime.date(2024, 12, 5)
    by_id = {r.arxiv_id: r for r in records}
    assert list(by_id) == ["2412.01001", "2412.01003", "2406.04321", "2403.00042"]
    new, cross = by_id["2412.01001"], by_id["2412.01003"]
    assert (new.announced_on, cross.announced_on) == (day, day)
    assert new.authors == [("Stanislav Fort", []), ("Gintare Karolina Dziugaite", []), ("Surya Ganguli", [])]
    assert new.abstract.startswith("In suitably initialized wide networks")
    assert new.license == "http://creativecommons.org/licenses/by/4.0/"
    assert cross.categories == ["cs.RO", "cs.AI", "cs.LG"]  # primary first: cross-listed into cs.LG
    assert cross.extra["announce_type"] == "cross"
    replaced = by_id["2403.00042"]
    assert replaced.announced_on is None
    assert replaced.extra == {"announce_type": "replace", "version": 3}
    assert replaced.authors == [("Ana Lima", []), ("Bo Chen", [])]
    assert by_id["2406.04321"].announced_on is None  # replace-cross


def test_rss_that_is_not_a_feed_is_refused():
    with pytest.raises(MalformedResponse):
        parse_feed(b"\x00\x01 not a feed <<<", "cs.LG")


# ------------------------------------------------------------------------------------ end to end (db)


@pytest.mark.django_db
def test_backfill_pages_through_resumption_tokens_and_stores_every_record(arxiv, clock):
    state = harvest.start_run(
        "oai:cs:arXiv", set_spec="cs", metadata_prefix="arXiv", from_date=datetime.date(2024, 12, 4), until=None
    )
    stats = harvest.harvest_oai(state)
    assert arxiv.calls[0]["params"] == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs",
                                        "from": "2024-12-04"}  # fmt: skip
    # A resumption token stands alone (OAI-PMH), and requests are three seconds apart or more.
    assert [c["params"] for c in arxiv.calls[1:]] == [
        {"verb": "ListRecords", "resumptionToken": "6960524|1001"},
        {"verb": "ListRecords", "resumptionToken": "6960524|2001"},
    ]
    assert all(b["at"] - a["at"] >= 3 for a, b in zip(arxiv.calls, arxiv.calls[1:], strict=False))
    assert stats.created == 5  # the deletion of a paper never stored is dropped
    state.refresh_from_db()
    assert (state.status, state.pages, state.records, state.resumption_token) == ("done", 3, 6, "")
    assert state.last_datestamp == datetime.date(2024, 12, 5)
    assert state.complete_list_size == 6
    paper = Paper.objects.get(arxiv_id="2412.01001")
    assert [c.category_id for c in paper.category_links.order_by("position")] == ["cs.LG", "stat.ML"]
    assert list(
        PaperAuthor.objects.filter(paper=paper).order_by("position").values_list("affiliations", flat=True)
    ) == [
        ["Stanford University"],
        ["Element AI", "University of Toronto"],
        ["Stanford University"],
    ]
    assert Paper.objects.get(arxiv_id="2410.00077").arxiv_state == ArxivState.WITHDRAWN
    assert not Paper.objects.filter(arxiv_id="2411.09999").exists()


@pytest.mark.django_db
def test_malformed_page_stops_the_run_keeps_its_place_and_resume_goes_on(arxiv):
    arxiv.script = [(200, {}, fixture("oai_cs_page1.xml")), (200, {}, fixture("oai_malformed.xml"))]
    state = harvest.start_run(
        "oai:cs:arXiv", set_spec="cs", metadata_prefix="arXiv", from_date=datetime.date(2024, 12, 4), until=None
    )
    with pytest.raises(MalformedResponse):
        harvest.harvest_oai(state)
    state.refresh_from_db()
    assert (state.status, state.pages, state.resumption_token) == ("running", 1, "6960524|1001")
    assert "malformed XML" in state.last_error
    assert Paper.objects.filter(arxiv_id__in=["2412.01001", "2412.01002"]).count() == 2  # page 1 is kept

    harvest.harvest_oai(state)
    assert arxiv.tokens[2:] == ["6960524|1001", "6960524|2001"]  # the failed page asked again, then on
    state.refresh_from_db()
    assert (state.status, state.pages, state.last_error) == ("done", 3, "")
    assert Paper.objects.filter(arxiv_id="2412.01003").exists()


@pytest.mark.django_db
def test_an_expired_resumption_token_restarts_from_the_latest_datestamp(arxiv):
    state = harvest.start_run(
        "oai:cs:arXiv", set_spec="cs", metadata_prefix="arXiv", from_date=datetime.date(2024, 1, 1), until=None
    )
    harvest.harvest_oai(state, max_pages=1)
    arxiv.script = [(200, {}, fixture("oai_bad_token.xml")), (200, {}, fixture("oai_cs_page3.xml"))]
    harvest.harvest_oai(state)
    assert arxiv.calls[2]["params"] == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs",
                                        "from": "2024-12-04"}  # fmt: skip
    state.refresh_from_db()
    assert state.status == "done"


@pytest.mark.django_db
def test_a_deleted_record_marks_a_stored_paper_deleted_and_an_update_brings_v2(arxiv):
    v1 = datetime.datetime(2024, 6, 6, 17, 59, 1, tzinfo=UTC)
    upsert_records([
        ArxivRecord("2411.09999", "To be deleted", "", [("A B", [])], ["cs.LG"], [(1, v1)]),
        ArxivRecord("2406.04321", "Speech tokenizers, revisited", "", [("Carol Wu", [])], ["eess.AS"], [(1, v1)]),
    ])  # fmt: skip
    state = harvest.start_run(
        "oai:cs:arXiv", set_spec="cs", metadata_prefix="arXiv", from_date=datetime.date(2024, 12, 4), until=None
    )
    harvest.harvest_oai(state)
    assert Paper.objects.get(arxiv_id="2411.09999").arxiv_state == ArxivState.DELETED
    arxiv.script = [(200, {}, fixture("oai_raw_v2.xml"))]
    harvest.harvest_oai(
        harvest.start_run("oai:eess:arXivRaw", set_spec="eess", metadata_prefix="arXivRaw", from_date=None, until=None)
    )
    paper = Paper.objects.get(arxiv_id="2406.04321")
    assert [v["version"] for v in paper.arxiv_versions] == [1, 2]
    assert paper.arxiv_versions[1]["created"].startswith("2024-12-04T09:12:44")
    assert paper.doi == "10.1109/icassp49660.2025.10888001"


@pytest.mark.django_db
def test_daily_feed_stores_the_days_announcements(arxiv):
    earlier = datetime.date(2024, 3, 1)
    upsert_records([ArxivRecord("2403.00042", "Sparse attention", "", [("Ana Lima", [])], ["cs.LG"], [],
                                announced_on=earlier)])  # fmt: skip
    stats = harvest.harvest_feed("cs.LG")
    assert stats.received == 4
    assert arxiv.calls[0]["url"] == "https://rss.arxiv.org/rss/cs.LG"
    day = datetime.date(2024, 12, 5)
    assert Paper.objects.get(arxiv_id="2412.01001").announced_on == day
    assert Paper.objects.get(arxiv_id="2412.01003").announced_on == day  # cross-list
    replaced = Paper.objects.get(arxiv_id="2403.00042")
    assert (replaced.announced_on, replaced.title) == (earlier, "Sparse attention at scale")
    state = HarvestState.objects.get(key="rss:cs.LG")
    assert (state.last_datestamp, state.records) == (day, 4)


@pytest.mark.django_db
def test_daily_updates_keep_the_configured_categories_and_go_on_from_the_last_datestamp(arxiv):
    harvest.harvest_updates("cs", today=datetime.date(2024, 12, 5))
    assert arxiv.calls[0]["params"]["from"] == "2024-12-04"  # the first time: since yesterday
    assert not Paper.objects.filter(arxiv_id="2412.01002").exists()  # cs.DB is not configured
    assert Paper.objects.filter(arxiv_id__in=["2412.01001", "2412.01003", "2406.04321", "2410.00077"]).count() == 4
    arxiv.script = [(200, {}, fixture("oai_no_records.xml"))]
    harvest.harvest_updates("cs", today=datetime.date(2024, 12, 9))
    assert arxiv.calls[-1]["params"]["from"] == "2024-12-05"  # the latest datestamp stored, not "yesterday"
    arxiv.script = [(200, {}, fixture("oai_no_records.xml"))]
    harvest.harvest_updates("cs", today=datetime.date(2024, 12, 10))
    assert arxiv.calls[-1]["params"]["from"] == "2024-12-05"  # an empty answer does not move it


@pytest.mark.django_db
def test_feed_and_oai_may_run_in_either_order_without_losing_affiliations_or_the_day(arxiv):
    harvest.harvest_updates("cs", today=datetime.date(2024, 12, 5))
    harvest.harvest_feed("cs.LG")
    paper = Paper.objects.get(arxiv_id="2412.01001")
    assert paper.announced_on == datetime.date(2024, 12, 5)
    assert [pa.affiliations for pa in PaperAuthor.objects.filter(paper=paper).order_by("position")][1] == [
        "Element AI",
        "University of Toronto",
    ]


# ------------------------------------------------------------------------------------- beat and tasks


def _settings_value(name: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"DEBUG": "1", **env}
    code = f"import shortscience.settings as s; print(s.{name})"
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60)


def test_arxiv_categories_are_read_from_the_environment_and_checked():
    result = _settings_value("ARXIV_CATEGORIES", ARXIV_CATEGORIES="cs.LG, stat.ML  hep-th")
    assert result.stdout.strip() == "['cs.LG', 'stat.ML', 'hep-th']", result.stderr
    result = _settings_value("ARXIV_CATEGORIES", ARXIV_CATEGORIES="cs.LG machine-learning!")
    assert result.returncode != 0 and "is not an arXiv category code" in result.stderr


def test_daily_harvest_is_scheduled_after_arxiv_announces(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["harvest-arxiv-daily"]
    assert entry["task"] == tasks.harvest_daily.name == "papers.harvest_daily"
    schedule = entry["schedule"]
    assert (schedule.hour, schedule.minute) == ({5}, {30})
    assert schedule.day_of_week == {1, 2, 3, 4, 5}  # Monday to Friday (UTC), after Sunday-Thursday evenings ET


def test_daily_task_enqueues_each_category_and_each_set(monkeypatch, settings):
    settings.ARXIV_CATEGORIES = ["cs.LG", "cs.CV", "stat.ML", "hep-th"]
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: sent.append((task.name, *args)))
    tasks.harvest_daily()
    assert sent == [
        ("papers.harvest_category", "cs.LG"),
        ("papers.harvest_category", "cs.CV"),
        ("papers.harvest_category", "stat.ML"),
        ("papers.harvest_category", "hep-th"),
        ("papers.harvest_oai_updates", "cs"),
        ("papers.harvest_oai_updates", "physics:hep-th"),
        ("papers.harvest_oai_updates", "stat"),
    ]


@pytest.mark.django_db
def test_daily_task_runs_the_whole_harvest_through_the_queue(arxiv, settings, django_capture_on_commit_callbacks):
    settings.ARXIV_CATEGORIES = ["cs.LG"]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.harvest_daily.delay()  # in-process in tests: the enqueued tasks run after the commit
    assert Paper.objects.get(arxiv_id="2412.01001").announced_on == datetime.date(2024, 12, 5)
    assert HarvestState.objects.get(key="daily:cs").status == "done"
    assert [c["url"] for c in arxiv.calls].count(OAI_URL) == 3


# ------------------------------------------------------------------------------------------- command


@pytest.mark.django_db
def test_command_backfills_with_a_progress_bar(arxiv):
    out = io.StringIO()
    call_command("harvest_arxiv", "--set", "cs", "--from", "2024-12-04", stdout=out)
    text = out.getvalue()
    assert "[" in text and "6/6 100%" in text and "records/s" in text
    assert "oai:cs:arXiv: done" in text
    assert Paper.objects.filter(arxiv_id="2412.01003").exists()


@pytest.mark.django_db
def test_command_resumes_an_interrupted_backfill(arxiv):
    arxiv.script = [(200, {}, fixture("oai_cs_page1.xml")), (503, {"Retry-After": "9999"}, b"")]
    with pytest.raises(CommandError, match="--resume"):
        call_command("harvest_arxiv", "--set", "cs", "--from", "2024-12-04", stdout=io.StringIO())
    out = io.StringIO()
    call_command("harvest_arxiv", "--set", "cs", "--resume", stdout=out)
    assert "Resuming oai:cs:arXiv after page 1" in out.getvalue()
    assert arxiv.tokens[-2:] == ["6960524|1001", "6960524|2001"]
    assert HarvestState.objects.get(key="oai:cs:arXiv").status == "done"
    with pytest.raises(CommandError, match="No interrupted harvest"):
        call_command("harvest_arxiv", "--set", "cs", "--resume", stdout=io.StringIO())


@pytest.mark.django_db
def test_command_daily_runs_the_feeds_then_the_updates(arxiv):
    out = io.StringIO()
    call_command("harvest_arxiv", "--daily", "--category", "cs.LG", stdout=out)
    assert "cs.LG: 4 listed" in out.getvalue()
    assert "cs updates:" in out.getvalue()
    assert Paper.objects.get(arxiv_id="2412.01001").announced_on == datetime.date(2024, 12, 5)


def test_command_needs_a_set_and_a_start(arxiv):
    with pytest.raises(CommandError, match="--set"):
        call_command("harvest_arxiv", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--from"):
        call_command("harvest_arxiv", "--set", "cs", stdout=io.StringIO())
