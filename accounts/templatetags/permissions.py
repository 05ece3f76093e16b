"""Template access to accounts.permissions: ``{% load permissions %}{% if user|can_vote:summary %}``."""

from django import template

from accounts import permissions

register = template.Library()


@register.filter
def can_vote(user, summary) -> bool:
    return permissions.can_vote(user, summary)


@register.filter
def can_edit_summary(user, summary) -> bool:
    return permissions.can_edit_summary(user, summary)


@register.filter
def is_suspended(user) -> bool:
    return permissions.is_suspended(user)


@register.filter
def can_report(user, obj=None) -> bool:
    """``user|can_report`` (may report at all) or ``user|can_report:summary`` (may report this item)."""
    return permissions.can_report(user, obj)


@register.filter
def can_delete_summary(user, summary) -> bool:
    return permissions.can_delete_summary(user, summary)


@register.filter
def can_view_revisions(user, summary) -> bool:
    return permissions.can_view_revisions(user, summary)


@register.filter
def can_share_summary(user, summary) -> bool:
    return permissions.can_share_summary(user, summary)
