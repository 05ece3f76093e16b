"""Merging papers from the admin: the confirmation page warns about differing identifiers and needs an override."""

import pytest
from django.apps import apps
from django.db import connection

from moderation.models import AuditEntry
from moderation.policy import apply_moderator_policy
from papers.models import Paper
from tests.browser.conftest import login
from tests.factories import ModeratorFactory, PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderators_group(db):
    # Transactional tests empty the database between tests: rebuild what the data migration created.
    with connection.schema_editor() as schema_editor:
        apply_moderator_policy(apps, schema_editor)


def _select_and_merge(page, live_server, papers):
    page.goto(f"{live_server.url}/admin/papers/paper/")
    for paper in papers:
        page.locator(f"input[name=_selected_action][value='{paper.pk}']").check()
    page.select_option("select[name=action]", "merge_papers")
    page.get_by_role("button", name="Go").click()
    page.wait_for_selector("text=Paper to keep")


def test_merge_confirmation_warns_about_different_arxiv_ids_and_needs_an_override(page, live_server, moderators_group):
    vae = PaperFactory(title="Auto-Encoding Variational Bayes", arxiv_id="1312.6114", author_names=["Diederik Kingma"])
    adam = PaperFactory(title="Adam: A Method for Stochastic Optimization", arxiv_id="1412.6980")
    SummaryFactory(paper=vae)
    login(page, live_server, ModeratorFactory(username="moderator"))

    _select_and_merge(page, live_server, [vae, adam])
    warning = page.locator("#merge-conflicts")
    assert "1312.6114" in warning.inner_text() and "1412.6980" in warning.inner_text()
    table = page.locator("#merge-papers")
    assert "Diederik Kingma" in table.inner_text() and "1 public" in table.inner_text()
    # The table of papers stays inside the page at 1280 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    # Without the override: refused, with the reason kept.
    page.locator(f"#keep-{adam.pk}").check()
    page.fill("#id_reason", "Looked like the same paper")
    page.get_by_role("button", name="Merge").click()
    page.wait_for_selector("text=probably different papers")
    assert page.input_value("#id_reason") == "Looked like the same paper"
    assert Paper.objects.get(pk=vae.pk).merged_into_id is None

    # With the override and a reason: merged and audited.
    page.get_by_label("Their identifiers differ, and I am sure they are the same paper").check()
    page.fill("#id_reason", "Same preprint filed twice on arXiv")
    page.get_by_role("button", name="Merge").click()
    page.wait_for_selector("text=Unmerge")
    assert Paper.objects.get(pk=vae.pk).merged_into_id == adam.pk
    entry = AuditEntry.objects.get(action=AuditEntry.Action.MERGE, object_id=vae.pk)
    assert entry.reason == "Same preprint filed twice on arXiv"
