"""The comments of a summary page, as cheap to render as a list of cards (issue 14).

- ``{% submission_key %}``: a fresh key for each comment form as it is rendered (see Comment.post).
- ``{% prepare_comment_mains comments summary %}`` and ``{% comment_main comment summary %}``: the part of each
  comment that is the same for every reader (comments/_comment_main.html: writer, dates, text), rendered once per
  listing stamp (``versions.LISTING``, bumped by every new, edited, hidden or deleted comment and every change of
  the summary) and kept in the cache, read in one ``get_many`` for a page of threads; ``PAGE_CACHE_SECONDS`` 0
  (as in the tests) renders every time.
- ``{% comment_actions comment %}`` and ``{% reply_form comment %}``: what the viewer may do with it, worked out per
  request (``comments.threads.set_actions`` asks ``accounts.permissions``). The actions are written with
  ``format_html``; the reply form is comments/_form.html rendered once per request and given each comment's id
  and a fresh submission key. As template nodes, one include per comment, they were most of a signed-in member's
  summary page.
"""

import uuid

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.html import format_html, format_html_join

from shortscience.lib import versions
from shortscience.lib.links import url_with_id

register = template.Library()

MAIN_TEMPLATE = "comments/_comment_main.html"


@register.simple_tag
def submission_key() -> str:
    return str(uuid.uuid4())


# --- What every reader sees ------------------------------------------------------------------------------------


@register.simple_tag
def prepare_comment_mains(comments, summary) -> str:
    """Set ``main_html`` on each of ``comments`` and their ``shown_replies``, from the cache where it can. Renders
    nothing."""
    items = {
        f"comment:{summary.pk}:{comment.pk}": comment
        for thread in comments
        for comment in (thread, *getattr(thread, "shown_replies", ()))
    }
    versions.remember_rendered(
        items,
        MAIN_TEMPLATE,
        lambda comment: {"comment": comment, "summary": summary},
        "main_html",
        settings.PAGE_CACHE_SECONDS,
    )
    return ""


@register.simple_tag
def comment_main(comment, summary) -> str:
    html = getattr(comment, "main_html", None)
    if html is None:  # a page that did not prepare them (a thread's own page)
        html = get_template(MAIN_TEMPLATE).render({"comment": comment, "summary": summary})
    return html


# --- What the viewer may do --------------------------------------------------------------------------------------

_EDIT = '<a href="{edit}">Edit<span class="visually-hidden"> your comment</span></a>'
_DELETE = '<a href="{delete}">Delete<span class="visually-hidden"> your comment</span></a>'
_REPORT = (
    '<a class="report-link" href="{report}" rel="nofollow">Report<span class="visually-hidden"> this comment</span></a>'
)


def _links(request) -> dict:
    links = getattr(request, "_comment_links", None)
    if links is None:
        links = request._comment_links = {
            "edit": url_with_id("comments:edit"),
            "delete": url_with_id("comments:delete"),
            "report": url_with_id("moderation:report", "comment"),
        }
    return links


@register.simple_tag(takes_context=True)
def comment_actions(context, comment) -> str:
    """The comment's edit, delete and report links, as ``comments.threads.set_actions`` allowed them."""
    links = _links(context["request"])
    edit = format_html(_EDIT, edit=links["edit"](comment.pk)) if getattr(comment, "can_edit", False) else ""
    delete = format_html(_DELETE, delete=links["delete"](comment.pk)) if getattr(comment, "can_delete", False) else ""
    report = format_html(_REPORT, report=links["report"](comment.pk)) if getattr(comment, "can_report", False) else ""
    return format_html('\n    <div class="comment-actions">{} {} {}</div>', edit, delete, report)


# --- A whole comment ---------------------------------------------------------------------------------------------

_REPLIES = '\n      <ol class="comment-replies" aria-label="Replies">{}</ol>'
_MORE_REPLIES = (
    '\n      <p class="more-replies"><a href="{url}">{count} more {noun}<span class="visually-hidden"> to this comment'
    "</span></a></p>"
)
_REPLY = (
    '\n      <details class="reply">\n        <summary class="comment-actions">Reply'
    '<span class="visually-hidden"> to this comment</span></summary>\n        {form}\n      </details>'
)


@register.simple_tag(takes_context=True)
def comment_item(context, comment) -> str:
    """One comment as a list item: what every reader sees (``comment_main``), the viewer's actions and, on a
    top-level comment, its shown replies, the link to the others and the reply form."""
    summary = context["summary"]
    actions = comment_actions(context, comment) if comment.is_shown else ""
    replies = more = reply = ""
    if not comment.parent_id:
        shown = getattr(comment, "shown_replies", ())
        if shown:
            replies = format_html(_REPLIES, comment_items(context, shown))
        count = getattr(comment, "more_replies", 0)
        if count:
            noun = "reply" if count == 1 else "replies"
            more = format_html(_MORE_REPLIES, url=comment.more_replies_url, count=count, noun=noun)
        if getattr(comment, "can_reply", False):
            reply = format_html(_REPLY, form=reply_form(context, comment))
    return format_html(
        '\n<li class="comment" id="comment-{}">\n  {}{}{}{}{}\n</li>',
        comment.pk,
        comment_main(comment, summary),
        actions,
        replies,
        more,
        reply,
    )


@register.simple_tag(takes_context=True)
def comment_items(context, comments) -> str:
    """``comment_item`` of each of ``comments``, in order."""
    return format_html_join("", "{}", ((comment_item(context, comment),) for comment in comments))


# The reply form is rendered once per request for this parent and key, then given each comment's.
_ANY_PARENT = "replyparent918273645"


@register.simple_tag(takes_context=True)
def reply_form(context, comment) -> str:
    """comments/_form.html as a reply to ``comment`` (``form`` None: an error page renders the form itself)."""
    request = context["request"]
    form = getattr(request, "_reply_form", None)
    if form is None:
        html = get_template("comments/_form.html").render(
            {
                "summary": context["summary"],
                "parent": _ANY_PARENT,
                "form": None,
                "comment_add_url": context.get("comment_add_url"),
            },
            request,
        )
        key = html.split('name="submission" value="', 1)[1].split('"', 1)[0]
        # A format_html template: the rendered markup with its braces doubled, and two fields.
        form = request._reply_form = (
            html.replace("{", "{{").replace("}", "}}").replace(_ANY_PARENT, "{parent}").replace(key, "{key}")
        )
    return format_html(form, parent=comment.pk, key=uuid.uuid4())
