"""Every admin changelist, add and change page loads for a superuser, with a bounded number of queries."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

REGISTERED = [
    model
    for model in admin.site._registry
    if model._meta.app_label in {"accounts", "papers", "summaries", "comments", "moderation", "digest", "taggit"}
]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo")


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_and_change_pages_load(client, superuser, demo, model, django_assert_max_num_queries):
    client.force_login(superuser)
    opts = model._meta
    with django_assert_max_num_queries(20):
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    if obj is not None:
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200
    if admin.site._registry[model].has_add_permission(response.wsgi_request):
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_admin_search_works_on_every_model(client, superuser, demo):
    client.force_login(superuser)
    for model in REGISTERED:
        opts = model._meta
        if admin.site._registry[model].search_fields:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            assert client.get(url, {"q": "attention"}).status_code == 200
