"""JSON API, version 1: mounted at /api/v1/ (see docs/api.md). Paths work with or without a trailing slash."""

from django.urls import re_path

from api import views

app_name = "api"

urlpatterns = [
    re_path(r"^papers/lookup/?$", views.paper_lookup, name="paper-lookup"),
    re_path(r"^papers/(?P<pk>[0-9]{1,18})/summaries/?$", views.paper_summaries, name="paper-summaries"),
    re_path(r"^summaries/latest/?$", views.latest_summaries, name="latest-summaries"),
    re_path(r"^digests/?$", views.digests, name="digests"),
    re_path(r"^digests/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/?$", views.digest_entries, name="digest"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
