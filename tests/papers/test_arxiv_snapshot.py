"""arXiv's metadata snapshot: the reader (papers.arxiv.snapshot) and the commands that load and generate one."""

import datetime
import gzip
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.arxiv import workers
from papers.arxiv.records import ArxivState
from papers.arxiv.snapshot import parse_created, read_records, record_from_json
from papers.models import Author, Category, Paper, PaperAuthor, Venue

SAMPLE = Path(__file__).parent / "fixtures" / "arxiv-snapshot-sample.jsonl"


def sample_lines() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


def load(path, *args) -> str:
    out = io.StringIO()
    call_command("load_arxiv_snapshot", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_created_dates_are_parsed_as_utc():
    assert parse_created("Mon, 2 Apr 2007 19:18:42 GMT") == datetime.datetime(
        2007, 4, 2, 19, 18, 42, tzinfo=datetime.UTC
    )
    assert parse_created("yesterday") is None
    assert parse_created("Mon, 2 Foo 2007 19:18:42 GMT") is None


def test_a_snapshot_line_becomes_a_record():
    record = record_from_json(sample_lines()[0])

    assert record.arxiv_id == "0704.0001"
    assert record.authors[0] == ("C. Balázs", ["Michigan State University"])
    assert [name for name, _ in record.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert record.categories == ["hep-ph"]
    assert record.versions == [
        (1, datetime.datetime(2007, 4, 2, 19, 18, 42, tzinfo=datetime.UTC)),
        (2, datetime.datetime(2007, 7, 24, 20, 10, 27, tzinfo=datetime.UTC)),
    ]
    assert record.updated_on == datetime.date(2008, 11, 13)
    assert record.journal_ref == "Phys.Rev.D76:013009,2007"
    assert record.doi == "10.1103/PhysRevD.76.013009"
    assert record.state == ArxivState.ACTIVE


def test_suffixes_and_several_affiliations_are_kept():
    by_id = {line["id"]: record_from_json(line) for line in sample_lines()}
    assert by_id["astro-ph/0005112"].authors[1] == ("R. Roe Jr", [])
    assert by_id["2301.00001"].authors[0] == ("Wei Wang", ["Tsinghua University", "Peking University"])


def test_a_withdrawn_paper_is_recognised_from_its_comments():
    by_id = {line["id"]: record_from_json(line) for line in sample_lines()}
    assert by_id["1003.0358"].state == ArxivState.WITHDRAWN
    assert by_id["1706.03762"].state == ArxivState.ACTIVE


def test_reading_is_lazy_and_skips_unreadable_lines():
    def lines():
        yield b'{"id": "0704.0001", "title": "First"}\n'
        yield b"not json\n"
        yield b"[1, 2]\n"
        yield b'{"id": "0704.0002", "title": "Second"}\n'
        raise AssertionError("read past what was asked for")

    errors = []
    records = read_records(lines(), errors=errors)
    assert next(records).title == "First"
    assert next(records).title == "Second"
    assert errors == [2, 3]


@pytest.mark.django_db
def test_loading_the_sample_stores_every_paper_and_a_reload_adds_nothing():
    output = load(SAMPLE)

    assert "30 records" in output and "30 new" in output
    assert Paper.objects.count() == 30
    assert set(Paper.objects.filter(arxiv_id__contains="/").values_list("arxiv_id", flat=True)) == {
        "hep-th/9901001",
        "math/0211159",
        "cond-mat/0410550",
        "quant-ph/9508027",
        "astro-ph/0005112",
    }
    assert Paper.objects.get(arxiv_id="1003.0358").arxiv_state == Paper.ArxivState.WITHDRAWN
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert attention.arxiv_version == 5 and len(attention.arxiv_versions) == 5
    assert list(attention.category_links.values_list("category_id", flat=True)) == ["cs.CL", "cs.LG"]
    kaiser = PaperAuthor.objects.get(paper=attention, author__name="Łukasz Kaiser")
    assert (kaiser.position, kaiser.affiliations) == (6, ["Google Brain"])
    fort = Paper.objects.get(arxiv_id="2012.07436")
    assert fort.title.startswith("Deep learning versus kernel learning: an empirical study of loss landscape geometry")
    assert Paper.objects.get(arxiv_id="2301.00001").doi is None  # arXiv's own DOI
    counts = dict(Category.objects.values_list("code", "paper_count"))

    assert "0 new, 30 updated" in load(SAMPLE)
    assert Paper.objects.count() == 30
    assert dict(Category.objects.values_list("code", "paper_count")) == counts


@pytest.mark.django_db
def test_a_gzipped_snapshot_loads_whatever_its_name(tmp_path):
    packed = tmp_path / "snapshot.json"  # no .gz: recognised by its first bytes
    with SAMPLE.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)

    assert "30 new" in load(packed, "--batch-size", "7")
    assert Paper.objects.count() == 30


@pytest.mark.django_db
def test_limit_stops_after_that_many_records():
    assert "5 records" in load(SAMPLE, "--limit", "5")
    assert Paper.objects.count() == 5


@pytest.mark.django_db
def test_unreadable_lines_are_counted_and_the_rest_loaded(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text(SAMPLE.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    assert "1 unreadable lines" in load(broken)
    assert Paper.objects.count() == 30


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        load(tmp_path / "nope.jsonl")


@pytest.mark.django_db
def test_a_generated_snapshot_has_the_real_shape_and_loads(tmp_path):
    out = tmp_path / "generated.jsonl.gz"
    call_command("generate_arxiv_snapshot", str(out), "--count", "60", stdout=io.StringIO())

    with gzip.open(out, "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == 60 and len({line["id"] for line in lines}) == 60
    assert set(lines[0]) == set(sample_lines()[0])
    assert any("/" in line["id"] for line in lines) and any("." in line["id"] for line in lines)

    assert "60 new" in load(out)
    assert Paper.objects.count() == 60

    revised = tmp_path / "revised.jsonl"
    call_command("generate_arxiv_snapshot", str(revised), "--count", "60", "--revise", stdout=io.StringIO())
    changed = [
        old["id"]
        for old, new in zip(lines, map(json.loads, revised.read_text(encoding="utf-8").splitlines()), strict=True)
        if old != new
    ]
    assert 0 < len(changed) < 20
    assert "0 new, 60 updated" in load(revised)
    assert Paper.objects.filter(title__endswith="(revised)").count() == len(changed)


# ------------------------------------------------------------------ several worker processes


@pytest.mark.django_db(transaction=True)
def test_workers_load_the_sample_exactly_as_one_process_does(tmp_path):
    """Two worker processes (forked, each on its own connection) on batches of 4: the same papers, authors once
    each however many batches name them, and every stored counter exact."""
    output = load(SAMPLE, "--workers", "2", "--batch-size", "4")

    assert "30 records" in output and "30 new" in output
    assert Paper.objects.count() == 30
    names = list(Author.objects.values_list("name", flat=True))
    assert len(names) == len({name.lower() for name in names})
    for category in Category.objects.filter(paper_count__gt=0):
        assert category.paper_count == category.paper_links.count()
    arxiv = Venue.objects.get(slug="arxiv")
    assert arxiv.paper_count == 30
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert list(attention.category_links.values_list("category_id", flat=True)) == ["cs.CL", "cs.LG"]
    assert attention.search_vector and attention.title_vector

    assert "0 new, 30 updated" in load(SAMPLE, "--workers", "2", "--batch-size", "4")
    assert Paper.objects.count() == 30 and Venue.objects.get(slug="arxiv").paper_count == 30


@pytest.mark.django_db(transaction=True)
def test_workers_count_unreadable_lines_and_honour_the_limit(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n" + SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")

    assert "1 unreadable lines" in load(broken, "--workers", "2", "--batch-size", "5")
    assert Paper.objects.count() == 30

    Paper.objects.all().delete()
    assert "9 records" in load(SAMPLE, "--workers", "2", "--batch-size", "4", "--limit", "9")
    assert Paper.objects.count() == 9


@pytest.mark.django_db(transaction=True)
def test_a_failing_worker_stops_the_load_with_its_error(monkeypatch):
    def broken(records, batch_size):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(workers, "upsert_records", broken)  # inherited by the forked workers
    with pytest.raises(CommandError, match="the database went away"):
        load(SAMPLE, "--workers", "2", "--batch-size", "4")


def test_lines_are_handed_out_in_runs_with_their_line_numbers():
    lines = [b"a\n", b"\n", b"b\n", b"c\n", b"d\n"]
    assert list(workers.chunk_lines(lines, 2)) == [(1, [b"a\n", b"\n", b"b\n"]), (4, [b"c\n", b"d\n"])]
    assert list(workers.chunk_lines(lines, 2, limit=3)) == [(1, [b"a\n", b"\n", b"b\n"]), (4, [b"c\n"])]
    assert list(workers.chunk_lines([], 2)) == []


def test_unreadable_lines_are_numbered_from_the_runs_first_line():
    errors = []
    list(read_records([b'{"id": "0704.0001", "title": "x"}\n', b"oops\n"], errors=errors, first_line=41))
    assert errors == [42]


def test_workers_must_be_at_least_one(tmp_path):
    with pytest.raises(CommandError, match="--workers"):
        load(SAMPLE, "--workers", "0")


@pytest.mark.django_db
def test_the_server_settings_a_bulk_load_wants_are_advised_when_below(monkeypatch):
    from papers.management.commands import load_arxiv_snapshot as command

    monkeypatch.setattr(command, "ADVISED_SETTINGS", {"max_wal_size": ("1PB", 2**50), "shared_buffers": ("0", 0)})
    advice = command.server_advice()
    assert len(advice) == 1 and "max_wal_size" in advice[0] and "1PB" in advice[0]

    monkeypatch.setattr(command, "ADVISED_SETTINGS", {"max_wal_size": ("0", 0)})
    assert command.server_advice() == []
