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
