"""The home page's site counts never COUNT(*) a big table on a request (issue 14)."""

import pytest

from summaries import models as summary_models
from summaries.models import site_counts
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def _count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and "accounts_user" not in q["sql"]]


def test_twenty_thousand_rows_are_estimated_not_counted(monkeypatch):
    SummaryFactory()
    monkeypatch.setattr(summary_models, "estimated_rows", lambda relation: 20_000)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        counts = site_counts()
    assert counts["papers"] == 20_000 and counts["summaries"] == 20_000
    assert counts["approximate"] == {"papers": True, "summaries": True}
    assert _count_queries(captured.captured_queries) == []


def test_a_small_site_is_counted_exactly():
    SummaryFactory()
    SummaryFactory()
    counts = site_counts()
    assert counts["summaries"] == 2 and counts["approximate"] == {"papers": False, "summaries": False}
