"""The base every ShortScience task builds on, and the idempotent e-mail task.

``ReliableTask``: acknowledged after it ran (``acks_late``: a worker that dies mid-task leaves it to another),
time-limited, retried with exponential backoff (with jitter) on network and SMTP errors; a task that still fails
after its last retry is logged with its arguments and reported to ``ADMIN_EMAILS`` — never dropped silently.
Run in-process (no broker), a task does not retry: a request must not wait through a backoff; it fails, logged
and reported, and the request goes on.
"""

from __future__ import annotations

import logging
import smtplib
import socket
from datetime import timedelta

from celery import Task, shared_task
from django.core.mail import EmailMultiAlternatives, mail_admins
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jobs import heartbeat as beats
from jobs.models import SentMail

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
    retry_jitter = True
    max_retries = 6
    soft_time_limit = 120
    time_limit = 150

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager:
            # In-process: fail now (on_failure reports it) rather than retry inside somebody's request.
            raise exc if exc is not None else RuntimeError(f"{self.name} asked to retry while running in-process")
        return super().retry(*args, exc=exc, **kwargs)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
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


@shared_task(base=ReliableTask, name="jobs.send_email")
def send_email(key: str, subject: str, body: str, to: list[str], html: str = "", headers: dict | None = None) -> bool:
    """Send one e-mail, at most once per ``key``: True when sent now, False when it had been sent already.

    The key's row is locked while the mail goes out, so two deliveries of the same task (a redelivery after a
    worker died, a retry racing a slow first try) send it once."""
    with transaction.atomic():
        record, _ = SentMail.objects.select_for_update().get_or_create(
            key=key, defaults={"to": ", ".join(to)[:320], "subject": subject[:300]}
        )
        if record.sent_at is not None:
            logger.info("E-mail %s was sent already; not sending it again", key)
            return False
        message = EmailMultiAlternatives(subject, body, to=to, headers=headers or {})
        if html:
            message.attach_alternative(html, "text/html")
        message.send()  # a RETRYABLE error rolls the row back and ReliableTask retries
        record.sent_at = timezone.now()
        record.save(update_fields=["sent_at"])
    return True


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
