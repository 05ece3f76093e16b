from __future__ import annotations

from django import forms
from django.utils import timezone

from moderation.models import Report


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect, label="What is wrong?")
    details = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: anything that helps a moderator decide (for example the duplicate's address).",
    )


class ReasonForm(forms.Form):
    """The moderator's reason, asked on intermediate admin pages."""

    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), help_text="Recorded in the audit trail."
    )


class BanForm(ReasonForm):
    until = forms.DateTimeField(
        required=False,
        label="Banned until",
        help_text="Leave empty for a permanent ban. Format: YYYY-MM-DD or YYYY-MM-DD HH:MM.",
    )
    hide_content = forms.BooleanField(
        required=False, label="Also hide all their summaries and comments (restored when unbanned)"
    )

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until and until <= timezone.now():
            raise forms.ValidationError("The end of the ban must be in the future.")
        return until
