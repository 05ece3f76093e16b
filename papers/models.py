from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Lower, Mod
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.text import slugify
from taggit.managers import TaggableManager

from papers.links import is_web_url, validate_web_url
from papers.vectors import update_paper_search_vector
from shortscience.lib import versions
from shortscience.lib.identifiers import Identifier, normalize_arxiv_id, normalize_doi, parse_arxiv_id, parse_identifier

SLUG_MAX = 90
# The years a paper can have (the paper_year_plausible constraint); year pages outside them do not exist.
YEAR_MIN, YEAR_MAX = 1600, 2100


def unique_slug(model, text: str, *, exclude_pk=None, field: str = "slug", fallback: str = "item") -> str:
    """A slug for ``text`` that no other row of ``model`` uses (``-2``, ``-3``… appended on collision)."""
    base = slugify(unicodedata.normalize("NFKD", text))[:SLUG_MAX].strip("-") or fallback
    taken = set(
        model.objects.filter(**{f"{field}__startswith": base})
        .exclude(pk=exclude_pk)
        .values_list(field, flat=True)[:1000]
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def normalize_title(title: str) -> str:
    """Title key for duplicate detection: case, accents, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())[:500]


class Venue(models.Model):
    class Kind(models.TextChoices):
        PREPRINT = "preprint", "Preprint server"
        CONFERENCE = "conference", "Conference"
        JOURNAL = "journal", "Journal"
        WORKSHOP = "workshop", "Workshop"

    name = models.CharField(max_length=300)
    acronym = models.CharField(max_length=50, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.JOURNAL)
    # The DBLP prefix the old site used as venue key (conf/nips, journals/corr).
    dblp_key = models.CharField(max_length=100, blank=True)
    paper_count = models.PositiveIntegerField(default=0, editable=False)
    summary_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["dblp_key"], name="venue_dblp_key_uniq", condition=~models.Q(dblp_key="")),
        ]
        indexes = [
            # Venue look-up by acronym/name when importing (case-insensitive), and the venue list's order.
            models.Index(Lower("acronym"), name="venue_acronym_lower_idx"),
            models.Index(Lower("name"), name="venue_name_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.acronym or self.name

    def get_absolute_url(self) -> str:
        return reverse("papers:venue", args=[self.slug])

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Venue, self.acronym or self.name, exclude_pk=self.pk, fallback="venue")
        super().save(*args, **kwargs)


class Author(models.Model):
    name = models.CharField("name as printed", max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    orcid = models.CharField("ORCID iD", max_length=19, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["orcid"], name="author_orcid_uniq", condition=~models.Q(orcid="")),
        ]
        indexes = [
            # Import reuses an existing author with the same printed name.
            models.Index(Lower("name"), name="author_name_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("papers:author", args=[self.slug])

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Author, self.name, exclude_pk=self.pk, fallback="author")
        super().save(*args, **kwargs)


# Authors shown on a paper's row in lists before "et al.".
LIST_AUTHORS = 3

_IDENTIFIER_FIELDS = {"arxiv": "arxiv_id", "doi": "doi", "dblp": "dblp_key"}

# BibTeX/LaTeX special characters and how to write them inside a braced field value.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL_RE = re.compile("|".join(re.escape(char) for char in _BIBTEX_ESCAPES))


def bibtex_escape(value: str) -> str:
    """``value`` as safe text inside a braced BibTeX field: specials escaped, braces always balanced."""
    value = " ".join(str(value).split())
    return _BIBTEX_SPECIAL_RE.sub(lambda match: _BIBTEX_ESCAPES[match.group(0)], value)


class PaperQuerySet(models.QuerySet):
    def live(self):
        """Papers that have not been merged into another one."""
        return self.filter(merged_into__isnull=True)

    def find_existing(self, *, arxiv_id: str = "", doi: str = "", title: str = ""):
        """The paper these identifiers or this title already refer to (for "never a duplicate")."""
        query = models.Q()
        if arxiv_id:
            query |= models.Q(arxiv_id=normalize_arxiv_id(arxiv_id))
        if doi:
            query |= models.Q(doi=normalize_doi(doi))
        if title and normalize_title(title):
            query |= models.Q(title_key=normalize_title(title))
        if not query:
            return None
        paper = self.filter(query).select_related("merged_into").order_by("id").first()
        return paper.merged_into if paper and paper.merged_into_id else paper

    def by_identifier(self, identifier: Identifier):
        """The live paper an arXiv id, DOI or DBLP key names (following merges), or None. One query."""
        field = _IDENTIFIER_FIELDS[identifier.kind]
        paper = self.filter(**{field: identifier.value}).select_related("merged_into").first()
        return paper.merged_into if paper is not None and paper.merged_into_id else paper

    def by_key(self, key: str):
        """The paper an old-site ``bibtexKey`` or a typed identifier names, merges resolved; None if unknown.

        Accepts an arXiv id (any form, with or without version), an arXiv URL, ``journals/corr/<id>``,
        a DOI or DOI URL, or a DBLP key; anything else is tried as a stored DBLP key verbatim
        (the old site also used Bibsonomy keys there). One query.
        """
        key = (key or "").strip()
        if not key:
            return None
        identifier = parse_identifier(key)
        query = models.Q(dblp_key=key)
        if identifier is not None:
            query |= models.Q(**{_IDENTIFIER_FIELDS[identifier.kind]: identifier.value})
        paper = self.filter(query).select_related("merged_into").order_by("id").first()
        return paper.merged_into if paper and paper.merged_into_id else paper

    def page_urls(self, identifiers) -> dict[tuple[str, str], str]:
        """The site's page for each identifier it has a paper for: ``(kind, value)`` → URL, merges resolved.

        ``identifiers`` are canonical ``shortscience.lib.identifiers.Identifier`` (arXiv id, DOI, DBLP key), e.g. every
        citation in a summary: one query for all of them, through the unique indexes on the three columns.
        """
        wanted: dict[str, set[str]] = {}
        for identifier in identifiers:
            wanted.setdefault(_IDENTIFIER_FIELDS[identifier.kind], set()).add(identifier.value)
        if not wanted:
            return {}
        query = models.Q()
        for field_name, values in wanted.items():
            query |= models.Q(**{f"{field_name}__in": sorted(values)})
        papers = (
            self.filter(query)
            .select_related("merged_into")
            .only("slug", "arxiv_id", "doi", "dblp_key", "merged_into__slug")
        )
        urls: dict[tuple[str, str], str] = {}
        for paper in papers:
            url = (paper.merged_into or paper).get_absolute_url()
            for kind, field_name in _IDENTIFIER_FIELDS.items():
                value = getattr(paper, field_name)
                if value in wanted.get(field_name, ()):
                    urls[(kind, value)] = url
        return urls

    def for_list(self):
        """What a paper row in a list shows: venue, and the first authors (up to LIST_AUTHORS + 1 to know "et al.")."""
        first_authors = PaperAuthor.objects.filter(position__lte=LIST_AUTHORS).select_related("author")
        return self.select_related("venue").prefetch_related(
            models.Prefetch("authorships", queryset=first_authors, to_attr="first_authorships")
        )

    def with_page_data(self):
        """What the paper page and its BibTeX need: venue and every author, in order (one extra query)."""
        return self.select_related("venue", "merged_into").prefetch_related(
            models.Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author"))
        )

    def ranked_for_listing(self):
        """Papers with summaries first (most summaries first), then the rest, newest first."""
        return self.order_by("-summary_count", "-id")

    def venue_years(self, venue_id: int) -> list[int]:
        """The distinct years of a venue's live papers, newest first, without reading all its papers.

        A "loose index scan": a recursive CTE that probes ``paper_venue_year_idx`` (venue, year, …)
        once per year for the next smaller year, so arXiv's 2 million papers cost ~40 index probes
        instead of a GROUP BY over all of them. Ignores this queryset's filters (raw SQL).
        """
        from django.db import connection

        table = connection.ops.quote_name(Paper._meta.db_table)
        sql = f"""
            WITH RECURSIVE years(year) AS (
                (SELECT year FROM {table}
                 WHERE venue_id = %s AND year IS NOT NULL AND merged_into_id IS NULL
                 ORDER BY year DESC LIMIT 1)
                UNION ALL
                SELECT (SELECT p.year FROM {table} p
                        WHERE p.venue_id = %s AND p.year < years.year AND p.merged_into_id IS NULL
                        ORDER BY p.year DESC LIMIT 1)
                FROM years WHERE years.year IS NOT NULL
            )
            SELECT year FROM years WHERE year IS NOT NULL
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [venue_id, venue_id])
            return [row[0] for row in cursor.fetchall()]

    def in_category(self, code: str):
        """A category's papers (primary or cross-listed), newest announcement first: read in that order from
        ``papercategory_listing_idx`` (category, announced_on DESC NULLS LAST, paper DESC)."""
        return self.filter(category_links__category_id=code).order_by(
            models.F("category_links__announced_on").desc(nulls_last=True), "-category_links__paper_id"
        )

    def announced_in(self, code: str, day):
        """The papers ``code`` listed on announcement ``day``: new submissions (primary category) before
        cross-lists, then by id; each carries ``cross_list`` (True for a cross-list)."""
        return (
            self.filter(category_links__category_id=code, category_links__announced_on=day)
            .annotate(
                cross_list=models.ExpressionWrapper(models.Q(category_links__position__gt=0), models.BooleanField())
            )
            .order_by("cross_list", "id")
        )

    def newest_first(self):
        """Newest papers first: an author's or a keyword's papers, read in this order from
        ``paperauthor_author_idx`` (author, paper) or ``taggeditem_tag_object_idx`` (tag, object id),
        so a page stops after LIMIT rows however many papers there are."""
        return self.order_by("-id")


