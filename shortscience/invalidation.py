"""Every saved or deleted row that readers could see retires the cached pages (``versions.LISTING``).

The models already bump the stamp where they save (papers, summaries, comments) and ``summaries/counters.py``
does for counters it changes without a save; this catches every other write that goes through the ORM's
``save``/``delete`` or a many-to-many change — votes, a member's profile (names and affiliations in bylines),
bans, keywords, authors, venues, digests and whatever the admin edits — so a new model of these apps is
covered without anyone remembering to bump. Bulk ``QuerySet.update`` sends no signal: code that uses one on
these tables bumps the stamp itself (merges and counters do, through the saves and counters around them).

Not covered on purpose: sessions, e-mail addresses, reports and the audit trail (readers never see them), and
a member's ``last_login`` (written on every sign-in; no page shows it).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from shortscience.lib import versions

PUBLIC_APPS = frozenset({"accounts", "papers", "summaries", "comments", "digest", "taggit"})
# Models of those apps that no public page shows.
PRIVATE_MODELS = frozenset({"digest.subscription"})
UNSEEN_FIELDS = frozenset({"last_login"})


def shown_to_readers(sender) -> bool:
    meta = getattr(sender, "_meta", None)
    return meta is not None and meta.app_label in PUBLIC_APPS and meta.label_lower not in PRIVATE_MODELS


def _saved(sender, update_fields=None, raw=False, **kwargs):
    if raw or not shown_to_readers(sender):
        return
    if update_fields and set(update_fields) <= UNSEEN_FIELDS:
        return
    versions.bump(versions.LISTING)


def _deleted(sender, **kwargs):
    if shown_to_readers(sender):
        versions.bump(versions.LISTING)


def _m2m_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and shown_to_readers(sender):
        versions.bump(versions.LISTING)


def connect() -> None:
    post_save.connect(_saved, dispatch_uid="shortscience-invalidation-save")
    post_delete.connect(_deleted, dispatch_uid="shortscience-invalidation-delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="shortscience-invalidation-m2m")
