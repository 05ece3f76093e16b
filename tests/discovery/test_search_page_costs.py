"""What a search page that misses the cache costs besides its ranking (issue 14): its highlighted fragments and its
venue filter are written in Python, the venue choices kept under the listing stamp. Same output, same escaping."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discovery.forms import QuickSelect, SearchForm
from discovery.search import Fragment
from discovery.templatetags.search_results import highlighted
from shortscience.lib import versions
from tests.factories import PaperFactory, VenueFactory

HOSTILE = "<script>alert(\"x\")</script> & 'q'"


def test_highlighted_escapes_every_fragment_and_marks_only_hits():
    html = highlighted([Fragment(HOSTILE), Fragment("<b>hit</b>", hit=True), Fragment(" tail")])
    assert html == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;<mark>&lt;b&gt;hit&lt;/b&gt;</mark> tail"
    )


def test_highlighted_falls_back_to_the_escaped_text_when_there_is_no_fragment():
    assert highlighted([], "<i>Title</i>") == "&lt;i&gt;Title&lt;/i&gt;"
    assert highlighted(None) == ""


@pytest.mark.parametrize("value", [None, "", "b", "c&d", "missing", ["b"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_venue"}, {"id": "id_venue", "aria-invalid": "true", "required": True}]
)
def test_quick_select_writes_what_djangos_select_writes(value, attrs):
    choices = [("", "Any venue"), ("b", HOSTILE), ("c&d", "C & D"), ("e", "E")]
    expected = forms.Select(choices=choices).render("venue", value, attrs=attrs)
    assert QuickSelect(choices=choices).render("venue", value, attrs=attrs) == expected


@pytest.mark.django_db
def test_the_venue_choices_are_read_once_per_listing_stamp(client, settings):
    settings.PAGE_CACHE_SECONDS = 120
    first = VenueFactory(acronym="FIRST", name="First Venue")
    PaperFactory(title="Pangolin", venue=first)
    assert "FIRST" in client.get("/search/", {"q": "pangolin"}).content.decode()

    with CaptureQueriesContext(connection) as queries:
        SearchForm({"q": "pangolin"})
    assert not [q for q in queries.captured_queries if "papers_venue" in q["sql"]]

    second = VenueFactory(acronym="SECOND", name="Second Venue")
    PaperFactory(title="Okapi", venue=second)
    versions.bump_now(versions.LISTING)  # as the commit of a new paper does (shortscience.invalidation)
    labels = [label for _, label in SearchForm({"q": "okapi"}).fields["venue"].choices]
    assert labels == ["Any venue", "FIRST", "SECOND"]


@pytest.mark.django_db
def test_a_venue_outside_the_top_stays_selectable(settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 120
    monkeypatch.setattr(SearchForm, "VENUE_CHOICES", 1)
    top = VenueFactory(acronym="TOP", name="Top Venue")
    PaperFactory.create_batch(2, venue=top)
    other = VenueFactory(acronym="OTHER", name="Other Venue")
    PaperFactory(venue=other)
    assert [slug for slug, _ in SearchForm({"q": "x"}).fields["venue"].choices] == ["", top.slug]
    form = SearchForm({"q": "x", "venue": other.slug})
    assert form.is_valid(), form.errors
    assert [slug for slug, _ in form.fields["venue"].choices] == ["", other.slug, top.slug]  # by name


# The result item as it was written in search/results.html before ``{% search_result %}``: the tag must say the same.
OLD_RESULT_TEMPLATE = """{% load search_results %}
        <li class="search-result">
          <h2 class="result-title"><a href="{{ paper.get_absolute_url }}">{{ paper.title_fragments|highlighted:paper.title }}</a></h2>
          <p class="meta">{% with authors=paper.author_names %}{% for name in authors|slice:":3" %}{{ name }}{% if not forloop.last %}, {% endif %}{% endfor %}{% if authors|length > 3 %} + {{ authors|length|add:"-3" }} more{% endif %}{% if authors and paper.venue or authors and paper.year %} · {% endif %}{% endwith %}{% if paper.venue %}{{ paper.venue }}{% endif %}{% if paper.venue and paper.year %} · {% endif %}{% if paper.year %}{{ paper.year }}{% endif %}</p>
          {% if paper.snippet %}
            <p class="snippet">{% if paper.snippet_summary_id %}<span class="snippet-source">From a summary:</span> {% endif %}{{ paper.snippet|highlighted }}</p>
          {% endif %}
          <p class="meta result-counts">
            {% if paper.summary_count %}<a href="{{ paper.get_absolute_url }}#summaries-h">{{ paper.summary_count }} summar{{ paper.summary_count|pluralize:"y,ies" }}</a>{% else %}No summary yet{% endif %}
            {% if paper.snippet_summary_id %}· <a href="{% url 'discovery:summary' paper.snippet_summary_id %}">Read the matching summary</a>{% endif %}
          </p>
        </li>"""  # noqa: E501


def _squeezed(html: str) -> str:
    return " ".join(html.replace(">", "> ").replace("<", " <").split())


@pytest.mark.django_db
@pytest.mark.parametrize("authors", [[], [HOSTILE], ["A", "B", "C"], ["A", "B", "C", "D", "E"]])
@pytest.mark.parametrize("with_venue", [True, False])
@pytest.mark.parametrize("year", [None, 2017])
@pytest.mark.parametrize(
    ("summary_count", "snippet", "snippet_summary_id"),
    [(0, [], None), (1, [Fragment(HOSTILE), Fragment("hit", hit=True)], None), (1234, [Fragment("x")], 77)],
)
def test_search_result_says_what_the_template_said(
    authors, with_venue, year, summary_count, snippet, snippet_summary_id
):
    from django.template import Context, Template

    from discovery.templatetags.search_results import search_result

    venue = VenueFactory(acronym="<V&V>", name="Venue") if with_venue else None
    paper = PaperFactory.build(pk=5, slug="a-paper", title=HOSTILE, venue=venue, year=year, summary_count=summary_count)
    paper.author_names = authors
    paper.title_fragments = [Fragment("Deep "), Fragment("<nets>", hit=True)] if authors else []
    paper.snippet = snippet
    paper.snippet_summary_id = snippet_summary_id

    expected = Template(OLD_RESULT_TEMPLATE).render(Context({"paper": paper}))
    written = search_result(paper)
    assert _squeezed(written) == _squeezed(expected)
    assert "<script>" not in written and "<V&V>" not in written