class Category(models.Model):
    """One arXiv subject category (``cs.LG``): the taxonomy is data, loaded by a migration, with its display
    name in English and Simplified Chinese (the digest's bilingual legend: ``LG - 机器学习``)."""

    code = models.CharField(max_length=40, primary_key=True)  # "cs.LG", "math.PR", "hep-th"
    name = models.CharField(max_length=200)  # "Machine Learning"
    name_zh = models.CharField("name (Simplified Chinese)", max_length=200, blank=True)
    archive = models.CharField(max_length=40)  # "cs", "math", "hep-th"
    group = models.CharField(max_length=100)  # "Computer Science", "Physics"
    # Denormalised: papers listing this category (primary or cross-list).
    paper_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("papers:category", args=[self.code])

    @property
    def tag(self) -> str:
        """The short tag of the digest (``LG`` for ``cs.LG``; the whole code for archives without subjects)."""
        return self.code.split(".", 1)[1] if "." in self.code else self.code

    def display_name(self, language: str = "en") -> str:
        """The name in ``language`` (Simplified Chinese for any ``zh`` code when there is one; else English)."""
        if language.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name

    @property
    def legend(self) -> str:
        """The digest legend's entry: ``LG - 机器学习`` (the English name when no Chinese one is known)."""
        return f"{self.tag} - {self.name_zh or self.name}"


