"""``{% submission_key %}``: a fresh key for each comment form as it is rendered (see Comment.post)."""

import uuid

from django import template

register = template.Library()


@register.simple_tag
def submission_key() -> str:
    return str(uuid.uuid4())
