"""The summary editor form."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from markdownx.widgets import MarkdownxWidget

from summaries.models import Summary

BODY_MAX_LENGTH = 60_000


class EditorWidget(MarkdownxWidget):
    """django-markdownx's editor, posting to this site's guarded preview and upload views.

    ``markdownx.urls`` is never included: its own views would answer anyone. The preview pane carries the
    summary page's ``markdown-body`` class so the preview looks exactly like the published summary.
    """

    template_name = "summaries/edit/markdownx_widget.html"

    def get_context(self, name, value, attrs=None):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-markdownx-urls-path"] = reverse("summaries:preview")
        widget_attrs["data-markdownx-upload-urls-path"] = reverse("summaries:upload")
        return context

    def _render(self, template_name, context, renderer=None):
        # The project's template engine (templates/), not the form renderer's app-only one. Like Django's own
        # Widget._render, the output of an autoescaping template is marked safe; no user text is trusted.
        return mark_safe(render_to_string(template_name, context))


class SummaryForm(forms.Form):
    body = forms.CharField(
        label="Summary",
        max_length=BODY_MAX_LENGTH,
        widget=EditorWidget(attrs={"rows": 18, "spellcheck": "true", "aria-describedby": "body-help body-keys"}),
        help_text="Markdown with LaTeX math ($…$ inline, $$…$$ displayed). Drop or paste images into the editor.",
        error_messages={"required": "Write something before saving: the summary is empty."},
    )
    visibility = forms.ChoiceField(
        label="Who can read it",
        choices=Summary.Visibility.choices,
        widget=forms.RadioSelect,
        initial=Summary.Visibility.PUBLIC,
    )
    is_anonymous = forms.TypedChoiceField(
        label="Byline",
        choices=[("false", "Show my name"), ("true", "Anonymous")],
        coerce=lambda value: value in (True, "true", "True"),
        widget=forms.RadioSelect,
        initial="false",
        help_text="Anonymous summaries never show your name to readers.",
    )
    audience = forms.ChoiceField(
        label="Written for",
        choices=Summary.Audience.choices,
        initial=Summary.Audience.PRACTITIONER,
    )
    arxiv_version = forms.TypedChoiceField(label="Describes arXiv version", coerce=int, required=False)
    revision_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, paper, **kwargs):
        super().__init__(*args, **kwargs)
        self.paper = paper
        if paper.arxiv_id:
            latest = max(1, paper.arxiv_version or 1)
            self.fields["arxiv_version"].choices = [(n, f"v{n}") for n in range(latest, 0, -1)]
            self.fields["arxiv_version"].required = True
            self.fields["arxiv_version"].initial = latest
            self.fields["arxiv_version"].help_text = "The version of the paper your summary describes."
        else:
            del self.fields["arxiv_version"]

    @classmethod
    def initial_for(cls, summary: Summary | None) -> dict:
        if summary is None:
            return {"revision_number": 0}
        return {
            "body": summary.body,
            "visibility": summary.visibility,
            "is_anonymous": "true" if summary.is_anonymous else "false",
            "audience": summary.audience,
            "arxiv_version": summary.arxiv_version,
            "revision_number": summary.revision_number,
        }

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before saving: the summary is empty.")
        return body

    def summary_data(self) -> dict:
        data = {key: self.cleaned_data[key] for key in ("body", "visibility", "is_anonymous", "audience")}
        data["arxiv_version"] = self.cleaned_data.get("arxiv_version") if self.paper.arxiv_id else None
        return data


class ShareForm(forms.Form):
    action = forms.ChoiceField(choices=[("create", "Create link"), ("revoke", "Revoke link")])
