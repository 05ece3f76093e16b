import pytest

from papers import sources
from papers.sources import MetadataClient
from tests.papers.test_sources import FakeHttp


@pytest.fixture
def http(monkeypatch):
    """The metadata client, answering from recorded responses (tests/papers/fixtures/); never the network."""
    fake = FakeHttp()
    monkeypatch.setattr(sources, "get_client", lambda: MetadataClient(http_get=fake))
    return fake
