import re

import pytest
from django.core.cache import cache

from tests.factories import ModeratorFactory, UserFactory
from tests.writing_helpers import banned_user

ROLES = ["anonymous", "member", "writer", "moderator", "banned"]


def html_of(response) -> str:
    """The page's HTML, after checking it rendered (200)."""
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts and ends with an empty cache: rate limits, cached counts and API answers never leak
    between tests (in CI's second pass the cache is a shared Redis database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page_cache_on(settings):
    """The page cache and what is kept under the listing stamp, on (the suite runs with them off: writes in a test's
    transaction never commit, so stamps never move; tests that switch them on commit their writes' callbacks)."""
    settings.PAGE_CACHE_SECONDS = 120
    settings.PAGE_CACHE_MAX_AGE = 0
    settings.PAGE_CACHE_STALE_WHILE_REVALIDATE = 0


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the block's on-commit callbacks (the stamps' bumps), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def member(db):
    return UserFactory(username="member")


@pytest.fixture
def moderator(db):
    return ModeratorFactory(username="mod")


@pytest.fixture
def superuser(db):
    return UserFactory(username="owner", is_staff=True, is_superuser=True)


@pytest.fixture
def role_users(db):
    """One user per role of ``ROLES`` (anonymous is None); "writer" is the one to make the owner of the object."""
    return {
        "anonymous": None,
        "member": UserFactory(username="a-member"),
        "writer": UserFactory(username="the-writer"),
        "moderator": ModeratorFactory(username="a-moderator"),
        "banned": banned_user(),
    }
