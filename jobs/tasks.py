"""The base every ShortScience task builds on, and idempotent e-mail: ``send_email`` (one mail, its own task) and
``send_batch`` (many mails over one connection, inside a task of the caller's).

``ReliableTask``: acknowledged after it ran (``acks_late``: a worker that dies mid-task leaves it to another),
time-limited, retried with exponential backoff (with jitter) on network and SMTP errors; a task that still fails
after its last retry is logged with its arguments and reported to ``ADMIN_EMAILS`` — never dropped silently.
Run in-process (no broker), a task does not retry: a request must not wait through a backoff; it fails, logged
and reported, and the request goes on.

Every e-mail has a key (``comment:41:to:7``, ``hidden:12``, ``account:<uuid>``) recorded in ``SentMail`` when it
leaves: a retried or redelivered task skips the mails it already sent, so nobody gets one twice.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from celery import Task, shared_task
from django.core.mail import EmailMultiAlternatives, get_connection, mail_admins
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jobs import heartbeat as beats
from jobs.models import SentMail
from jobs.queue import enqueue

logger = logging.getLogger(__name__)

# Errors worth another try: the network, DNS, a refused or dropped SMTP connection, a temporary SMTP refusal.
RETRYABLE = (OSError, socket.timeout, smtplib.SMTPException)
SENT_MAIL_KEEP_DAYS = 30


class ReliableTask(Task):
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = RETRYABLE
    retry_backoff = 10  # seconds before the first retry, doubling each time…
    retry_backoff_max = 30 * 60  # …up to half an hour
    retry_jitter = True  # (full jitter: each wait is random, up to that)
    # Waits of up to 10 s, 20 s … 1280 s, 30 min, 30 min: at most about 1 h 40 min in all (half that on average),
    # so that an SMTP outage of an hour or so delays the mail instead of losing it. (Six retries gave up within
    # ten minutes; the half-hour cap was never reached.)
    max_retries = 10
    soft_time_limit = 120
    time_limit = 150

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager:
            # In-process: fail now (on_failure reports it) rather than retry inside somebody's request.
            raise exc if exc is not None else RuntimeError(f"{self.name} asked to retry while running in-process")
        return super().retry(*args, exc=exc, **kwargs)

    def arguments_for_report(self, args, kwargs) -> tuple[tuple, dict]:
        """What logs and failure reports show of this task's arguments: all of them, unless a task says otherwise."""
        return tuple(args or ()), dict(kwargs or {})

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        args, kwargs = self.arguments_for_report(args, kwargs)
        logger.error(
            "Task %s[%s] failed for good: %r; args=%r kwargs=%r",
            self.name,
            task_id,
            exc,
            args,
            kwargs,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        try:
            mail_admins(
                f"Task {self.name} failed",
                f"Task {self.name} [{task_id}] failed after {self.request.retries} retries.\n\n"
                f"args: {args!r}\nkwargs: {kwargs!r}\n\n{einfo}",
                fail_silently=True,
            )
        except Exception:  # the report must never mask the failure it reports
            logger.exception("Could not mail the admins about task %s", task_id)


class Mail(NamedTuple):
    """One e-mail for ``deliver``/``send_batch``; ``key`` makes it idempotent (sent at most once)."""

    key: str
    subject: str
    body: str
    to: list[str]
    html: str = ""
    headers: dict | None = None


def deliver(mail: Mail, connection=None) -> bool:
    """Send ``mail`` at most once per key: True when sent now, False when it had been sent already.

    The key's row is locked while the mail goes out, so two deliveries of the same task (a redelivery after a
    worker died, a retry racing a slow first try) send it once. ``connection``: an open mail connection to reuse
    (``send_batch``); by default the message opens its own."""
    with transaction.atomic():
        record, _ = SentMail.objects.select_for_update().get_or_create(
            key=mail.key, defaults={"to": ", ".join(mail.to)[:320], "subject": mail.subject[:300]}
        )
        if record.sent_at is not None:
            logger.info("E-mail %s was sent already; not sending it again", mail.key)
            return False
        message = EmailMultiAlternatives(
            mail.subject, mail.body, to=mail.to, headers=mail.headers or {}, connection=connection
        )
        if mail.html:
            message.attach_alternative(mail.html, "text/html")
        message.send()  # a RETRYABLE error rolls the row back and ReliableTask retries
        record.sent_at = timezone.now()
        record.save(update_fields=["sent_at"])
    return True


class MailTask(ReliableTask):
    """A ``ReliableTask`` whose logs and failure reports leave the e-mail's body out: an account e-mail's body holds
    a password-reset or sign-in link that must reach its owner's inbox only, not a log or an admin's inbox."""

    def arguments_for_report(self, args, kwargs) -> tuple[tuple, dict]:
        names = ("key", "subject", "body", "to", "html", "headers")
        named = {**dict(zip(names, args or (), strict=False)), **(kwargs or {})}
        for part in ("body", "html"):
            if named.get(part):
                named[part] = f"<{len(named[part])} characters, left out>"
        return (), named


@shared_task(base=MailTask, name="jobs.send_email")
def send_email(key: str, subject: str, body: str, to: list[str], html: str = "", headers: dict | None = None) -> bool:
    """Send one e-mail, at most once per ``key`` (``deliver``): True when sent now, False when sent already."""
    return deliver(Mail(key, subject, body, to, html, headers))


def send_batch(mails: Iterable[Mail]) -> int:
    """Send ``mails`` over one mail connection, each at most once per key; returns how many were sent now.

    Call it from a ``ReliableTask``: a lost connection raises, the task is retried, and the retry skips what
    already went out. An address the server refuses does not hold up the rest: that mail gets its own
    ``send_email`` task (same key), retried and, if it keeps failing, reported on its own."""
    sent = 0
    with get_connection() as connection:
        for mail in mails:
            try:
                sent += deliver(mail, connection)
            except smtplib.SMTPRecipientsRefused:
                logger.warning("The mail server refused %s for %s; sending it on its own", mail.to, mail.key)
                enqueue(send_email, *mail)
    return sent


# --- Periodic housekeeping (CELERY_BEAT_SCHEDULE) ------------------------------------------------------------


@shared_task(base=ReliableTask, name="jobs.heartbeat", soft_time_limit=20, time_limit=30)
def heartbeat() -> None:
    """Every minute: the worker proves it runs (``/health/``'s worker check reads the stamp)."""
    beats.beat()


def purge_sent_mail_rows(days: int = SENT_MAIL_KEEP_DAYS) -> int:
    """Delete ``SentMail`` rows older than ``days`` (indexed on ``created_at``); returns how many."""
    deleted, _ = SentMail.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


@shared_task(base=ReliableTask, name="jobs.purge_sent_mail")
def purge_sent_mail() -> int:
    """Nightly: forget e-mails sent more than ``SENT_MAIL_KEEP_DAYS`` ago (no task retries that long)."""
    deleted = purge_sent_mail_rows()
    logger.info("%d sent-mail record(s) older than %d days deleted.", deleted, SENT_MAIL_KEEP_DAYS)
    return deleted


@shared_task(base=ReliableTask, name="jobs.clear_sessions")
def clear_sessions() -> None:
    """Nightly: Django's ``clearsessions`` (one DELETE of expired sessions, on the ``expire_date`` index)."""
    call_command("clearsessions")
