"""The viewer's votes for a whole page of summaries in one query.

Usage (summary lists and pages)::

    {% load voting %}
    {% my_votes page.object_list as votes %}
    {% for summary in page.object_list %}
      {% include "includes/vote_widget.html" with my_vote=votes|get_item:summary.pk %}
    {% endfor %}

Querysets can instead annotate ``my_vote`` with ``Summary.objects.with_vote_of(user)``.
Without ``my_vote`` the widget still works; it just highlights nothing.
"""

from django import template

from summaries.models import Vote

register = template.Library()


@register.simple_tag(takes_context=True)
def my_votes(context, summaries) -> dict[int, int]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    ids = [getattr(summary, "pk", summary) for summary in summaries]
    if not ids:
        return {}
    return dict(Vote.objects.filter(user=user, summary_id__in=ids).values_list("summary_id", "value"))


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` or None; for dictionaries built in views or by ``my_votes``."""
    if not mapping:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None
