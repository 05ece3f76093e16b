from django import forms
from django.db.models import Q

from discovery.search import MAX_QUERY_CHARS, SearchFilters
from papers.models import Venue


class SearchForm(forms.Form):
    """The search page's form. ``q`` is never invalid (odd input gets a message, not an error)."""

    q = forms.CharField(label="Search papers and summaries", required=False, strip=True)
    venue = forms.ChoiceField(label="Venue", required=False)
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
        top = Venue.objects.filter(paper_count__gt=0).order_by("-summary_count", "-paper_count", "name")
        venues = Venue.objects.filter(Q(pk__in=top.values("pk")[: self.VENUE_CHOICES]) | Q(slug=selected))
        self.fields["venue"].choices = [("", "Any venue")] + [
            (v.slug, str(v)) for v in sorted(venues.only("slug", "name", "acronym"), key=lambda v: str(v).lower())
        ]

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
