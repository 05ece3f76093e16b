"""Mailing a published digest to its subscribers: in batches, each subscriber their own selection, never twice.

``claim_batches`` runs once per digest (it sets ``Digest.mailed_at`` under the row's lock, so a second call, a
redelivered task or a second publish finds it set and does nothing) and cuts the active subscribers into ranges
of BATCH_SIZE ids (keyset over ``subscription_active_idx``, never OFFSET). ``send_batch`` mails one range: each
subscriber gets the entries of their categories (all when none chosen), starred only if they asked, and no mail
when that leaves nothing. Each mail goes through ``jobs.tasks.send_email`` keyed ``digest:<id>:to:<subscription
id>``, which sends a key once however often a batch runs; a mail the server refuses for a moment is handed to its
own retried task instead of failing the batch. Tasks: ``digest.tasks.mail_digest`` and ``mail_digest_batch``.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from digest.models import Digest, Subscription
from jobs.models import SentMail
from jobs.queue import enqueue
from jobs.tasks import RETRYABLE, send_email
from shortscience.lib.links import site_url

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def mail_key(digest_id: int, subscription_id: int) -> str:
    return f"digest:{digest_id}:to:{subscription_id}"


def claim_batches(digest_id: int) -> list[tuple[int, int]]:
    """Mark a published digest as mailed and return the id ranges (first, last) of its batches; [] when it is not
    published or was mailed already. Call inside the transaction that enqueues the batches."""
    digest = Digest.objects.select_for_update().filter(pk=digest_id).first()
    if digest is None or not digest.is_published or digest.mailed_at is not None:
        return []
    Digest.objects.filter(pk=digest_id).update(mailed_at=timezone.now())
    ids = Subscription.objects.active().order_by("pk").values_list("pk", flat=True)
    batches, after = [], 0
    while chunk := list(ids.filter(pk__gt=after)[:BATCH_SIZE]):
        batches.append((chunk[0], chunk[-1]))
        after = chunk[-1]
    return batches


def unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to the link (no sign-in, no form)."""
    return {
        "List-Unsubscribe": f"<{site_url(subscription.get_unsubscribe_url())}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{settings.SITE_NAME} digest <digest.{_list_domain()}>",
    }


def _list_domain() -> str:
    host = site_url("/").split("://", 1)[-1].strip("/")
    return host or "localhost"


# Stands for a subscriber's token while a mail is rendered once for everyone with the same selection; each copy
# then gets its subscriber's own token (the only part of a mail that differs between them).
TOKEN_PLACEHOLDER = uuid.UUID(int=0)


def render_mail(digest: Digest, entries: list, subscription: Subscription) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one subscriber's mail."""
    context = {
        "digest": digest,
        "entries": entries,
        "subscription": subscription,
        "digest_url": site_url(digest.get_absolute_url()),
        "manage_url": site_url(subscription.get_absolute_url()),
        "unsubscribe_url": site_url(subscription.get_unsubscribe_url()),
        "site_url": site_url(""),
        "SITE_NAME": settings.SITE_NAME,
    }
    starred = sum(1 for entry in entries if entry.starred)
    subject = f"{digest.display_title}: {len(entries)} paper{'s' if len(entries) != 1 else ''}"
    if starred:
        subject += f", {starred} ★"
    text = render_to_string("digest/mail/digest.txt", context)
    return subject, text, render_to_string("digest/mail/digest.html", context)


def send_batch(digest_id: int, first_id: int, last_id: int) -> int:
    """Mail the active subscribers with ids first_id..last_id; returns how many mails were sent now.

    Subscribers already mailed (a replayed batch) are skipped before anything is rendered; a mail is rendered
    once per distinct selection (categories, starred only) in the batch."""
    digest = Digest.objects.published().filter(pk=digest_id).first()
    if digest is None:  # unpublished since: send nothing
        return 0
    subscribers = list(
        Subscription.objects.active()
        .filter(pk__gte=first_id, pk__lte=last_id)
        .order_by("pk")
        .prefetch_related("categories")
    )
    keys = {mail_key(digest.pk, subscription.pk) for subscription in subscribers}
    done = set(SentMail.objects.filter(key__in=keys, sent_at__isnull=False).values_list("key", flat=True))
    subscribers = [s for s in subscribers if mail_key(digest.pk, s.pk) not in done]
    if not subscribers:
        return 0
    entries = list(digest.entries.with_number().for_display().in_order())
    rendered: dict[tuple, tuple | None] = {}
    sent = 0
    for subscription in subscribers:
        codes = frozenset(category.code for category in subscription.categories.all())
        selection = (codes, subscription.starred_only)
        if selection not in rendered:
            chosen = subscription.choose(entries, codes)
            template = Subscription(token=TOKEN_PLACEHOLDER, starred_only=subscription.starred_only)
            rendered[selection] = render_mail(digest, chosen, template) if chosen else None
        if rendered[selection] is None:
            continue
        subject, text, html = rendered[selection]
        token = str(subscription.token)
        args = (
            mail_key(digest.pk, subscription.pk),
            subject,
            text.replace(str(TOKEN_PLACEHOLDER), token),
            [subscription.email],
        )
        kwargs = {"html": html.replace(str(TOKEN_PLACEHOLDER), token), "headers": unsubscribe_headers(subscription)}
        try:
            sent += bool(send_email(*args, **kwargs))
        except RETRYABLE:
            logger.warning("Digest %s to subscription %s failed; retrying it on its own", digest.pk, subscription.pk)
            enqueue(send_email, *args, **kwargs)
    return sent
