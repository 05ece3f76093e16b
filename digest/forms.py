"""Forms of the curation pages: an entry's note, a figure, the digest's title and introduction, a schedule."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from digest.models import NOTE_LANGUAGES, NOTE_MAX_LENGTH
from summaries.forms import BODY_MAX_LENGTH


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true", "aria-describedby": "note-help"}),
        help_text="A few lines in Markdown, with LaTeX math ($…$). Saved as you type while the digest is a draft.",
    )
    language = forms.ChoiceField(label="Language of the note", choices=NOTE_LANGUAGES)
    category = forms.ChoiceField(label="Section", required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, f"{c.tag} — {c.name}") for c in categories]
        if not categories:
            del self.fields["category"]


class FigureForm(forms.Form):
    image = forms.FileField(label="Figure", help_text="PNG, JPEG, GIF or WebP; checked and re-encoded on upload.")
    caption = forms.CharField(label="Caption", max_length=300, required=False)


class DigestTextForm(forms.Form):
    title = forms.CharField(label="Title", max_length=300, required=False, help_text="Optional: a dated title is used.")
    intro = forms.CharField(
        label="Introduction",
        required=False,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional Markdown shown above the entries (the category legend is added by itself).",
    )


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publish_at"].help_text = f"In the site's time zone, {timezone.get_current_timezone_name()}."

    def clean_publish_at(self):
        value = self.cleaned_data["publish_at"]
        if value <= timezone.now():
            raise forms.ValidationError("Choose a time in the future, or publish now.")
        return value
