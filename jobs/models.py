"""What background jobs remember so that a retried task never repeats what it already did."""

from __future__ import annotations

from django.db import models


class SentMail(models.Model):
    """One e-mail, by the key its sender gave it (e.g. ``comment:41:to:7``). A row with ``sent_at`` set means the
    mail left: a retried or redelivered task finds it and sends nothing. Rows older than
    ``jobs.tasks.SENT_MAIL_KEEP_DAYS`` are deleted by the nightly clean-up."""

    key = models.CharField(max_length=200, unique=True)
    to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="sentmail_created_idx")]

    def __str__(self) -> str:
        return self.key
