"""The signed-in member is loaded in one statement with their roles (accounts.backends, ``User.objects.signed_in``):
the same member the ORM would load, every rule still checked on every request, and sessions from Django's and
allauth's own backends kept signed in."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.cached_db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import CURATORS_GROUP, MODERATORS_GROUP, User
from tests.factories import SummaryFactory


def _fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


@pytest.mark.django_db
def test_signed_in_loads_what_the_orm_loads_with_the_roles(member, moderator):
    member.banned_at = timezone.now()
    member.ban_reason = "spam"
    member.save()
    member.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])
    for user, moderating, curating in ((member, False, True), (moderator, True, False)):
        loaded = User.objects.signed_in(user.pk)
        assert _fields(loaded) == _fields(User.objects.get(pk=user.pk))
        assert not loaded._state.adding and loaded._state.db == "default"
        with CaptureQueriesContext(connection) as queries:
            assert (loaded.is_moderator, loaded.is_curator) == (moderating, curating)
        assert not queries.captured_queries
    assert User.objects.signed_in(10**9) is None


def _session_for(user, backend: str) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("django.contrib.auth.backends.ModelBackend", "accounts.backends.ModelBackend"),
        ("allauth.account.auth_backends.AuthenticationBackend", "accounts.backends.AuthenticationBackend"),
    ],
)
def test_a_session_from_a_replaced_backend_stays_signed_in_and_moves_over(client, member, old, new):
    key = _session_for(member, old)
    client.cookies["sessionid"] = key
    response = client.get("/settings/")
    assert response.status_code == 200 and response.wsgi_request.user == member
    assert SessionStore(client.cookies["sessionid"].value)[BACKEND_SESSION_KEY] == new


@pytest.mark.django_db
def test_an_unknown_backend_or_a_stale_password_still_signs_out(client, member):
    client.cookies["sessionid"] = _session_for(member, "somewhere.else.Backend")
    assert client.get("/settings/").status_code == 302  # to the log-in page

    client.cookies["sessionid"] = _session_for(member, "accounts.backends.ModelBackend")
    member.set_password("a new password, changed elsewhere")
    member.save()
    assert client.get("/settings/").status_code == 302


@pytest.mark.django_db
def test_deactivation_and_roles_apply_to_the_next_request(client, member):
    client.force_login(member)
    summary = SummaryFactory()
    page = summary.get_absolute_url()
    assert client.get(page).wsgi_request.user.is_moderator is False

    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    assert client.get(page).wsgi_request.user.is_moderator is True

    User.objects.filter(pk=member.pk).update(is_active=False)  # no signal, no save(): nothing may be cached
    assert client.get(page).wsgi_request.user.is_authenticated is False


@pytest.mark.django_db
def test_a_moderators_summary_page_asks_nothing_more_about_them(client, moderator):
    summary = SummaryFactory()
    client.force_login(moderator)
    client.get(summary.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(summary.get_absolute_url())
    assert response.status_code == 200 and "History" in response.content.decode()
    member_queries = [q["sql"] for q in queries.captured_queries if "accounts_user_groups" in q["sql"]]
    assert len(member_queries) == 1 and member_queries[0].startswith("SELECT u.")
