import pytest
from django.db import IntegrityError, transaction

from papers.models import Paper, PaperAuthor, Venue, normalize_title
from shortscience.lib.identifiers import Identifier
from tests.factories import PaperFactory, SummaryFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_arxiv_id_is_stored_normalised_with_version_apart():
    paper = PaperFactory(arxiv_id="https://arxiv.org/abs/1706.03762v5")
    paper.refresh_from_db()
    assert paper.arxiv_id == "1706.03762"
    assert paper.arxiv_version == 5


def test_doi_is_stored_normalised():
    paper = PaperFactory(doi="https://doi.org/10.1038/NATURE14539")
    paper.refresh_from_db()
    assert paper.doi == "10.1038/nature14539"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"arxiv_id": "1706.03762"}, {"arxiv_id": "arXiv:1706.03762v2"}),
        ({"doi": "10.1234/ABC"}, {"doi": "doi:10.1234/abc"}),
    ],
)
def test_the_same_identifier_in_another_form_is_a_duplicate(first, second):
    PaperFactory(**first)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(**second)


def test_papers_without_identifiers_do_not_collide():
    PaperFactory(arxiv_id="", doi="")
    PaperFactory(arxiv_id="", doi="")
    assert Paper.objects.filter(arxiv_id__isnull=True, doi__isnull=True).count() == 2


def test_invalid_arxiv_id_is_refused():
    with pytest.raises(ValueError):
        PaperFactory(arxiv_id="not-an-id")


def test_slugs_are_unique():
    first = PaperFactory(title="Deep Learning")
    second = PaperFactory(title="Deep learning!")
    assert first.slug == "deep-learning"
    assert second.slug == "deep-learning-2"


def test_find_existing_matches_identifiers_and_normalised_titles():
    paper = PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762", doi="10.5555/3295222")
    assert Paper.objects.find_existing(arxiv_id="1706.03762v7") == paper
    assert Paper.objects.find_existing(doi="https://doi.org/10.5555/3295222") == paper
    assert Paper.objects.find_existing(title="  attention is all you need. ") == paper
    assert Paper.objects.find_existing(title="Attention is not all you need") is None


def test_find_existing_follows_merges():
    kept = PaperFactory()
    merged = PaperFactory(arxiv_id="1512.03385", merged_into=kept)
    assert merged.merged_into == kept
    assert Paper.objects.find_existing(arxiv_id="1512.03385") == kept


def test_by_identifier_finds_the_live_paper_an_identifier_names(django_assert_max_num_queries):
    kept = PaperFactory(doi="10.5555/3295222", dblp_key="conf/nips/VaswaniSPUJGKP17")
    PaperFactory(arxiv_id="1706.03762", merged_into=kept)
    with django_assert_max_num_queries(1):
        assert Paper.objects.by_identifier(Identifier("arxiv", "1706.03762")) == kept
    assert Paper.objects.by_identifier(Identifier("doi", "10.5555/3295222")) == kept
    assert Paper.objects.by_identifier(Identifier("dblp", "conf/nips/VaswaniSPUJGKP17")) == kept
    assert Paper.objects.by_identifier(Identifier("arxiv", "1412.6980")) is None


def test_normalize_title_ignores_case_accents_and_punctuation():
    assert normalize_title("Über: Déjà-Vu  Nets!") == normalize_title("uber deja vu nets")


def test_authors_keep_their_order_and_are_reused():
    paper = PaperFactory(author_names=["Zoe Z", "Adam A", "Mia M"])
    assert [a.name for a in Paper.objects.get(pk=paper.pk).ordered_authors] == ["Zoe Z", "Adam A", "Mia M"]
    other = PaperFactory(author_names=["Adam A"])
    assert other.ordered_authors[0] == paper.ordered_authors[1]
    assert PaperAuthor.objects.filter(paper=paper).order_by("position").first().author.name == "Zoe Z"


def test_venue_counts_follow_papers_and_listed_summaries():
    venue = VenueFactory()
    paper = PaperFactory(venue=venue)
    SummaryFactory(paper=paper)
    SummaryFactory(paper=paper, visibility="private")
    venue.refresh_from_db()
    assert (venue.paper_count, venue.summary_count) == (1, 1)
    other = VenueFactory()
    paper.refresh_from_db()
    paper.venue = other
    paper.save()
    venue.refresh_from_db()
    other.refresh_from_db()
    assert (venue.paper_count, venue.summary_count) == (0, 0)
    assert (other.paper_count, other.summary_count) == (1, 1)


def test_year_must_be_plausible():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(year=20)


def test_every_model_has_a_readable_str():
    paper = PaperFactory(title="Readable", author_names=["Ada Lovelace"])
    assert str(paper) == "Readable"
    assert str(paper.venue) == paper.venue.acronym
    assert "Ada Lovelace" in str(paper.authorships.get())
    assert Venue.objects.get(pk=paper.venue_id).get_absolute_url().startswith("/venues/")
