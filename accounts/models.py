from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone


class UserQuerySet(models.QuerySet):
    def banned(self, now=None):
        now = now or timezone.now()
        return self.filter(banned_at__isnull=False).filter(
            models.Q(banned_until__isnull=True) | models.Q(banned_until__gt=now)
        )

    def established(self, now=None):
        """Members whose word counts: an account older than ``NEW_ACCOUNT_AGE`` with a verified e-mail address,
        not banned now (a ban whose end date passed no longer counts). Fuller rate limits (``accounts.ratelimit``)
        and reports that weigh towards hiding an item (``moderation.trust.report_weight``). ``User.is_established``
        is this rule for one member."""
        now = now or timezone.now()
        verified = self.model.objects.filter(emailaddress__verified=True).values("pk")
        return self.filter(date_joined__lte=now - NEW_ACCOUNT_AGE, pk__in=verified).exclude(
            pk__in=self.banned(now).values("pk")
        )

    def staff(self):
        """Members who speak for the site: staff, superusers and moderators (their names may not be imitated)."""
        return self.filter(
            models.Q(is_staff=True) | models.Q(is_superuser=True) | models.Q(groups__name=MODERATORS_GROUP)
        ).distinct()


class MemberManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member. Profile fields live on the user: one row, one query, no profile joins."""

    display_name = models.CharField(max_length=100, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    website = models.URLField(blank=True)
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, help_text="e.g. 0000-0002-1825-0097")
    email_on_comment = models.BooleanField("e-mail me about comments on my summaries", default=True)
    # db_default too: set-based loaders (generate_bench_data) insert members without naming these columns.
    email_on_reply = models.BooleanField("e-mail me about replies to my comments", default=True, db_default=True)
    email_on_discussion = models.BooleanField(
        "e-mail me about every new comment under summaries I commented on", default=False, db_default=False
    )
    # A ban: banned_at set, banned_until empty (permanent) or in the future.
    banned_at = models.DateTimeField(null=True, blank=True)
    banned_until = models.DateTimeField(null=True, blank=True)
    ban_reason = models.CharField(max_length=500, blank=True)
    # Denormalised counters, maintained by summaries.models (one place) and recomputable.
    summary_count = models.PositiveIntegerField(default=0, editable=False)
    total_score = models.IntegerField(default=0, editable=False)

    objects = MemberManager()

    class Meta:
        indexes = [
            # Writers leaderboard: ORDER BY total_score DESC among members with public summaries.
            models.Index(
                fields=["-total_score", "id"], name="user_leaderboard_idx", condition=models.Q(summary_count__gt=0)
            ),
            # Moderator dashboard: "new members today".
            models.Index(fields=["-date_joined"], name="user_date_joined_idx"),
            models.Index(fields=["banned_at"], name="user_banned_idx", condition=models.Q(banned_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("members:profile", args=[self.username])

    @property
    def is_banned(self) -> bool:
        if self.banned_at is None:
            return False
        return self.banned_until is None or self.banned_until > timezone.now()

    @property
    def is_established(self) -> bool:
        """``UserQuerySet.established`` for this member: old enough, e-mail verified, not banned now."""
        if timezone.now() - self.date_joined < NEW_ACCOUNT_AGE or self.is_banned:
            return False
        return self.emailaddress_set.filter(verified=True).exists()

    def ban(self, *, reason: str, until=None) -> None:
        """Ban this member (``until`` None: permanently). Use moderation.actions.ban, which also audits."""
        self.banned_at = timezone.now()
        self.banned_until = until
        self.ban_reason = reason[:500]
        self.save(update_fields=["banned_at", "banned_until", "ban_reason"])

    def unban(self) -> None:
        self.banned_at = None
        self.banned_until = None
        self.ban_reason = ""
        self.save(update_fields=["banned_at", "banned_until", "ban_reason"])

    @property
    def is_moderator(self) -> bool:
        if self.is_superuser:
            return True
        if not hasattr(self, "_is_moderator"):
            self._is_moderator = self.groups.filter(name=MODERATORS_GROUP).exists()
        return self._is_moderator

    @property
    def is_curator(self) -> bool:
        """In the Curators group: curates the daily arXiv digest (``accounts.permissions.can_curate``)."""
        if not hasattr(self, "_is_curator"):
            self._is_curator = self.groups.filter(name=CURATORS_GROUP).exists()
        return self._is_curator


MODERATORS_GROUP = "Moderators"
# Members who pick, star and annotate the daily arXiv digest (made by digest's migration 0003).
CURATORS_GROUP = "Curators"
# Accounts younger than this are new: see ``UserQuerySet.established``.
NEW_ACCOUNT_AGE = timedelta(days=1)
