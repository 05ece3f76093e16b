"""versions.coalesced(): many bumps inside a bulk write become one per stamp, made with the transaction."""

import pytest
from django.db import transaction

from shortscience.lib import versions

pytestmark = pytest.mark.django_db


def test_bumps_inside_the_block_become_one_per_stamp(monkeypatch, django_capture_on_commit_callbacks):
    made = []
    monkeypatch.setattr(versions, "bump_now", made.append)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), versions.coalesced():
        for _ in range(50):
            versions.bump(versions.LISTING)
        versions.bump(versions.SEARCH)
        with versions.coalesced():  # nested: part of the outer block
            versions.bump(versions.LISTING)
        assert made == []
    assert sorted(made) == sorted([versions.LISTING, versions.SEARCH])


def test_a_rolled_back_block_bumps_nothing_and_later_bumps_are_not_lost(
    monkeypatch, django_capture_on_commit_callbacks
):
    made = []
    monkeypatch.setattr(versions, "bump_now", made.append)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic(), versions.coalesced():
            versions.bump(versions.LISTING)
            raise RuntimeError
        with transaction.atomic():
            versions.bump(versions.LISTING)
    assert made == [versions.LISTING]
