"""``{% summary_cards summaries show_paper %}``: a list of summary cards (includes/summary_cards.html), each the
viewer's vote column (``vote_widget``) and the reader-independent rest (``prepare_card_mains``), from the cache when
it can be.

A card is a vote column — the viewer's own: their vote, whether they may vote, a CSRF token — and the rest
(includes/summary_card_main.html): title, byline, badges, the rendered body, links, the same for every reader.
Signed-in members' pages are never served from the page cache, so without this every one of their list pages
rendered every card again (most of a member's home page). The rest is kept here under the listing stamp
(``versions.LISTING``), which every write readers could see bumps (``shortscience.invalidation``), exactly as the
anonymous page cache is: the next request after any change renders the card afresh. One ``get_many`` for a
whole list; entries live ``PAGE_CACHE_SECONDS`` (0, as in the tests, renders every time).
"""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join

from accounts import permissions
from shortscience.lib import versions
from shortscience.lib.links import url_with_id

register = template.Library()

CARD_TEMPLATE = "includes/summary_card_main.html"


@register.simple_tag
def prepare_card_mains(summaries, show_paper=False) -> str:
    """Set ``card_main_html`` on each summary of ``summaries`` (a list, queryset or page). Renders nothing."""
    items = list(summaries)
    if not items:
        return ""
    show_paper = bool(show_paper)
    versions.remember_rendered(
        {f"card:{int(show_paper)}:{summary.pk}": summary for summary in items},
        CARD_TEMPLATE,
        lambda summary: {"summary": summary, "show_paper": show_paper},
        "card_main_html",
        settings.PAGE_CACHE_SECONDS,
    )
    return ""


# A card: its id, its vote column and the rest. As a loop of template nodes this wrapper cost a member's paper page (20
# cards) 0.8 ms, most of it in localising the ids it printed (docs/performance.md).
_CARD = (
    '\n<article class="summary-card" id="summary-{0}" aria-labelledby="summary-{0}-h">\n'
    '  <div class="vote-column">\n    {1}\n  </div>\n'
    "  {2}\n"
    "</article>\n"
)


@register.simple_tag(takes_context=True)
def summary_cards(context, summaries, show_paper=False):
    """The cards of ``summaries`` (a list, queryset or page; ``my_vote`` set by ``with_vote_of`` or
    ``summaries.listing.set_votes_of``). Every value is escaped by ``format_html``; the card's main part is the
    rendered template ``CARD_TEMPLATE`` (escaped there)."""
    items = list(summaries)
    prepare_card_mains(items, show_paper)
    return format_html_join(
        "",
        _CARD,
        ((int(summary.pk), vote_widget(context, summary), summary.card_main_html) for summary in items),
    )


# --- The vote column -------------------------------------------------------------------------------------------

_UP = '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="24" height="24"><path d="M12 5 3 17h18z" fill="currentColor"/></svg>'  # noqa: E501
_DOWN = '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="24" height="24"><path d="M12 19 3 7h18z" fill="currentColor"/></svg>'  # noqa: E501
_SIGN_IN_LINK = (
    '<a class="vote-button vote-{way}" href="{{sign_in}}" aria-label="Sign in to vote" title="Sign in to vote">'
)
# format_html strings: the markup is constant; each {field} is escaped.
_VOTE_FORM = (
    '<div class="vote-widget" data-vote-widget>\n'
    '  <form method="post" action="{action}" class="vote-form" data-vote-form>\n'
    '    <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">\n'
    '    <input type="hidden" name="next" value="{next}">\n'
    '    <button type="submit" name="value" value="1" class="vote-button vote-up" aria-label="Vote up"'
    f' aria-pressed="{{up}}" title="This summary is useful (click again to withdraw)">\n      {_UP}\n    </button>\n'
    '    <span class="score" data-score aria-live="polite" title="score">{score}</span>\n'
    '    <button type="submit" name="value" value="-1" class="vote-button vote-down" aria-label="Vote down"'
    f' aria-pressed="{{down}}" title="This summary is not useful (click again to withdraw)">\n      {_DOWN}\n'
    "    </button>\n"
    '    <span class="vote-error" data-vote-error role="alert"></span>\n'
    "  </form>\n"
    "</div>"
)
_SIGN_IN_TO_VOTE = (
    '<div class="vote-widget" data-vote-widget>\n'
    f"  {_SIGN_IN_LINK.format(way='up')}{_UP}</a>\n"
    '  <span class="score" title="score">{score}</span>\n'
    f"  {_SIGN_IN_LINK.format(way='down')}{_DOWN}</a>\n"
    "</div>"
)
_SCORE_ONLY = '<div class="vote-widget" data-vote-widget>\n  <span class="score" title="score">{score}</span>\n</div>'


@register.simple_tag(takes_context=True)
def vote_widget(context, summary, my_vote=None):
    """The vote column of ``summary`` for the viewer: up, score, down, with the viewer's vote pressed (``my_vote``,
    else ``summary.my_vote`` from ``with_vote_of`` or ``summaries.listing.set_votes_of``); a sign-in link for
    visitors; the score alone for whoever may not vote (``accounts.permissions.can_vote``). Works without JavaScript
    (a plain POST, redirected back); static/js/vote.js updates it in place.

    Written with ``format_html`` (every value escaped; nothing here is user-written) instead of a template: a
    member's list page has a vote column per card, and as template nodes they were a third of its rendering. The
    CSRF token, the page's address and the sign-in link are worked out once per request, and the voting form with
    them (a member's paper page has 20 of these).
    """
    request = context["request"]
    user = context.get("user") or request.user
    shared = getattr(request, "_vote_widget", None)
    if shared is None:
        path = request.get_full_path()
        shared = request._vote_widget = {
            "action": url_with_id("summaries:vote"),
            "next": path,
            "sign_in": f"{reverse('account_login')}?next={quote(path, safe='/')}",  # as the urlencode filter does
            "form": None,
        }
    score = localize(summary.score)
    if permissions.can_vote(user, summary):
        if shared["form"] is None:
            # What every card of the request shares (the token, the page's address), escaped and put in once;
            # the braces of what was put in are doubled so that only the card's own fields are filled below.
            shared["form"] = format_html(
                _VOTE_FORM,
                action="{action}",
                csrf=get_token(request),
                next=shared["next"].replace("{", "{{").replace("}", "}}"),
                up="{up}",
                down="{down}",
                score="{score}",
            )
        vote = int(my_vote or getattr(summary, "my_vote", 0) or 0)
        return format_html(
            shared["form"],
            action=shared["action"](summary.pk),
            up="true" if vote == 1 else "false",
            down="true" if vote == -1 else "false",
            score=score,
        )
    if not user.is_authenticated:
        return format_html(_SIGN_IN_TO_VOTE, sign_in=shared["sign_in"], score=score)
    return format_html(_SCORE_ONLY, score=score)
