from __future__ import annotations

import functools
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connection, connections, models
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
    def signed_in(self, pk) -> User | None:
        """The member ``pk`` as a signed-in request needs them: their row and their roles (``is_moderator``,
        ``is_curator``: the names of their groups) in one statement, or None. Every signed-in request loads its
        member this way (``accounts.backends``).

        Through the ORM, building the query of the user's columns cost more than running it, and a summary page asked
        for the moderator role in a second query: loading the member took 1.0 ms of a member's page, now 0.7
        (docs/performance.md). The row goes through each field's ``from_db_value`` and ``Model.from_db``, as a
        queryset's rows do; the statement is built once per process. Nothing is cached across requests: a ban, a
        deactivation or a role taken away applies to the member's next request."""
        sql, fields = _signed_in_statement(self.model)
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = [
            field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
            for field, value in zip(fields, row, strict=False)
        ]
        member = self.model.from_db(self.db, [field.attname for field in fields], values)
        member._is_moderator, member._is_curator = MODERATORS_GROUP in row[-1], CURATORS_GROUP in row[-1]
        return member


@functools.cache
def _signed_in_statement(model) -> tuple[str, list]:
    """``MemberManager.signed_in``'s SQL (parameter: the member's id): the member's fields, then the names of their
    groups as an array; and those fields."""
    quote = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    groups = model._meta.get_field("groups")
    group_names = (
        f"ARRAY (SELECT g.name FROM {quote(groups.remote_field.through._meta.db_table)} m"
        f" JOIN {quote(groups.related_model._meta.db_table)} g ON g.id = m.{quote(groups.m2m_reverse_name())}"
        f" WHERE m.{quote(groups.m2m_column_name())} = u.{quote(model._meta.pk.column)})"
    )
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    sql = (
        f"SELECT {columns}, {group_names} FROM {quote(model._meta.db_table)} u"
        f" WHERE u.{quote(model._meta.pk.column)} = %s"
    )
    return sql, fields


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
