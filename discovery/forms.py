from django import forms
from django.conf import settings
from django.utils.html import format_html, format_html_join

from discovery.search import MAX_QUERY_CHARS, SearchFilters
from papers.models import Venue
from shortscience.lib import versions


class QuickSelect(forms.Select):
    """A ``<select>`` of plain choices (no groups) written with ``format_html``, as Django's own templates write it.

    Django renders each option through its form templates: the search page's 51 venues cost 1.2 ms, every search
    page that misses the cache. Every name, value and label is escaped; attributes come from ``build_attrs`` as
    for any widget (id, aria-invalid…).
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = self.format_value(value)
        # As django/forms/widgets/attrs.html writes them: in order, True as a bare name, False left out.
        written = format_html_join(
            "",
            "{}",
            (
                (format_html(" {}", key) if item is True else format_html(' {}="{}"', key, item),)
                for key, item in self.build_attrs(self.attrs, attrs).items()
                if item is not False
            ),
        )
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            ((option, " selected" if str(option) in selected else "", label) for option, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}\n</select>', name, written, options)


def top_venue_choices() -> list[tuple[str, str]]:
    """(slug, name) of the venues offered as search filters: the VENUE_CHOICES with most summaries, then papers.
    Kept under the listing stamp: the top of a ranking of 300 venues moves slowly and every search page asks."""

    def compute():
        top = Venue.objects.filter(paper_count__gt=0).order_by("-summary_count", "-paper_count", "name")
        return [(venue.slug, str(venue)) for venue in top.only("slug", "name", "acronym")[: SearchForm.VENUE_CHOICES]]

    return versions.remember(versions.LISTING, "search:venue-choices", compute, settings.PAGE_CACHE_SECONDS)


class SearchForm(forms.Form):
    """The search page's form. ``q`` is never invalid (odd input gets a message, not an error)."""

    q = forms.CharField(label="Search papers and summaries", required=False, strip=True)
    venue = forms.ChoiceField(label="Venue", required=False, widget=QuickSelect)
    year_from = forms.IntegerField(label="From year", required=False, min_value=1600, max_value=2100)
    year_to = forms.IntegerField(label="To year", required=False, min_value=1600, max_value=2100)

    VENUE_CHOICES = 50

    def __init__(self, data=None, **kwargs):
        data = data.copy() if data is not None else None
        # ?year=2017 (links from venue-year pages) is a one-year range.
        if data is not None and data.get("year") and not (data.get("year_from") or data.get("year_to")):
            data["year_from"] = data["year_to"] = data["year"]
        super().__init__(data, **kwargs)
        selected = (data or {}).get("venue") or ""
        choices = top_venue_choices()
        if selected and selected not in {slug for slug, _ in choices}:
            # A venue outside the top (a link from its page) stays selectable.
            choices = choices + [
                (v.slug, str(v)) for v in Venue.objects.filter(slug=selected).only("slug", "name", "acronym")
            ]
        self.fields["venue"].choices = [("", "Any venue"), *sorted(choices, key=lambda choice: choice[1].lower())]

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from and year_to and year_from > year_to:
            self.add_error("year_to", "“To year” must not be before “From year”.")
        return cleaned

    @property
    def was_truncated(self) -> bool:
        return len(self.cleaned_data.get("q", "")) > MAX_QUERY_CHARS

    def filters(self) -> SearchFilters:
        return SearchFilters(
            venue=self.cleaned_data.get("venue") or "",
            year_from=self.cleaned_data.get("year_from"),
            year_to=self.cleaned_data.get("year_to"),
        )
