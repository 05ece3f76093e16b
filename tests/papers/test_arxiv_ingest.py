"""The one arXiv upsert (papers.arxiv.ingest.upsert_records): every rule of issue 13 §1."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.arxiv import ingest
from papers.arxiv.records import ArxivRecord
from papers.models import Author, Category, Paper, PaperAuthor, PaperCategory, TitleWord, Venue
from papers.vectors import update_paper_search_vector
from shortscience.lib import versions
from tests.factories import AuthorFactory, PaperFactory, VenueFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def record(arxiv_id="1706.03762", **overrides) -> ArxivRecord:
    values = {
        "arxiv_id": arxiv_id,
        "title": "Attention Is All You Need",
        "abstract": "The dominant sequence transduction models are based on recurrent networks.",
        "authors": [("Ashish Vaswani", ["Google Brain"]), ("Noam Shazeer", ["Google Brain", "Google Research"])],
        "categories": ["cs.CL", "cs.LG"],
        "versions": [(1, datetime.datetime(2017, 6, 12, 17, 57, tzinfo=UTC))],
        "journal_ref": "",
        "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
        "comments": "15 pages, 5 figures",
        "updated_on": datetime.date(2017, 6, 13),
    }
    values.update(overrides)
    return ArxivRecord(**values)


def matching(query: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM papers_paper WHERE search_vector @@ plainto_tsquery('english_unaccent', %s)", [query]
        )
        return [row[0] for row in cursor.fetchall()]


def test_new_record_creates_the_paper_with_all_arxiv_metadata():
    stats = ingest.upsert_records([record(doi="10.5555/Attention.1")])

    assert (stats.received, stats.created, stats.updated, stats.skipped) == (1, 1, 0, 0)
    paper = Paper.objects.get()
    assert paper.arxiv_id == "1706.03762"
    assert paper.title == "Attention Is All You Need"
    assert paper.slug == "attention-is-all-you-need"
    assert paper.doi == "10.5555/attention.1"
    assert paper.year == 2017 and paper.published_on == datetime.date(2017, 6, 12)
    assert paper.arxiv_versions == [{"version": 1, "created": "2017-06-12T17:57:00+00:00"}]
    assert paper.arxiv_version == 1
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.arxiv_comments == "15 pages, 5 figures"
    assert paper.arxiv_updated_on == datetime.date(2017, 6, 13)
    assert paper.source == Paper.Source.ARXIV
    assert paper.url == "https://arxiv.org/abs/1706.03762" and paper.pdf_url == "https://arxiv.org/pdf/1706.03762"
    assert paper.venue.acronym == "arXiv" and paper.venue.kind == Venue.Kind.PREPRINT
    assert Venue.objects.get(pk=paper.venue_id).paper_count == 1
    assert paper.primary_category_id == "cs.CL"
    assert list(paper.category_links.values_list("category_id", "position")) == [("cs.CL", 0), ("cs.LG", 1)]
    assert Category.objects.get(code="cs.LG").paper_count == 1
    assert sorted(paper.keywords.names()) == ["cs.CL", "cs.LG"]
    authorships = list(paper.authorships.select_related("author"))
    assert [(a.author.name, a.position, a.affiliations) for a in authorships] == [
        ("Ashish Vaswani", 0, ["Google Brain"]),
        ("Noam Shazeer", 1, ["Google Brain", "Google Research"]),
    ]
    assert matching("transduction") == [paper.pk]  # abstract
    assert matching("Shazeer") == [paper.pk]  # authors
    assert TitleWord.objects.filter(word="attention").exists()


def test_upserting_the_same_record_again_duplicates_nothing_and_keeps_counters():
    ingest.upsert_records([record()])
    stats = ingest.upsert_records([record()])

    assert (stats.created, stats.updated) == (0, 1)
    assert Paper.objects.count() == 1
    assert PaperAuthor.objects.count() == 2 and PaperCategory.objects.count() == 2
    assert Category.objects.get(code="cs.CL").paper_count == 1
    assert Venue.objects.get(acronym="arXiv").paper_count == 1
    assert Paper.objects.get().keywords.count() == 2


def test_a_new_version_updates_title_versions_and_search():
    ingest.upsert_records([record()])
    v2 = datetime.datetime(2017, 12, 6, 3, 30, tzinfo=UTC)
    ingest.upsert_records(
        [
            record(
                title="Attention Is All You Need (with Transformers)",
                versions=[(1, datetime.datetime(2017, 6, 12, 17, 57, tzinfo=UTC)), (2, v2)],
                journal_ref="NIPS 2017",
                updated_on=datetime.date(2017, 12, 7),
            )
        ]
    )
    paper = Paper.objects.get()
    assert paper.title == "Attention Is All You Need (with Transformers)"
    assert paper.title_key == "attention is all you need with transformers"
    assert [v["version"] for v in paper.arxiv_versions] == [1, 2] and paper.arxiv_version == 2
    assert paper.journal_ref == "NIPS 2017"
    assert paper.slug == "attention-is-all-you-need"  # a page's address never moves
    assert matching("transformers") == [paper.pk]


def test_an_older_record_changes_nothing():
    ingest.upsert_records([record(journal_ref="NIPS 2017", updated_on=datetime.date(2018, 1, 1))])
    ingest.upsert_records([record(title="An older title", journal_ref="", updated_on=datetime.date(2017, 6, 13))])

    paper = Paper.objects.get()
    assert paper.title == "Attention Is All You Need" and paper.arxiv_updated_on == datetime.date(2018, 1, 1)


def test_a_paper_added_by_hand_with_the_same_doi_is_updated_and_given_its_arxiv_id():
    venue = VenueFactory(name="Neural Information Processing Systems", acronym="NeurIPS")
    hand = PaperFactory(title="Attention is all you need", doi="10.5555/attention.1", venue=venue, year=2017)

    stats = ingest.upsert_records([record(doi="10.5555/ATTENTION.1")])

    assert (stats.created, stats.updated, stats.matched_by_hand) == (0, 1, 1)
    hand.refresh_from_db()
    assert Paper.objects.count() == 1
    assert hand.arxiv_id == "1706.03762" and hand.arxiv_version == 1
    assert hand.venue_id == venue.pk  # its own venue stays
    assert hand.source == Paper.Source.MANUAL  # who added it stays true
    assert list(hand.category_links.values_list("category_id", flat=True)) == ["cs.CL", "cs.LG"]


def test_a_paper_added_by_hand_with_the_same_title_first_author_and_year_is_updated():
    hand = PaperFactory(title="Attention is All you Need!", venue=None, year=2017, author_names=["A. Vaswani"])

    stats = ingest.upsert_records([record()])

    assert (stats.created, stats.matched_by_hand) == (0, 1)
    hand.refresh_from_db()
    assert hand.arxiv_id == "1706.03762"
    assert hand.venue.acronym == "arXiv"  # it had none
    assert Venue.objects.get(acronym="arXiv").paper_count == 1
    assert [a.name for a in hand.ordered_authors] == ["Ashish Vaswani", "Noam Shazeer"]


@pytest.mark.parametrize(
    ("first_author", "year"),
    [("Someone Else", 2017), ("Ashish Vaswani", 2015)],
    ids=["other first author", "other year"],
)
def test_the_same_title_with_another_first_author_or_year_is_another_paper(first_author, year):
    hand = PaperFactory(title="Attention Is All You Need", year=year, author_names=[first_author])

    stats = ingest.upsert_records([record()])

    assert stats.created == 1
    hand.refresh_from_db()
    assert hand.arxiv_id is None
    new = Paper.objects.get(arxiv_id="1706.03762")
    assert new.slug != hand.slug and new.slug.startswith("attention-is-all-you-need-")


def test_locked_fields_are_never_overwritten():
    ingest.upsert_records([record()])
    paper = Paper.objects.get()
    Paper.objects.filter(pk=paper.pk).update(
        title="Attention is all you need (moderated)", locked_fields=["title", "authors", "categories"]
    )
    PaperAuthor.objects.filter(paper=paper, position=1).delete()

    ingest.upsert_records(
        [
            record(
                title="Changed upstream",
                abstract="A new abstract.",
                authors=[("Somebody New", [])],
                categories=["cs.AI"],
                updated_on=datetime.date(2018, 1, 1),
            )
        ]
    )
    paper.refresh_from_db()
    assert paper.title == "Attention is all you need (moderated)"
    assert paper.abstract == "A new abstract."  # not locked
    assert [a.name for a in paper.ordered_authors] == ["Ashish Vaswani"]
    assert paper.primary_category_id == "cs.CL"
    assert list(paper.category_links.values_list("category_id", flat=True)) == ["cs.CL", "cs.LG"]
    assert not Author.objects.filter(name="Somebody New").exists()


def test_locked_authors_still_get_arxivs_affiliations_unless_those_are_locked_too():
    ingest.upsert_records([record(authors=[("Ashish Vaswani", []), ("Noam Shazeer", [])])])
    Paper.objects.update(locked_fields=["authors"])
    ingest.upsert_records([record(authors=[("Ashish Vaswani", ["Google"]), ("Noam Shazeer", ["Google"])])])
    assert list(PaperAuthor.objects.values_list("affiliations", flat=True)) == [["Google"], ["Google"]]

    Paper.objects.update(locked_fields=["affiliations"])
    ingest.upsert_records([record(authors=[("Ashish Vaswani", ["Elsewhere"]), ("Noam Shazeer", ["Elsewhere"])])])
    assert list(PaperAuthor.objects.values_list("affiliations", flat=True)) == [["Google"], ["Google"]]


def test_empty_values_in_a_record_never_erase_stored_ones():
    ingest.upsert_records([record(journal_ref="NIPS 2017", doi="10.5555/x")])
    ingest.upsert_records([record(journal_ref="", doi="", abstract="", license="")])
    paper = Paper.objects.get()
    assert (paper.journal_ref, paper.doi) == ("NIPS 2017", "10.5555/x")
    assert paper.abstract and paper.license


def test_withdrawn_and_deleted_papers_are_marked_not_removed():
    ingest.upsert_records([record(), record("2401.01234", title="To be deleted", categories=["cs.LG"])])

    stats = ingest.upsert_records(
        [
            record(state="withdrawn", comments="This paper has been withdrawn by the author"),
            ArxivRecord("2401.01234", "", "", [], [], [], state="deleted"),
            ArxivRecord("2401.99999", "", "", [], [], [], state="deleted"),  # never had it: nothing to mark
        ]
    )

    assert stats.skipped == 1 and stats.created == 0
    assert Paper.objects.get(arxiv_id="1706.03762").arxiv_state == Paper.ArxivState.WITHDRAWN
    deleted = Paper.objects.get(arxiv_id="2401.01234")
    assert deleted.arxiv_state == Paper.ArxivState.DELETED
    assert deleted.title == "To be deleted" and deleted.category_links.count() == 1  # nothing wiped
    assert deleted.authorships.count() == 2
    assert not Paper.objects.filter(arxiv_id="2401.99999").exists()


def test_a_merged_paper_updates_its_merge_target():
    ingest.upsert_records([record()])
    kept = PaperFactory(title="Attention (the kept copy)", venue=None, year=2017)
    Paper.objects.filter(arxiv_id="1706.03762").update(merged_into=kept)

    stats = ingest.upsert_records([record(journal_ref="NIPS 2017", updated_on=datetime.date(2018, 1, 1))])

    assert (stats.created, stats.updated) == (0, 1)
    kept.refresh_from_db()
    assert kept.journal_ref == "NIPS 2017"
    assert kept.arxiv_id is None  # the merged row keeps the identifier (and redirects)
    assert Paper.objects.get(arxiv_id="1706.03762").journal_ref == ""


def test_a_merge_target_that_is_another_arxiv_paper_is_left_to_its_own_record():
    ingest.upsert_records([record(), record("1706.99999", title="A duplicate upload")])
    Paper.objects.filter(arxiv_id="1706.99999").update(merged_into=Paper.objects.get(arxiv_id="1706.03762"))

    stats = ingest.upsert_records([record("1706.99999", title="A duplicate upload v2")])

    assert stats.skipped == 1
    assert Paper.objects.get(arxiv_id="1706.03762").title == "Attention Is All You Need"


def test_changed_categories_replace_the_links_and_move_the_counts():
    ingest.upsert_records([record()])
    ingest.upsert_records([record(categories=["cs.LG", "stat.ML"], updated_on=datetime.date(2018, 1, 1))])

    paper = Paper.objects.get()
    assert paper.primary_category_id == "cs.LG"
    assert list(paper.category_links.values_list("category_id", "position")) == [("cs.LG", 0), ("stat.ML", 1)]
    counts = dict(Category.objects.filter(code__in=["cs.CL", "cs.LG", "stat.ML"]).values_list("code", "paper_count"))
    assert counts == {"cs.CL": 0, "cs.LG": 1, "stat.ML": 1}
    assert "stat.ML" in paper.keywords.names()


def test_unknown_categories_are_added_to_the_taxonomy_and_known_ones_kept():
    Category.objects.update_or_create(
        code="cs.CL", defaults={"name": "Computation and Language", "name_zh": "计算与语言", "archive": "cs"}
    )
    Category.objects.filter(code="q-bio.ZZ").delete()
    ingest.upsert_records([record(categories=["cs.CL", "q-bio.ZZ", "ACM I.2.7"])])

    assert Category.objects.get(code="cs.CL").name_zh == "计算与语言"
    new = Category.objects.get(code="q-bio.ZZ")
    assert (new.name, new.archive, new.group) == ("q-bio.ZZ", "q-bio", "Quantitative Biology")
    assert not Category.objects.filter(code__startswith="ACM").exists()


def test_the_announcement_day_is_the_first_listing_and_is_copied_to_the_category_links():
    ingest.upsert_records([record()])
    ingest.upsert_records([record(announced_on=datetime.date(2017, 6, 13))])
    ingest.upsert_records([record(announced_on=datetime.date(2017, 12, 7))])  # a replacement's listing

    paper = Paper.objects.get()
    assert paper.announced_on == datetime.date(2017, 6, 13)
    assert set(paper.category_links.values_list("announced_on", flat=True)) == {datetime.date(2017, 6, 13)}


def test_a_doi_another_paper_holds_is_not_given_twice():
    PaperFactory(doi="10.5555/shared", arxiv_id="1001.0001")  # another arXiv paper with that DOI
    stats = ingest.upsert_records(
        [
            record(doi="10.5555/shared"),
            record("1706.00002", title="Another", doi="10.5555/dup"),
            record("1706.00003", title="Third", doi="10.5555/dup"),
        ]
    )
    assert stats.created == 3
    assert Paper.objects.get(arxiv_id="1706.03762").doi is None
    assert Paper.objects.get(arxiv_id="1706.00002").doi == "10.5555/dup"
    assert Paper.objects.get(arxiv_id="1706.00003").doi is None


def test_arxivs_own_datacite_doi_is_not_a_publication_doi():
    ingest.upsert_records([record(doi="10.48550/arXiv.1706.03762")])
    assert Paper.objects.get().doi is None


def test_slugs_stay_unique_within_a_batch_and_against_existing_papers():
    PaperFactory(title="Introduction")
    ingest.upsert_records([record(f"2401.0000{n}", title="Introduction") for n in range(1, 4)])

    slugs = list(Paper.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 4
    assert all(len(slug) <= 100 for slug in slugs)


def test_authors_are_reused_by_printed_name_and_new_ones_get_unique_slugs():
    existing = AuthorFactory(name="ashish vaswani")
    AuthorFactory(name="Noam-Shazeer")  # takes the slug "noam-shazeer"

    ingest.upsert_records([record()])

    paper = Paper.objects.get()
    assert paper.ordered_authors[0].pk == existing.pk
    shazeer = Author.objects.get(name="Noam Shazeer")
    assert shazeer.slug != "noam-shazeer" and shazeer.slug.startswith("noam-shazeer-")


def test_the_same_author_twice_on_a_paper_is_kept_once():
    ingest.upsert_records([record(authors=[("Wei Wang", []), ("Li Ming", []), ("wei wang", [])])])
    assert [a.name for a in Paper.objects.get().ordered_authors] == ["Wei Wang", "Li Ming"]


def test_records_that_cannot_be_stored_are_skipped_and_duplicates_in_a_batch_kept_once():
    stats = ingest.upsert_records(
        [record("not-an-id"), record(title="  "), record(), record(title="Attention, the second record")]
    )
    assert (stats.received, stats.created, stats.skipped) == (4, 1, 3)
    assert Paper.objects.get().title == "Attention, the second record"


def test_old_style_ids_are_normalised():
    ingest.upsert_records([record("arXiv:hep-th/9901001v2", title="The Large N limit", categories=["hep-th"])])
    assert Paper.objects.get().arxiv_id == "hep-th/9901001"


def test_the_listing_stamp_is_bumped_once_per_batch(monkeypatch, django_capture_on_commit_callbacks):
    bumped = []
    monkeypatch.setattr(versions, "bump_now", bumped.append)
    with django_capture_on_commit_callbacks(execute=True):
        # New authors and rows are saved through the ORM too (each a bump of its own, coalesced per batch).
        ingest.upsert_records(
            [record(f"2401.0000{n}", title=f"Paper {n}", authors=[(f"New Author {n}", [])]) for n in range(1, 6)],
            batch_size=2,
        )
    assert bumped.count(versions.LISTING) == 3


def test_a_batch_costs_the_same_queries_whatever_its_size(monkeypatch):
    # The ANALYZE of a growing table depends on the planner's row counts, which earlier tests leave behind
    # (ANALYZE writes them in place, outside any transaction a test rolls back): kept out of this count.
    monkeypatch.setattr(ingest, "_REANALYZE_GROWTH", float("inf"))

    def queries_for(count: int, offset: int) -> int:
        records = [
            record(f"2402.{offset + n:05d}", title=f"Paper number {offset + n}", authors=[(f"Author {offset + n}", [])])
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as context:
            ingest.upsert_records(records, batch_size=1000)
        return len(context)

    queries_for(2, 0)  # the arXiv venue, tags and categories exist from here on
    small, large = queries_for(5, 100), queries_for(60, 200)
    assert small == large


def test_vectors_made_by_the_insert_are_those_the_site_computes():
    chinese = record("2301.00001", title="Schrödinger bridges 薛定谔桥", authors=[("李明", [])])
    ingest.upsert_records([record(), chinese])
    before = dict(Paper.objects.values_list("pk", "search_vector"))
    titles = dict(Paper.objects.values_list("pk", "title_vector"))

    update_paper_search_vector(None)

    assert dict(Paper.objects.values_list("pk", "search_vector")) == before
    assert dict(Paper.objects.values_list("pk", "title_vector")) == titles
    assert all(before.values())


# ------------------------------------------------------------------ batches side by side


def test_a_batch_the_server_aborts_on_a_deadlock_is_run_again(monkeypatch, transactional_db):
    from django.db import OperationalError
    from psycopg import errors

    real, calls = ingest._upsert_batch, []

    def deadlocked_once(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            try:
                raise errors.DeadlockDetected("deadlock detected")
            except errors.DeadlockDetected as cause:
                raise OperationalError("deadlock detected") from cause
        return real(batch)

    monkeypatch.setattr(ingest, "_upsert_batch", deadlocked_once)
    stats = ingest.upsert_records([record()])

    assert calls == [1, 1] and stats.created == 1
    assert Paper.objects.filter(arxiv_id="1706.03762").count() == 1


def test_other_database_errors_are_not_retried(monkeypatch, transactional_db):
    from django.db import OperationalError

    calls = []

    def broken(batch):
        calls.append(batch)
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(ingest, "_upsert_batch", broken)
    with pytest.raises(OperationalError):
        ingest.upsert_records([record()])
    assert len(calls) == 1


def test_a_hand_added_paper_another_batch_gave_an_arxiv_id_meanwhile_is_not_taken_over():
    """A record matched by DOI to a hand-added paper that a concurrent batch has since given its own arXiv id (the
    recheck under the batch lock) becomes a paper of its own, and the other paper keeps its id."""
    paper = PaperFactory(title="Hand added", doi="10.5555/shared", arxiv_id=None, source="manual")
    with connection.cursor() as cursor:
        ingest._create_stage(cursor, [ingest._clean(record("2403.00001", title="Mine", doi="10.5555/shared"))])
        ingest._match(cursor)
        Paper.objects.filter(pk=paper.pk).update(arxiv_id="2403.09999")  # the other batch committed
        assert ingest._recheck_matches(cursor) == ["2403.00001"]


def test_concurrent_batches_share_new_authors_without_duplicates(transactional_db):
    """Two connections upserting at once, their records naming the same new authors: each author is created
    once (author creation is under the batch lock) and the counters add up."""
    import threading

    from django.db import connections

    shared = [("Shared Person", []), ("Another Shared", ["Somewhere"])]
    batches = [
        [record(f"2404.{side}{n:04d}", title=f"Side {side} paper {n}", authors=shared) for n in range(40)]
        for side in (1, 2)
    ]
    barrier, failures = threading.Barrier(2), []

    def load(batch):
        try:
            barrier.wait()
            ingest.upsert_records(batch, batch_size=20)
        except Exception as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=load, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert Paper.objects.count() == 80
    assert Author.objects.filter(name__iexact="shared person").count() == 1
    assert PaperAuthor.objects.filter(author__name="Shared Person").count() == 80
    assert Venue.objects.get(slug="arxiv").paper_count == 80
    for category in Category.objects.filter(code__in=["cs.CL", "cs.LG"]):
        assert category.paper_count == 80
