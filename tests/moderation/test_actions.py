"""Every moderation action: state, counters and the audit entry."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_comment, can_contribute, can_report, can_vote
from comments.models import Comment
from moderation import actions
from moderation.models import AuditEntry, Report
from summaries.editing import initial_state_for
from summaries.models import Summary, Vote
from tests.factories import CommentFactory, PaperFactory, SummaryFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


def fresh(obj):
    obj.refresh_from_db()
    return obj


def only_entry(**filters):
    entries = list(AuditEntry.objects.filter(**filters))
    assert len(entries) == 1, entries
    return entries[0]


def test_hiding_a_summary_updates_counters_and_audits(moderator):
    summary = SummaryFactory()
    paper, writer, venue = summary.paper, summary.writer, summary.paper.venue
    assert (fresh(paper).summary_count, fresh(writer).summary_count, fresh(venue).summary_count) == (1, 1, 1)

    assert actions.hide(summary, actor=moderator, reason="Off-topic rant")

    assert fresh(summary).state == Summary.State.HIDDEN
    assert (fresh(paper).summary_count, fresh(writer).summary_count, fresh(venue).summary_count) == (0, 0, 0)
    entry = only_entry(action=A.HIDE)
    assert (entry.actor, entry.content_object, entry.reason) == (moderator, summary, "Off-topic rant")

    assert actions.unhide(summary, actor=moderator, reason="Second look")
    assert fresh(summary).state == Summary.State.VISIBLE
    assert (fresh(paper).summary_count, fresh(writer).summary_count, fresh(venue).summary_count) == (1, 1, 1)
    assert only_entry(action=A.UNHIDE).reason == "Second look"


def test_hiding_twice_changes_nothing_and_records_once(moderator):
    summary = SummaryFactory()
    assert actions.hide(summary, actor=moderator, reason="x")
    assert not actions.hide(summary, actor=moderator, reason="x")
    assert AuditEntry.objects.count() == 1


def test_spam_and_restore_a_summary(moderator):
    summary = SummaryFactory()
    assert actions.mark_spam(summary, actor=moderator, reason="Pills")
    assert fresh(summary).state == Summary.State.SPAM
    assert fresh(summary.paper).summary_count == 0
    assert actions.restore(summary, actor=moderator, reason="Was a real summary")
    assert fresh(summary).state == Summary.State.VISIBLE
    assert [e.action for e in AuditEntry.objects.order_by("created_at", "id")] == [A.SPAM, A.RESTORE]


def test_hiding_a_comment_updates_comment_count_and_audits(moderator):
    comment = CommentFactory()
    assert fresh(comment.summary).comment_count == 1
    assert actions.hide(comment, actor=moderator, reason="Rude")
    assert fresh(comment).state == Comment.State.HIDDEN
    assert fresh(comment.summary).comment_count == 0
    assert only_entry(action=A.HIDE).content_object == comment
    assert actions.mark_spam(comment, actor=moderator, reason="Actually spam")
    assert actions.restore(comment, actor=moderator, reason="No")
    assert fresh(comment.summary).comment_count == 1


def test_hiding_resolves_open_reports_on_the_item(moderator, member):
    comment = CommentFactory()
    actions.create_report(reporter=member, obj=comment, reason="abuse")
    actions.create_report(reporter=UserFactory(), obj=comment, reason="spam")
    actions.hide(comment, actor=moderator, reason="Abusive")
    assert not Report.objects.open().exists()
    assert set(Report.objects.values_list("status", "resolved_by")) == {("resolved", moderator.pk)}
    assert only_entry(action=A.HIDE).details == {"reports_resolved": 2}


def test_papers_cannot_be_hidden(moderator):
    with pytest.raises(actions.ModerationError):
        actions.hide(PaperFactory(), actor=moderator, reason="x")


def test_feature_and_unfeature(moderator):
    summary = SummaryFactory()
    assert actions.feature(summary, actor=moderator, reason="Great")
    summary = fresh(summary)
    assert summary.is_featured and summary.featured_at
    assert list(Summary.objects.listed().filter(is_featured=True)) == [summary]
    assert actions.unfeature(summary, actor=moderator, reason="Rotate")
    assert not fresh(summary).is_featured
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [A.FEATURE, A.UNFEATURE]


def test_hidden_summaries_cannot_be_featured(moderator):
    summary = SummaryFactory(state=Summary.State.HIDDEN)
    with pytest.raises(actions.ModerationError):
        actions.feature(summary, actor=moderator, reason="x")
    assert not AuditEntry.objects.exists()


def test_approve_publishes_a_held_summary(moderator):
    summary = SummaryFactory(state=Summary.State.PENDING)
    assert fresh(summary.paper).summary_count == 0
    assert actions.approve(summary, actor=moderator, reason="Fine")
    assert fresh(summary).state == Summary.State.VISIBLE
    assert fresh(summary.paper).summary_count == 1
    assert only_entry(action=A.APPROVE).actor == moderator


def test_ban_blocks_contributions_discounts_votes_and_hides_content(moderator):
    spammer = UserFactory(username="spammer")
    own = SummaryFactory(writer=spammer)
    comment = CommentFactory(writer=spammer)
    target = SummaryFactory()
    VoteFactory(user=spammer, summary=target, value=1)
    VoteFactory(summary=target, value=1)
    target.recompute_score()
    assert fresh(target).score == 2

    until = timezone.now() + timedelta(days=7)
    entry = actions.ban(spammer, actor=moderator, reason="Spam ring", until=until, hide_content=True)

    spammer = fresh(spammer)
    assert spammer.is_banned and spammer.ban_reason == "Spam ring" and spammer.banned_until == until
    assert not can_contribute(spammer) and not can_report(spammer)
    assert not can_vote(spammer, target) and not can_comment(spammer, target)
    assert fresh(target).score == 1  # the banned member's vote no longer counts
    assert fresh(own).state == Summary.State.HIDDEN
    assert fresh(comment).state == Comment.State.HIDDEN
    assert fresh(spammer).summary_count == 0
    assert entry.action == A.BAN and entry.actor == moderator and entry.content_object == spammer
    assert entry.details["hidden"] == {"summaries": [own.pk], "comments": [comment.pk]}


def test_unban_restores_what_the_ban_hid_but_not_what_a_moderator_hid_before(moderator):
    writer = UserFactory(username="writer")
    hidden_before = SummaryFactory(writer=writer)
    actions.hide(hidden_before, actor=moderator, reason="Earlier problem")
    hidden_by_ban = SummaryFactory(writer=writer)
    comment = CommentFactory(writer=writer)
    target = SummaryFactory()
    VoteFactory(user=writer, summary=target, value=-1)
    target.recompute_score()
    actions.ban(writer, actor=moderator, reason="x", hide_content=True)
    assert fresh(target).score == 0

    entry = actions.unban(writer, actor=moderator, reason="Appeal accepted")

    assert not fresh(writer).is_banned
    assert fresh(hidden_by_ban).state == Summary.State.VISIBLE
    assert fresh(comment).state == Comment.State.VISIBLE
    assert fresh(hidden_before).state == Summary.State.HIDDEN
    assert fresh(target).score == -1
    assert entry.action == A.UNBAN
    assert entry.details["restored"] == {"summaries": [hidden_by_ban.pk], "comments": [comment.pk]}


def test_ban_without_hiding_leaves_content_visible(moderator):
    summary = SummaryFactory()
    actions.ban(summary.writer, actor=moderator, reason="x")
    assert fresh(summary).state == Summary.State.VISIBLE


def test_site_owners_cannot_be_banned(moderator, superuser):
    with pytest.raises(actions.ModerationError):
        actions.ban(superuser, actor=moderator, reason="x")
    assert not fresh(superuser).is_banned


def test_expired_ban_no_longer_blocks():
    member = UserFactory()
    member.ban(reason="x", until=timezone.now() + timedelta(seconds=1))
    member.banned_until = timezone.now() - timedelta(seconds=1)
    assert not member.is_banned and can_contribute(member)


def test_expired_bans_are_lifted_like_an_unban(moderator):
    writer = UserFactory(username="writer")
    hidden_by_ban = SummaryFactory(writer=writer)
    target = SummaryFactory()
    VoteFactory(user=writer, summary=target, value=1)
    target.recompute_score()
    actions.ban(
        writer, actor=moderator, reason="cool down", until=timezone.now() + timedelta(days=7), hide_content=True
    )
    still_banned = UserFactory(username="still")
    actions.ban(still_banned, actor=moderator, reason="x", until=timezone.now() + timedelta(days=30))
    forever = UserFactory(username="forever")
    actions.ban(forever, actor=moderator, reason="x")
    assert fresh(target).score == 0

    assert actions.end_expired_bans(now=timezone.now() + timedelta(days=6)) == []
    [entry] = actions.end_expired_bans(now=timezone.now() + timedelta(days=8))

    assert (entry.action, entry.actor, entry.content_object) == (A.UNBAN, None, writer)
    assert fresh(writer).banned_at is None
    assert fresh(hidden_by_ban).state == Summary.State.VISIBLE
    assert fresh(target).score == 1
    assert fresh(still_banned).is_banned and fresh(forever).is_banned
    User.objects.filter(pk=still_banned.pk).update(banned_until=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("end_expired_bans", stdout=out)
    assert "1 expired ban(s) lifted." in out.getvalue() and not fresh(still_banned).is_banned
    assert fresh(forever).is_banned


def test_resolve_and_dismiss_reports(moderator, member):
    summary = SummaryFactory()
    report = actions.create_report(reporter=member, obj=summary, reason="wrong_paper")
    assert actions.resolve_report(report, actor=moderator, reason="Moved to the right paper")
    report = fresh(report)
    assert (report.status, report.resolved_by) == (Report.Status.RESOLVED, moderator)
    assert report.resolved_at is not None
    assert not actions.resolve_report(report, actor=moderator, reason="again")
    second = actions.create_report(reporter=member, obj=summary, reason="other")  # the first one is closed
    assert actions.dismiss_report(second, actor=moderator, reason="Fine")
    assert fresh(second).status == Report.Status.DISMISSED
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [A.RESOLVE, A.DISMISS]


def test_dismissing_the_reports_of_an_auto_hidden_item_shows_it_again(moderator, settings):
    settings.REPORT_AUTOHIDE_THRESHOLD = 1
    comment = CommentFactory()
    reporter = UserFactory()
    reporter.date_joined = timezone.now() - timedelta(days=10)
    reporter.save(update_fields=["date_joined"])
    reporter.emailaddress_set.create(email=reporter.email, verified=True, primary=True)
    report = actions.create_report(reporter=reporter, obj=comment, reason="abuse")
    assert fresh(comment).state == Comment.State.HIDDEN
    actions.dismiss_report(report, actor=moderator, reason="Harsh but fair")
    assert fresh(comment).state == Comment.State.VISIBLE
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [A.AUTO_HIDE, A.DISMISS, A.UNHIDE]


def test_dismissing_does_not_unhide_what_a_moderator_hid(moderator, member):
    comment = CommentFactory()
    report = actions.create_report(reporter=member, obj=comment, reason="abuse")
    Report.objects.filter(pk=report.pk).update(status="open")
    comment.set_state(Comment.State.HIDDEN)
    AuditEntry.record(actor=moderator, action=A.HIDE, obj=comment, reason="mine")
    actions.dismiss_report(report, actor=moderator, reason="x")
    assert fresh(comment).state == Comment.State.HIDDEN


def test_first_summary_is_held_only_when_the_setting_is_on(settings):
    writer = UserFactory()
    settings.HOLD_FIRST_SUMMARY_FOR_REVIEW = False
    assert initial_state_for(writer) == Summary.State.VISIBLE
    settings.HOLD_FIRST_SUMMARY_FOR_REVIEW = True
    assert initial_state_for(writer) == Summary.State.PENDING
    SummaryFactory(writer=writer, state=Summary.State.PENDING)
    assert initial_state_for(writer) == Summary.State.PENDING  # held ones do not count
    SummaryFactory(writer=writer)
    assert initial_state_for(writer) == Summary.State.VISIBLE


def test_member_cannot_vote_on_own_summary(member):
    summary = SummaryFactory(writer=member)
    assert not can_vote(member, summary)
    assert can_vote(UserFactory(), summary)


def test_new_accounts_have_lower_rate_limits():
    from accounts.ratelimit import RATES, member_limit

    new = UserFactory()
    old = UserFactory()
    old.date_joined = timezone.now() - timedelta(days=3)
    old.save(update_fields=["date_joined"])
    old.emailaddress_set.create(email=old.email, verified=True, primary=True)
    rate = RATES["report"]
    assert member_limit(old, rate) == rate.per_member
    assert member_limit(new, rate) < rate.per_member


def test_votes_cast_after_a_ban_do_not_count():
    summary = SummaryFactory()
    banned = UserFactory()
    banned.ban(reason="x")
    Vote.cast(user=banned, summary_id=summary.pk, value=1)
    assert fresh(summary).score == 0


def test_acting_on_a_stale_copy_keeps_counters_right_and_records_once(moderator):
    summary = SummaryFactory()
    stale = Summary.objects.get(pk=summary.pk)
    assert actions.hide(summary, actor=moderator, reason="first")
    assert not actions.hide(stale, actor=moderator, reason="second, from an old page")
    assert fresh(summary.paper.venue).summary_count == 0 and fresh(summary.writer).summary_count == 0
    assert AuditEntry.objects.filter(action=A.HIDE).count() == 1
    assert actions.unhide(stale, actor=moderator)
    assert fresh(summary.paper.venue).summary_count == 1


def test_saving_a_stale_summary_moves_the_venue_counter_by_the_real_change():
    summary = SummaryFactory()
    stale = Summary.objects.get(pk=summary.pk)
    summary.set_state(Summary.State.HIDDEN)
    stale.set_state(Summary.State.HIDDEN)  # the stale copy still thinks it is visible
    assert fresh(summary.paper.venue).summary_count == 0
    stale.set_state(Summary.State.VISIBLE)
    summary.set_state(Summary.State.VISIBLE)
    assert fresh(summary.paper.venue).summary_count == 1


def test_approving_from_a_stale_page_does_not_publish_a_summary_hidden_meanwhile(moderator):
    summary = SummaryFactory(state=Summary.State.PENDING)
    stale = Summary.objects.get(pk=summary.pk)
    assert actions.hide(Summary.objects.get(pk=summary.pk), actor=moderator)
    assert not actions.approve(stale, actor=moderator)
    assert fresh(summary).state == Summary.State.HIDDEN
    assert not AuditEntry.objects.filter(action=A.APPROVE).exists()


def test_restoring_from_a_stale_page_does_not_show_an_item_hidden_meanwhile(moderator):
    comment = CommentFactory(state=Comment.State.SPAM)
    stale = Comment.objects.get(pk=comment.pk)
    Comment.objects.filter(pk=comment.pk).update(state=Comment.State.HIDDEN)
    assert not actions.restore(stale, actor=moderator)
    assert fresh(comment).state == Comment.State.HIDDEN


def test_an_expired_ban_renewed_meanwhile_is_not_lifted(moderator, monkeypatch):
    member = UserFactory(username="renewed")
    actions.ban(member, actor=moderator, reason="first", until=timezone.now() + timedelta(days=1))
    later = timezone.now() + timedelta(days=2)
    real_unban = actions.unban
    renewed = []

    def unban_after_a_renewal(user, **kwargs):
        # The first expired member's unban runs while a moderator bans the second one anew.
        if not renewed:
            renewed.append(True)
            User.objects.filter(username="second").update(banned_until=later + timedelta(days=30))
        return real_unban(user, **kwargs)

    second = UserFactory(username="second")
    actions.ban(second, actor=moderator, reason="x", until=timezone.now() + timedelta(days=1))
    monkeypatch.setattr(actions, "unban", unban_after_a_renewal)
    entries = actions.end_expired_bans(now=later)
    assert [entry.content_object for entry in entries] == [member]
    assert fresh(second).is_banned
