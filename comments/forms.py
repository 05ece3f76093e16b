"""Comment forms: a Markdown subset (see shortscience.lib.markdown.render_comment), one level of replies."""

from __future__ import annotations

from django import forms

from comments.models import Comment

COMMENT_MAX_LENGTH = 10_000
OUT_OF_DATE = "This form was out of date, so the comment was not posted. Your text is kept: post it again."


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown: emphasis, links, lists, code, quotes and $math$. Be kind and specific.",
        error_messages={"required": "Write something before posting: the comment is empty."},
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Set when the form is rendered ({% submission_key %}): posting the same form again stores nothing new.
    submission = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE}
    )

    def __init__(self, *args, summary=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.summary = summary

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before posting: the comment is empty.")
        return body

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = Comment.objects.filter(pk=parent_id, summary=self.summary).first()
        if parent is None or not parent.is_shown:
            raise forms.ValidationError("The comment you replied to no longer exists.")
        if parent.parent_id is not None:
            raise forms.ValidationError("Replies go one level deep: reply to the top-level comment instead.")
        return parent

    def save(self, *, writer) -> tuple[Comment, bool]:
        """The new comment and True, or the comment this form already posted and False."""
        return Comment.post(
            summary=self.summary,
            writer=writer,
            parent=self.cleaned_data.get("parent"),
            body=self.cleaned_data["body"],
            submission_key=self.cleaned_data["submission"],
        )


class CommentEditForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": "Your comment"}
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"body": "Markdown: emphasis, links, lists, code, quotes and $math$."}
        error_messages = {"body": {"required": "A comment cannot be empty; delete it instead."}}

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("A comment cannot be empty; delete it instead.")
        return body
