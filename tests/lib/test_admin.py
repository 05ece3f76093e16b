"""Generic admin tools (shortscience.lib.admin): the changelist paginator that estimates big counts."""

import pytest
from django.db import connection

from papers.models import Paper
from shortscience.lib import admin as admin_tools
from shortscience.lib.admin import ESTIMATE_THRESHOLD, EstimatedCountPaginator
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_paginator_counts_exactly_when_the_planner_expects_few_rows():
    # Committed rows, analysed outside a transaction: inside the test transaction ANALYZE's count of rows the
    # transaction wrote and then updated is not what a live site sees (see tests/summaries/test_pages.py).
    PaperFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper")
    assert EstimatedCountPaginator(Paper.objects.all(), 50).count == 3
    assert EstimatedCountPaginator(Paper.objects.filter(year=1999), 50).count == 0


def test_paginator_uses_the_planner_estimate_above_the_threshold(monkeypatch):
    PaperFactory.create_batch(2)
    monkeypatch.setattr(admin_tools, "planner_estimate", lambda queryset: ESTIMATE_THRESHOLD + 5)
    paginator = EstimatedCountPaginator(Paper.objects.order_by("-id"), 50)
    assert paginator.count == ESTIMATE_THRESHOLD + 5
    assert [p.pk for p in paginator.page(1).object_list] == list(
        Paper.objects.order_by("-id").values_list("pk", flat=True)
    )
    monkeypatch.setattr(admin_tools, "planner_estimate", lambda queryset: ESTIMATE_THRESHOLD)
    assert EstimatedCountPaginator(Paper.objects.all(), 50).count == 2
