"""Forms of the "Add a paper" page: look a paper up (identifier or BibTeX) or enter it by hand."""

from __future__ import annotations

import re

from django import forms

from papers.links import URL_MAX_LENGTH, validate_web_url
from papers.sources import PaperMetadata, SourceError, parse_bibtex
from shortscience.lib.identifiers import parse_arxiv_id, parse_doi, parse_identifier

_BIBTEX_START_RE = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]")


class LookupForm(forms.Form):
    """One box: an arXiv id or link, a DOI or DOI link, or a pasted BibTeX entry."""

    identifier = forms.CharField(
        label="arXiv id or link, DOI, or a BibTeX entry",
        max_length=20_000,
        help_text="For example 1706.03762, hep-th/9901001, https://arxiv.org/abs/2101.00001v2, "
        "10.1145/3065386, https://doi.org/10.1038/nature14539 — or paste a whole @article{…} entry.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Enter an arXiv id, a DOI or a BibTeX entry."},
    )

    @property
    def is_bibtex(self) -> bool:
        return bool(_BIBTEX_START_RE.match(self.cleaned_data.get("identifier", "")))

    def clean_identifier(self) -> str:
        value = self.cleaned_data["identifier"].strip()
        if _BIBTEX_START_RE.match(value):
            return value
        parsed = parse_identifier(value)
        if parsed is None:
            shown = " ".join(value.split())[:80]
            raise forms.ValidationError(
                f"“{shown}” is not an arXiv id, arXiv link or DOI. Try something like 1706.03762, "
                "https://arxiv.org/abs/1706.03762 or 10.1145/3065386, paste a BibTeX entry, "
                "or enter the paper by hand below."
            )
        if parsed.kind == "dblp":
            raise forms.ValidationError(
                "DBLP keys cannot be looked up directly. Open the paper on dblp.org, export its BibTeX and paste that."
            )
        return value

    def parse_bibtex(self) -> PaperMetadata:
        """The pasted entry's metadata; a problem becomes an error on the field (and is raised)."""
        try:
            return parse_bibtex(self.cleaned_data["identifier"])
        except SourceError as error:
            self.add_error("identifier", str(error))
            raise


class ManualPaperForm(forms.Form):
    title = forms.CharField(max_length=500)
    authors = forms.CharField(
        label="Authors",
        help_text="One per line, in the order of the paper, e.g. “Ada Lovelace”.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
    venue = forms.CharField(
        label="Venue",
        max_length=300,
        required=False,
        help_text="Pick a suggestion or type a new one (journal, conference or “arXiv”).",
        widget=forms.TextInput(attrs={"list": "venue-suggestions", "autocomplete": "off"}),
    )
    year = forms.IntegerField(min_value=1600, max_value=2100, required=False)
    abstract = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20_000)
    arxiv_id = forms.CharField(label="arXiv id", max_length=100, required=False, help_text="e.g. 1706.03762")
    doi = forms.CharField(label="DOI", max_length=200, required=False, help_text="e.g. 10.1145/3065386")
    url = forms.URLField(
        label="Link to the paper",
        max_length=URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        validators=[validate_web_url],
    )
    keywords = forms.CharField(
        max_length=1000, required=False, help_text="Separated by commas, e.g. transformers, attention"
    )

    prefix = "manual"

    @staticmethod
    def initial_for_identifier(identifier: str) -> dict[str, str]:
        """Initial data carrying an arXiv id or DOI typed in the look-up box over to this form."""
        parsed = parse_identifier(identifier)
        if parsed is None or parsed.kind not in ("arxiv", "doi"):
            return {}
        return {"arxiv_id" if parsed.kind == "arxiv" else "doi": parsed.value}

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not re.search(r"\w", title):
            raise forms.ValidationError("Enter the paper's title.")
        return title

    def clean_authors(self) -> list[str]:
        names = [" ".join(line.split()) for line in self.cleaned_data["authors"].splitlines()]
        names = [name for name in names if name]
        if not names:
            raise forms.ValidationError("Enter at least one author, one per line.")
        if any(len(name) > 200 for name in names):
            raise forms.ValidationError("An author's name is at most 200 characters: put one author per line.")
        return names

    def clean_arxiv_id(self) -> str:
        value = self.cleaned_data["arxiv_id"].strip()
        if value and parse_arxiv_id(value) is None:
            raise forms.ValidationError("Not an arXiv id: use the form 1706.03762 or hep-th/9901001.")
        return value

    def clean_doi(self) -> str:
        value = self.cleaned_data["doi"].strip()
        if value and parse_doi(value) is None:
            raise forms.ValidationError("Not a DOI: a DOI looks like 10.1145/3065386.")
        return parse_doi(value) if value else ""

    def clean_keywords(self) -> list[str]:
        words = [" ".join(w.split()) for w in self.cleaned_data["keywords"].split(",")]
        words = [w for w in words if w]
        if any(len(w) > 100 for w in words):
            raise forms.ValidationError("A keyword is at most 100 characters; separate keywords with commas.")
        return list(dict.fromkeys(words))

    def to_metadata(self) -> PaperMetadata:
        data = self.cleaned_data
        arxiv = parse_arxiv_id(data["arxiv_id"]) if data["arxiv_id"] else None
        return PaperMetadata(
            title=data["title"],
            authors=data["authors"],
            abstract=data["abstract"].strip(),
            year=data["year"],
            venue_name=data["venue"].strip(),
            arxiv_id=arxiv.id if arxiv else "",
            arxiv_version=arxiv.version if arxiv else None,
            doi=data["doi"],
            url=data["url"],
            keywords=data["keywords"],
            source="manual",
        )