# The site search's sample of titles: one paper in TITLE_SAMPLE, by id, with title indexes of its own
# (``paper_title_sample_idx``, and ``paper_title_summ_sample_idx`` among papers with summaries). Finding the titles
# that hold two common words is an intersection of the words' posting lists, which costs what the lists cost, not
# what the cap on candidates does ("generative networks": 30,000 of 2.5 M titles, 31–44 ms); the sample's lists are
# an eighth as long (5–8 ms), and when the sample alone fills the cap the whole index is never read
# (``discovery.search._ranked_paper_ids``).
TITLE_SAMPLE = 8


def in_title_sample() -> models.Q:
    """The papers of the search's title sample (the condition of ``paper_title_sample_idx``, word for word)."""
    return models.Q(Exact(Mod("id", TITLE_SAMPLE), 0))


# Columns of a paper that no list of papers or summaries shows: the abstract, the search vectors and the arXiv
# history (``summaries.models.CARD_DEFERRED``, the admin's changelists).
LIST_DEFERRED = ("abstract", "search_vector", "title_vector", "arxiv_versions", "arxiv_comments")


class Paper(models.Model):
    class Source(models.TextChoices):
        ARXIV = "arxiv", "arXiv"
        CROSSREF = "crossref", "Crossref"
        BIBTEX = "bibtex", "BibTeX"
        MANUAL = "manual", "Entered by hand"

    class ArxivState(models.TextChoices):
        ACTIVE = "", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn by its authors"
        DELETED = "deleted", "Deleted from arXiv"

    # Fields a moderator may lock against the harvest (``locked_fields``): what arXiv may refresh otherwise.
    HARVESTED_FIELDS = (
        "title",
        "abstract",
        "authors",
        "year",
        "published_on",
        "doi",
        "journal_ref",
        "license",
        "categories",
        "affiliations",
    )

    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=100, unique=True)
    abstract = models.TextField(blank=True)
    authors = models.ManyToManyField(Author, through="PaperAuthor", related_name="papers")
    # Indexed by paper_venue_year_idx (venue, year, …).
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="papers", db_index=False
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    # Identifiers are stored canonical (see shortscience.lib.identifiers); NULL when absent so UNIQUE ignores them.
    arxiv_id = models.CharField("arXiv id", max_length=40, null=True, blank=True, unique=True)
    arxiv_version = models.PositiveSmallIntegerField("latest arXiv version", null=True, blank=True)
    doi = models.CharField("DOI", max_length=200, null=True, blank=True, unique=True)
    dblp_key = models.CharField("DBLP key", max_length=200, null=True, blank=True, unique=True)
    url = models.URLField("landing page", max_length=500, blank=True, validators=[validate_web_url])
    pdf_url = models.URLField("PDF", max_length=500, blank=True, validators=[validate_web_url])
    keywords = TaggableManager(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="papers_added"
    )
    # Set when a moderator merges this paper into another; its URLs then redirect there.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_papers"
    )
    # arXiv metadata (filled by the harvest and the snapshot load, papers.arxiv).
    primary_category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="primary_papers"
    )
    categories = models.ManyToManyField(Category, through="PaperCategory", related_name="papers", blank=True)
    # [{"version": 1, "created": "2024-01-02T10:00:00Z"}, …], oldest first.
    arxiv_versions = models.JSONField(default=list, db_default=[], blank=True)
    journal_ref = models.CharField("journal reference", max_length=500, blank=True, db_default="")
    license = models.CharField(max_length=300, blank=True, db_default="")
    arxiv_comments = models.CharField("arXiv comments", max_length=1000, blank=True, db_default="")
    arxiv_state = models.CharField(
        max_length=20, choices=ArxivState.choices, default=ArxivState.ACTIVE, db_default="", blank=True
    )
    # The day arXiv announced the paper (its first listing): category "new" pages and the digest's triage.
    announced_on = models.DateField(null=True, blank=True)
    # When arXiv last changed the record (OAI-PMH datestamp / snapshot update_date).
    arxiv_updated_on = models.DateField(null=True, blank=True)
    # Names from HARVESTED_FIELDS that a moderator edited by hand: the harvest never overwrites them.
    locked_fields = ArrayField(models.CharField(max_length=40), default=list, db_default=[], blank=True)
    title_key = models.CharField(max_length=500, editable=False, default="")
    # Denormalised: number of public, visible summaries and when the latest was published.
    summary_count = models.PositiveIntegerField(default=0, editable=False)
    last_summary_at = models.DateTimeField(null=True, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Title (A), authors and keywords (B) only: small enough to rank search candidates cheaply (discovery.search).
    title_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Venue-year page: papers with summaries first, then the rest, newest first.
            models.Index(fields=["venue", "year", "-summary_count", "-id"], name="paper_venue_year_idx"),
            # Year page across venues.
            models.Index(fields=["year", "-summary_count", "-id"], name="paper_year_idx"),
            # "Never a duplicate": title match after normalisation.
            models.Index(fields=["title_key"], name="paper_title_key_idx"),
            # Full-text search.
            GinIndex(fields=["search_vector"], name="paper_search_idx"),
            # Search candidates matched by title, authors or keywords, and the same among papers with summaries.
            GinIndex(fields=["title_vector"], name="paper_title_search_idx"),
            GinIndex(
                fields=["title_vector"], name="paper_title_summarised_idx", condition=models.Q(summary_count__gt=0)
            ),
            # The same two in a sample of one paper in TITLE_SAMPLE.
            GinIndex(fields=["title_vector"], name="paper_title_sample_idx", condition=in_title_sample()),
            GinIndex(
                fields=["title_vector"],
                name="paper_title_summ_sample_idx",
                condition=models.Q(summary_count__gt=0) & in_title_sample(),
            ),
            # Sitemap and "papers with summaries" listings.
            models.Index(
                fields=["-last_summary_at"], name="paper_with_summaries_idx", condition=models.Q(summary_count__gt=0)
            ),
            models.Index(fields=["-created_at"], name="paper_created_idx"),
            # Triage and "new" pages: one announcement day's papers.
            models.Index(
                fields=["announced_on", "id"],
                name="paper_announced_idx",
                condition=models.Q(announced_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__isnull=True) | models.Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                name="paper_year_plausible",
            ),
            models.CheckConstraint(condition=~models.Q(merged_into=models.F("id")), name="paper_not_merged_into_self"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discovery:paper", args=[self.slug])

    def save(self, *args, **kwargs):
        if self.arxiv_id:
            parsed = parse_arxiv_id(self.arxiv_id)
            if parsed is None:
                raise ValueError(f"Not an arXiv identifier: {self.arxiv_id!r}")
            self.arxiv_id = parsed.id
            if parsed.version and not self.arxiv_version:
                self.arxiv_version = parsed.version
        else:
            self.arxiv_id = None
        self.doi = normalize_doi(self.doi) if self.doi else None
        self.dblp_key = (self.dblp_key or "").strip() or None
        self.title = " ".join(self.title.split())
        self.title_key = normalize_title(self.title)
        if not self.year and self.published_on:
            self.year = self.published_on.year
        if not self.slug:
            self.slug = unique_slug(Paper, self.title, exclude_pk=self.pk, fallback="paper")
        old_venue_id = getattr(self, "_loaded_venue_id", None)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_venue_id != self.venue_id:
                self._move_venue_counts(old_venue_id, self.venue_id)
            self.refresh_search_vector()
            versions.bump(versions.LISTING)
        self._loaded_venue_id = self.venue_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_venue_id = instance.__dict__.get("venue_id")
        return instance

    def _move_venue_counts(self, old_venue_id, new_venue_id) -> None:
        summaries = self.summary_count
        if old_venue_id:
            Venue.objects.filter(pk=old_venue_id).update(
                paper_count=F("paper_count") - 1, summary_count=F("summary_count") - summaries
            )
        if new_venue_id:
            Venue.objects.filter(pk=new_venue_id).update(
                paper_count=F("paper_count") + 1, summary_count=F("summary_count") + summaries
            )

    def lock_fields(self, names) -> list[str]:
        """Mark harvested fields as edited by hand, so the arXiv harvest leaves them alone; returns the newly
        locked names (the caller saves ``locked_fields``)."""
        new = [
            name for name in dict.fromkeys(names) if name in self.HARVESTED_FIELDS and name not in self.locked_fields
        ]
        if new:
            self.locked_fields = [*self.locked_fields, *new]
        return new

    def refresh_search_vector(self) -> None:
        """Recompute the stored search vector (title, authors, keywords, venue, abstract)."""
        update_paper_search_vector([self.pk])

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def publisher_url(self) -> str:
        """The landing page, only when it is a web address (rows imported before the check may hold others)."""
        return self.url if is_web_url(self.url) else ""

    @property
    def safe_pdf_url(self) -> str:
        return self.pdf_url if is_web_url(self.pdf_url) else ""

    @property
    def arxiv_pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def semantic_scholar_url(self) -> str:
        if self.arxiv_id:
            return f"https://www.semanticscholar.org/arxiv/{self.arxiv_id}"
        if self.doi:
            return f"https://www.semanticscholar.org/doi/{self.doi}"
        return "https://www.semanticscholar.org/search?" + urlencode({"q": self.title})

    @property
    def google_scholar_url(self) -> str:
        return "https://scholar.google.com/scholar?" + urlencode({"q": f'"{self.title}"'})

    @property
    def bibtex_key(self) -> str:
        """A citation key in the usual style: first author's surname, year, first word of the title."""
        authors = self.ordered_authors
        surname = authors[0].name.split()[-1] if authors else ""
        words = [w for w in re.split(r"\W+", self.title) if len(w) > 3] or [self.title]
        key = f"{surname}{self.year or ''}{words[0]}"
        ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9]", "", ascii_key).lower() or f"paper{self.pk}"

    def to_bibtex(self) -> str:
        """A BibTeX entry for this paper (uses the prefetched authorships and venue when present)."""
        venue = self.venue
        fields: list[tuple[str, str]] = [("title", self.title)]
        authors = self.ordered_authors
        if authors:
            fields.append(("author", " and ".join(author.name for author in authors)))
        if venue and venue.kind == Venue.Kind.JOURNAL:
            entry_type = "article"
            fields.append(("journal", venue.name))
        elif venue and venue.kind in (Venue.Kind.CONFERENCE, Venue.Kind.WORKSHOP):
            entry_type = "inproceedings"
            fields.append(("booktitle", venue.name))
        else:
            entry_type = "misc"
        if self.year:
            fields.append(("year", str(self.year)))
        if self.doi:
            fields.append(("doi", self.doi))
        if self.arxiv_id:
            fields += [("eprint", self.arxiv_id), ("archivePrefix", "arXiv")]
        url = self.arxiv_url or self.doi_url or self.publisher_url
        if url:
            fields.append(("url", url))
        body = ",\n".join(f"  {name} = {{{bibtex_escape(value)}}}" for name, value in fields)
        return f"@{entry_type}{{{self.bibtex_key},\n{body}\n}}\n"

    @property
    def list_authors(self) -> list[Author]:
        """The first LIST_AUTHORS authors (from the ``for_list()`` prefetch when present)."""
        return [authorship.author for authorship in self._first_authorships()[:LIST_AUTHORS]]

    @property
    def has_more_authors(self) -> bool:
        return len(self._first_authorships()) > LIST_AUTHORS

    def _first_authorships(self) -> list[PaperAuthor]:
        authorships = getattr(self, "first_authorships", None)
        if authorships is None:
            authorships = self.first_authorships = list(self.authorships.select_related("author")[: LIST_AUTHORS + 1])
        return authorships

    @property
    def ordered_authors(self) -> list[Author]:
        """Authors in paper order; uses the prefetched authorships when present."""
        return [authorship.author for authorship in self.authorships.all()]

    def affiliations(self) -> list[str]:
        """The authors' affiliations on this paper, de-duplicated, in author order then each author's order
        (uses the prefetched authorships when present, e.g. ``with_page_data``)."""
        seen: dict[str, None] = {}
        for authorship in self.authorships.all():
            for affiliation in authorship.affiliations:
                name = " ".join(affiliation.split())
                if name:
                    seen.setdefault(name, None)
        return list(seen)

    def affiliation_line(self) -> str:
        """The digest's affiliations line without its brackets: ``Stanford University & Element AI`` ("" if none)."""
        return " & ".join(self.affiliations())

    def set_authors(self, names: list[str]) -> None:
        """Replace the ordered author list, reusing authors with the same printed name."""
        PaperAuthor.objects.filter(paper=self).delete()
        rows = []
        for position, name in enumerate(dict.fromkeys(n.strip() for n in names if n.strip())):
            author = Author.objects.filter(name__iexact=name).order_by("id").first() or Author.objects.create(name=name)
            rows.append(PaperAuthor(paper=self, author=author, position=position))
        PaperAuthor.objects.bulk_create(rows)
        self.refresh_search_vector()


class PaperAuthor(models.Model):
    """One author's place in a paper's ordered author list."""

    # No single-column indexes: paperauthor_position_uniq (paper, …) and paperauthor_author_idx (author, …) lead
    # with these columns, and every index more is one more write for each of the snapshot's ~11 M bylines.
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships", db_index=False)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="authorships", db_index=False)
    position = models.PositiveSmallIntegerField()
    # This author's affiliations on this paper, in order (a person moves; the next paper may differ).
    affiliations = ArrayField(models.CharField(max_length=300), default=list, db_default=[], blank=True)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="paperauthor_position_uniq"),
            models.UniqueConstraint(fields=["paper", "author"], name="paperauthor_author_uniq"),
        ]
        indexes = [
            # Author page: the author's papers.
            models.Index(fields=["author", "paper"], name="paperauthor_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.author} — {self.paper}"


class PaperCategoryQuerySet(models.QuerySet):
    def latest_day(self, code: str):
        """The latest announcement day on which ``code`` listed a paper, or None (one index probe)."""
        return (
            self.filter(category_id=code, announced_on__isnull=False)
            .order_by(models.F("announced_on").desc(nulls_last=True))
            .values_list("announced_on", flat=True)
            .first()
        )


class PaperCategory(models.Model):
    """One of a paper's arXiv categories: position 0 is the primary category, then the cross-lists in order.
    ``announced_on`` is copied from the paper so a category's listing is one index range scan."""

    # Indexed by papercategory_uniq (paper, …) and papercategory_listing_idx (category, …), not on their own.
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="category_links", db_index=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="paper_links", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    announced_on = models.DateField(null=True, blank=True)

    objects = PaperCategoryQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [models.UniqueConstraint(fields=["paper", "category"], name="papercategory_uniq")]
        indexes = [
            # /list/cs.LG/ (newest first, keyset on paper id) and /list/cs.LG/new/ (one day).
            models.Index(
                models.F("category"),
                models.F("announced_on").desc(nulls_last=True),
                models.F("paper").desc(),
                name="papercategory_listing_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.category_id}"


class TitleWord(models.Model):
    """A word found in some paper's title (lower-cased): the vocabulary that "Did you mean" corrects misspelt
    words from (``discovery.search.suggest``). Filled by ``papers.vectors.update_paper_search_vector`` with the
    other derived search data; a word is never removed (a word of a deleted title only costs a row)."""

    word = models.CharField(max_length=40, primary_key=True)

    class Meta:
        indexes = [
            # The title word nearest to a misspelt one by trigram distance (``<->``, nearest-neighbour walk).
            GistIndex(fields=["word"], name="titleword_trgm_idx", opclasses=["gist_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.word


class HarvestState(models.Model):
    """Where one arXiv harvest stands (``papers.arxiv.harvest``): an OAI-PMH run's resumption token and latest
    datestamp, saved with each page's records so an interrupted run resumes where it stopped
    (``harvest_arxiv --resume``) and the daily run asks only for what changed since the last one."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running (or interrupted)"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # "oai:cs:arXiv" (a backfill of a set in a format), "daily:cs" (the daily completion), "rss:cs.LG".
    key = models.CharField(max_length=100, unique=True)
    set_spec = models.CharField(max_length=60, blank=True)
    metadata_prefix = models.CharField(max_length=20, blank=True)
    from_date = models.DateField(null=True, blank=True)
    until_date = models.DateField(null=True, blank=True)
    resumption_token = models.TextField(blank=True)  # empty: the run is at its start or finished
    last_datestamp = models.DateField(null=True, blank=True)  # the latest record datestamp (or feed day) stored
    records = models.PositiveIntegerField(default=0)  # records stored by this run so far
    pages = models.PositiveIntegerField(default=0)
    complete_list_size = models.PositiveIntegerField(null=True, blank=True)  # arXiv's count for the whole run
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.get_status_display()}, {self.records} records"
