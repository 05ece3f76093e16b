"""Forms of a member's own pages: sign-up (honeypot + rate limit), profile, account deletion."""

from __future__ import annotations

import re

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from django import forms

from accounts import names, ratelimit
from accounts.models import User

HONEYPOT_FIELD = "homepage"
# Shown to whoever fills the honeypot: it must not tell a bot which field gave it away.
GENERIC_SIGNUP_ERROR = "We could not create your account. Please check the form and try again."

_ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_checksum(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> str:
    """The canonical ORCID iD in ``value`` (bare or as an orcid.org link); ValidationError otherwise."""
    value = (value or "").strip()
    value = re.sub(r"^(?:https?://)?(?:www\.)?orcid\.org/", "", value, flags=re.IGNORECASE).strip("/").upper()
    if not _ORCID_RE.match(value):
        raise forms.ValidationError("An ORCID iD has the form 0000-0002-1825-0097 (four groups of four characters).")
    digits = value.replace("-", "")
    if orcid_checksum(digits[:15]) != digits[15]:
        raise forms.ValidationError("This is not a valid ORCID iD: its last character (the checksum) does not match.")
    return value


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form with a label that says what to type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or e-mail address"
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, plus a honeypot field and the per-IP sign-up rate limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A field humans never see (hidden by CSS, aria-hidden, out of the tab order) and bots fill in.
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            required=False,
            label="Leave this field empty",
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )
        self.fields[HONEYPOT_FIELD].template_name = "accounts/honeypot_field.html"

    def clean(self):
        if self.data.get(HONEYPOT_FIELD, "").strip():
            # Nothing else is validated and no account is made; the error says nothing about why.
            raise forms.ValidationError(GENERIC_SIGNUP_ERROR, code="honeypot")
        cleaned_data = super().clean()
        if not self.errors:
            # Only submissions that would create an account count against the limit.
            request = context.request
            if request is not None:
                try:
                    ratelimit.check(request, "signup")
                except ratelimit.RateLimited as error:
                    raise forms.ValidationError(str(error), code="rate_limited") from error
        return cleaned_data


class ProfileForm(forms.ModelForm):
    # Longer than the stored iD so that a pasted https://orcid.org/… link reaches clean_orcid.
    orcid = forms.CharField(label="ORCID iD", max_length=100, required=False)

    class Meta:
        model = User
        fields = [
            "display_name",
            "affiliation",
            "bio",
            "website",
            "orcid",
            "email_on_comment",
            "email_on_reply",
            "email_on_discussion",
        ]
        labels = {"display_name": "Display name", "bio": "About you", "website": "Website"}
        help_texts = {
            "display_name": "Shown on your summaries and comments instead of your username.",
            "affiliation": "University, lab or company (optional).",
            "bio": "A few words about your research interests (plain text, at most 2000 characters).",
            "website": "e.g. https://example.org/~you",
            "orcid": "Your ORCID iD, e.g. 0000-0002-1825-0097.",
            "email_on_comment": "We send one e-mail per new comment on one of your summaries.",
            "email_on_reply": "We send one e-mail per reply to one of your comments.",
            "email_on_discussion": "Follow the discussions you took part in: one e-mail per new comment.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].assume_scheme = "https"

    def clean_display_name(self) -> str:
        max_length = User._meta.get_field("display_name").max_length
        return names.clean_name(self.cleaned_data["display_name"], member=self.instance, max_length=max_length)

    def clean_website(self) -> str:
        website = self.cleaned_data["website"]
        if website and not website.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Enter a web address starting with https:// or http://.")
        return website

    def clean_orcid(self) -> str:
        value = self.cleaned_data["orcid"]
        return validate_orcid(value) if value.strip() else ""


class DeleteAccountForm(forms.Form):
    """Confirm with the password, or (for accounts made through GitHub/Google/ORCID) by typing the username."""

    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), required=False
    )
    username = forms.CharField(label="Type your username to confirm", required=False)

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if user.has_usable_password():
            del self.fields["username"]
            self.fields["password"].required = True
        else:
            del self.fields["password"]
            self.fields["username"].required = True
            self.fields["username"].help_text = f"Type “{user.username}”."

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if username != self.user.username:
            raise forms.ValidationError(f"Type your username, “{self.user.username}”, exactly.")
        return username
