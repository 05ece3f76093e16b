import pytest
from django.core.cache import cache

from tests.factories import ModeratorFactory, UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts and ends with an empty cache: rate limits, cached counts and API answers never leak
    between tests (in CI's second pass the cache is a shared Redis database)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return UserFactory(username="member")


@pytest.fixture
def moderator(db):
    return ModeratorFactory(username="mod")


@pytest.fixture
def superuser(db):
    return UserFactory(username="owner", is_staff=True, is_superuser=True)
