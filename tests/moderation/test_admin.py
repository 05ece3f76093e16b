"""The moderators' admin: the queue, actions, the permission boundary, the audit trail and query budgets."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import MODERATORS_GROUP, User
from comments.models import Comment
from moderation import actions
from moderation.models import AuditEntry, Report
from papers.models import Paper
from summaries.models import Summary
from tests.factories import AuthorFactory, CommentFactory, PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def moderate(obj, name):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_moderate", args=[obj.pk, name])


# --- the Moderators group -----------------------------------------------------------------------------


def test_moderators_group_has_exactly_the_permissions_moderators_need(db):
    group = Group.objects.get(name=MODERATORS_GROUP)
    perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert perms == {
        "papers.view_paper",
        "papers.change_paper",
        "papers.view_venue",
        "papers.change_venue",
        "papers.view_author",
        "papers.change_author",
        "papers.view_paperauthor",
        "papers.change_paperauthor",
        "papers.add_paperauthor",
        "papers.delete_paperauthor",
        "summaries.view_summary",
        "summaries.change_summary",
        "comments.view_comment",
        "comments.change_comment",
        "moderation.view_report",
        "moderation.change_report",
        "moderation.view_auditentry",
        "accounts.view_user",
        "accounts.ban_member",
    }


# --- the permission boundary ----------------------------------------------------------------------------


def test_moderator_cannot_change_passwords(mod_client, member):
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert mod_client.get(url).status_code == 403
    response = mod_client.post(url, {"password1": "new-pass-9876!", "password2": "new-pass-9876!"})
    assert response.status_code == 403
    assert fresh(member).check_password("correct horse battery staple")


def test_moderator_with_change_user_still_cannot_change_passwords(mod_client, moderator, member):
    moderator.user_permissions.add(Permission.objects.get(codename="change_user"))
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert mod_client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/group/",
        "/admin/auth/group/add/",
        "/admin/socialaccount/socialapp/",
        "/admin/socialaccount/socialapp/add/",
        "/admin/accounts/user/add/",
        "/admin/account/emailaddress/",
    ],
)
def test_moderator_cannot_reach_groups_permissions_or_site_settings(mod_client, url):
    assert mod_client.get(url).status_code == 403


def test_moderator_cannot_edit_the_moderators_group(mod_client):
    group = Group.objects.get(name=MODERATORS_GROUP)
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert mod_client.get(url).status_code == 403
    assert mod_client.post(url, {"name": "Moderators", "permissions": []}).status_code == 403
    assert group.permissions.count() == 19


def test_moderator_cannot_make_anyone_staff_or_superuser(mod_client, member):
    response = mod_client.post(
        change(member), {"username": member.username, "is_staff": "on", "is_superuser": "on", "date_joined_0": "x"}
    )
    assert response.status_code == 403
    member = fresh(member)
    assert not member.is_staff and not member.is_superuser


def test_rights_fields_are_read_only_for_non_superusers_even_with_change_user(mod_client, moderator, member):
    moderator.user_permissions.add(Permission.objects.get(codename="change_user"))
    html = mod_client.get(change(member)).content.decode()
    assert 'name="is_superuser"' not in html and 'name="is_staff"' not in html and 'name="groups"' not in html
    assert 'name="email"' in html


def test_superuser_edits_rights_fields(client, superuser, member):
    client.force_login(superuser)
    html = client.get(change(member)).content.decode()
    assert 'name="is_superuser"' in html and 'name="groups"' in html


def test_members_are_read_only_for_moderators(mod_client, member):
    html = mod_client.get(change(member)).content.decode()
    assert 'name="email"' not in html
    assert "Ban this member" in html


def test_member_without_staff_cannot_open_the_admin(client, member):
    client.force_login(member)
    response = client.get(changelist(Report))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_banned_moderator_loses_no_admin_view_but_staff_flag_decides(client):
    plain_staff = UserFactory(username="staff", is_staff=True)  # staff without the group: nothing to see
    client.force_login(plain_staff)
    assert client.get(changelist(Report)).status_code == 403
    assert client.get(changelist(Summary)).status_code == 403


def test_no_delete_action_for_summaries_and_comments(mod_client, client, superuser):
    SummaryFactory()
    for url in [changelist(Summary), changelist(Comment)]:
        html = mod_client.get(url).content.decode()
        assert "delete_selected" not in html
    client.force_login(superuser)
    assert "delete_selected" not in client.get(changelist(Summary)).content.decode()


# --- the audit trail ------------------------------------------------------------------------------------


def test_audit_trail_cannot_be_edited_or_deleted_even_by_superusers(client, superuser, moderator):
    summary = SummaryFactory()
    actions.hide(summary, actor=moderator, reason="x")
    entry = AuditEntry.objects.get()
    client.force_login(superuser)
    html = client.get(change(entry)).content.decode()
    assert 'name="_save"' not in html
    assert client.post(change(entry), {"reason": "rewritten"}).status_code == 403
    delete_url = reverse("admin:moderation_auditentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:moderation_auditentry_add")).status_code == 403
    assert fresh(entry).reason == "x"


def test_audit_history_shows_on_the_objects_change_page(mod_client, moderator):
    summary = SummaryFactory()
    actions.hide(summary, actor=moderator, reason="Off-topic rant")
    html = mod_client.get(change(summary)).content.decode()
    assert 'id="audit-trail"' in html and "Off-topic rant" in html and moderator.username in html
    assert mod_client.get(changelist(AuditEntry)).status_code == 200


def test_editing_a_paper_in_the_admin_is_audited(mod_client, moderator):
    paper = PaperFactory(title="Old title")
    data = {
        "title": "New title",
        "slug": paper.slug,
        "abstract": "",
        "keywords": "vision, attention",
        "source": "manual",
        "authorships-TOTAL_FORMS": "0",
        "authorships-INITIAL_FORMS": "0",
    }
    response = mod_client.post(change(paper), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    paper = fresh(paper)
    assert paper.title == "New title"
    assert set(paper.keywords.names()) == {"vision", "attention"}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EDIT)
    assert entry.actor == moderator and "title" in entry.details["fields"]


def test_reordering_authors_in_the_inline(mod_client):
    paper = PaperFactory(author_names=["Ada", "Bob", "Cy"])
    rows = list(paper.authorships.order_by("position"))
    dave = AuthorFactory(name="Dave")
    data = {
        "title": paper.title,
        "slug": paper.slug,
        "source": "manual",
        "keywords": "",
        "authorships-TOTAL_FORMS": "4",
        "authorships-INITIAL_FORMS": "3",
        "authorships-MIN_NUM_FORMS": "0",
        "authorships-MAX_NUM_FORMS": "1000",
        # Swap Ada and Bob, remove Cy, add Dave last.
        "authorships-0-id": rows[0].pk,
        "authorships-0-paper": paper.pk,
        "authorships-0-author": rows[0].author_id,
        "authorships-0-order": "2",
        "authorships-1-id": rows[1].pk,
        "authorships-1-paper": paper.pk,
        "authorships-1-author": rows[1].author_id,
        "authorships-1-order": "1",
        "authorships-2-id": rows[2].pk,
        "authorships-2-paper": paper.pk,
        "authorships-2-author": rows[2].author_id,
        "authorships-2-order": "3",
        "authorships-2-DELETE": "on",
        "authorships-3-paper": paper.pk,
        "authorships-3-author": dave.pk,
        "authorships-3-order": "9",
    }
    response = mod_client.post(change(paper), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    paper = Paper.objects.prefetch_related("authorships__author").get(pk=paper.pk)
    assert [a.name for a in paper.ordered_authors] == ["Bob", "Ada", "Dave"]
    assert [pa.position for pa in paper.authorships.all()] == [0, 1, 2]


def test_moderators_cannot_rewrite_summaries_or_change_state_through_the_form(mod_client):
    summary = SummaryFactory(body="Original words")
    html = mod_client.get(change(summary)).content.decode()
    assert 'name="body"' not in html and 'name="state"' not in html
    assert "Original words" in html  # shown as readers see it


# --- actions from the admin -----------------------------------------------------------------------------


def test_changelist_action_asks_for_a_reason_then_hides(mod_client, moderator):
    summaries = SummaryFactory.create_batch(2)
    data = {"action": "op_hide", "_selected_action": [s.pk for s in summaries]}
    page = mod_client.post(changelist(Summary), data)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert all(fresh(s).state == Summary.State.VISIBLE for s in summaries)
    response = mod_client.post(changelist(Summary), {**data, "apply": "yes", "reason": "Copied text"})
    assert response.status_code == 302
    assert all(fresh(s).state == Summary.State.HIDDEN for s in summaries)
    assert AuditEntry.objects.filter(action="hide", actor=moderator, reason="Copied text").count() == 2


@pytest.mark.parametrize(
    "operation,start,expected",
    [
        ("spam", Comment.State.VISIBLE, Comment.State.SPAM),
        ("unhide", Comment.State.HIDDEN, Comment.State.VISIBLE),
        ("restore", Comment.State.SPAM, Comment.State.VISIBLE),
    ],
)
def test_comment_buttons_on_the_change_page(mod_client, moderator, operation, start, expected):
    comment = CommentFactory(state=start)
    response = mod_client.post(moderate(comment, operation), {"reason": "Checked"})
    assert response.status_code == 302
    assert fresh(comment).state == expected
    assert AuditEntry.objects.get().actor == moderator


def test_moderate_button_needs_post_and_a_reason(mod_client):
    comment = CommentFactory()
    assert mod_client.get(moderate(comment, "hide")).status_code == 403
    mod_client.post(moderate(comment, "hide"), {"reason": ""})
    assert fresh(comment).state == Comment.State.VISIBLE


def test_feature_from_the_summary_page(mod_client):
    summary = SummaryFactory()
    mod_client.post(moderate(summary, "feature"), {"reason": "Clear and correct"})
    assert fresh(summary).is_featured
    mod_client.post(moderate(summary, "unfeature"), {"reason": "Rotate"})
    assert not fresh(summary).is_featured


def test_report_queue_lists_open_reports_first_with_the_content(mod_client, member, moderator):
    old = CommentFactory(body="An old rude remark")
    report_old = actions.create_report(reporter=member, obj=old, reason="abuse")
    actions.dismiss_report(report_old, actor=moderator, reason="fine")
    new = CommentFactory(body="Buy cheap pills now")
    actions.create_report(reporter=member, obj=new, reason="spam")
    html = mod_client.get(changelist(Report)).content.decode()
    assert html.index("Buy cheap pills") < html.index("An old rude remark")


def test_hide_from_the_report_page(mod_client, member, moderator):
    comment = CommentFactory(body="Buy cheap **pills** now")
    report = actions.create_report(reporter=member, obj=comment, reason="spam", details="Spam link")
    html = mod_client.get(change(report)).content.decode()
    assert "<strong>pills</strong>" in html  # rendered body_html inline
    assert "Hide the content" in html and "Dismiss" in html
    response = mod_client.post(moderate(report, "hide"), {"reason": "Advertising"})
    assert response.status_code == 302
    assert fresh(comment).state == Comment.State.HIDDEN
    assert fresh(report).status == Report.Status.RESOLVED
    entry = AuditEntry.objects.get(action="hide")
    assert entry.actor == moderator and "Advertising" in entry.reason


def test_spam_dismiss_and_resolve_from_the_queue(mod_client, member):
    summary = SummaryFactory()
    paper = PaperFactory()
    comment = CommentFactory()
    r1 = actions.create_report(reporter=member, obj=summary, reason="spam")
    r2 = actions.create_report(reporter=member, obj=paper, reason="duplicate")
    r3 = actions.create_report(reporter=member, obj=comment, reason="abuse")
    url = changelist(Report)
    mod_client.post(url, {"action": "op_spam", "_selected_action": [r1.pk], "apply": "yes", "reason": "Pills"})
    mod_client.post(url, {"action": "op_resolve", "_selected_action": [r2.pk], "apply": "yes", "reason": "Merged"})
    mod_client.post(url, {"action": "op_dismiss", "_selected_action": [r3.pk], "apply": "yes", "reason": "Fine"})
    assert fresh(summary).state == Summary.State.SPAM
    assert [fresh(r).status for r in (r1, r2, r3)] == ["resolved", "resolved", "dismissed"]
    assert fresh(comment).state == Comment.State.VISIBLE


def test_reports_cannot_be_added_from_the_admin(mod_client):
    assert mod_client.get(reverse("admin:moderation_report_add")).status_code == 403


def test_ban_form_from_the_member_page(mod_client, moderator):
    spammer = UserFactory(username="spammer")
    summary = SummaryFactory(writer=spammer)
    url = reverse("admin:accounts_user_ban", args=[spammer.pk])
    assert mod_client.get(url).status_code == 200
    bad = mod_client.post(url, {"reason": "", "until": "2001-01-01"})
    assert bad.status_code == 400 and "must be in the future" in bad.content.decode()
    response = mod_client.post(url, {"reason": "Spam", "until": "", "hide_content": "on"})
    assert response.status_code == 302
    assert fresh(spammer).is_banned
    assert fresh(summary).state == Summary.State.HIDDEN
    entry = AuditEntry.objects.get(action="ban")
    assert entry.actor == moderator and entry.reason == "Spam"
    mod_client.post(moderate(spammer, "unban"), {"reason": "Appeal"})
    assert not fresh(spammer).is_banned
    assert fresh(summary).state == Summary.State.VISIBLE


def test_ban_action_on_the_member_list(mod_client):
    members = UserFactory.create_batch(2)
    data = {"action": "ban_members", "_selected_action": [m.pk for m in members]}
    assert "Banned until" in mod_client.post(changelist(User), data).content.decode()
    mod_client.post(changelist(User), {**data, "apply": "yes", "reason": "Ring"})
    assert all(fresh(m).is_banned for m in members)


def test_staff_without_ban_permission_cannot_ban(client, member):
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_user_ban", args=[member.pk])).status_code == 403
    assert "ban_members" not in client.get(changelist(User)).content.decode()


# --- dashboard -------------------------------------------------------------------------------------------


def test_dashboard_shows_moderation_counts_with_links(mod_client, member):
    actions.create_report(reporter=member, obj=SummaryFactory(), reason="spam")
    banned = UserFactory()
    banned.ban(reason="x")
    html = mod_client.get(reverse("admin:index")).content.decode()
    assert "Open reports" in html and "?status__exact=open" in html
    assert "New summaries today" in html and "New members today" in html and "Banned members" in html
    assert mod_client.get(changelist(User) + "?banned=yes").status_code == 200
    assert mod_client.get(changelist(Report) + "?status__exact=open").status_code == 200


def test_dashboard_query_count_is_small(mod_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        assert mod_client.get(reverse("admin:index")).status_code == 200


# --- query budgets ---------------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _make_rows(kind, n, member):
    if kind == "summary":
        SummaryFactory.create_batch(n)
    elif kind == "comment":
        CommentFactory.create_batch(n)
    elif kind == "paper":
        PaperFactory.create_batch(n)
    elif kind == "user":
        UserFactory.create_batch(n)
    elif kind == "report":
        for i in range(n):
            obj = [SummaryFactory, CommentFactory, PaperFactory][i % 3]()
            actions.create_report(reporter=member, obj=obj, reason="spam")
    elif kind == "audit":
        summary = SummaryFactory()
        for _ in range(n):
            AuditEntry.record(actor=member, action="hide", obj=summary, reason="x")


@pytest.mark.parametrize(
    "kind,model",
    [
        ("summary", Summary),
        ("comment", Comment),
        ("paper", Paper),
        ("user", User),
        ("report", Report),
        ("audit", AuditEntry),
    ],
)
def test_admin_changelists_run_a_constant_number_of_queries(mod_client, member, kind, model):
    _make_rows(kind, 30, member)
    few = count_queries(mod_client, changelist(model))
    _make_rows(kind, 270, member)
    many = count_queries(mod_client, changelist(model))
    assert many == few
    assert many <= 15


@pytest.mark.parametrize(
    "model,query",
    [
        (Summary, "?state__exact=hidden&writer=member&venue=cot1&q=learning"),
        (Comment, "?state__exact=visible&writer=member&venue=COT1&created_at__year=2020"),
        (Paper, "?venue=cot1&year=2020&q=study"),
        (User, "?banned=yes&q=member"),
        (Report, "?status__exact=open&reason__exact=spam"),
        (AuditEntry, "?action__exact=hide&q=summary"),
    ],
)
def test_admin_search_and_filters(mod_client, model, query):
    SummaryFactory()
    assert mod_client.get(changelist(model) + query).status_code == 200


def test_writer_and_venue_filters_narrow_the_list(mod_client):
    mine = SummaryFactory(writer=UserFactory(username="alice"))
    other = SummaryFactory(writer=UserFactory(username="bob"))
    html = mod_client.get(changelist(Summary) + "?writer=alice").content.decode()
    assert change(mine) in html and change(other) not in html
    venue = other.paper.venue
    html = mod_client.get(changelist(Summary) + f"?venue={venue.acronym.lower()}").content.decode()
    assert change(other) in html and change(mine) not in html


def test_dashboard_links_open_filtered_lists(mod_client):
    from moderation.templatetags.moderation_admin import moderation_dashboard

    today = SummaryFactory()
    request = mod_client.get(reverse("admin:index")).wsgi_request
    cards = {c["label"]: c for c in moderation_dashboard({"request": request})}
    assert cards["New summaries today"]["count"] == 1
    html = mod_client.get(cards["New summaries today"]["url"]).content.decode()
    assert change(today) in html
    assert mod_client.get(cards["New members today"]["url"]).status_code == 200


def test_demo_moderator_can_open_every_moderation_page(client, settings):
    from django.contrib import admin
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("load_demo")
    moderator = User.objects.get(username="moderator")
    client.force_login(moderator)
    assert client.get(reverse("admin:index")).status_code == 200
    for model in [Report, AuditEntry, Summary, Comment, Paper, User]:
        assert client.get(changelist(model)).status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            assert client.get(change(obj)).status_code == 200, model
    registered = set(admin.site._registry)
    assert {Report, AuditEntry, Summary, Comment, Paper, User} <= registered


def test_moderator_policy_applied_again_resets_the_group_to_exactly_its_permissions(db):
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from moderation.policy import PERMISSIONS, apply_moderator_policy

    group = Group.objects.get(name=MODERATORS_GROUP)
    group.permissions.add(Permission.objects.get(codename="change_user"))
    group.permissions.remove(Permission.objects.get(codename="ban_member"))
    apply_moderator_policy(apps, SimpleNamespace(connection=connection))
    perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert perms == {f"{app}.{codename}" for app, codenames in PERMISSIONS.items() for codename in codenames}


def test_migration_0002_applies_its_own_copy_of_the_policy_not_a_later_one(db, monkeypatch):
    """A later policy may name permissions of models added after 0002; a fresh database must still migrate."""
    import importlib

    from django.apps import apps

    from moderation import policy

    migration = importlib.import_module("moderation.migrations.0002_moderators_group")
    assert migration.PERMISSIONS == policy.PERMISSIONS  # the same list today
    monkeypatch.setitem(policy.PERMISSIONS, "moderation", [*policy.PERMISSIONS["moderation"], "publish_digest"])
    with connection.schema_editor() as editor:
        migration.apply_policy_of_0002(apps, editor)  # before: Permission.DoesNotExist for publish_digest
    group = Group.objects.get(name=MODERATORS_GROUP)
    assert not group.permissions.filter(codename="publish_digest").exists()
