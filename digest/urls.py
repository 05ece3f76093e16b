"""The digest's pages, mounted at /digest/."""

from datetime import date

from django.urls import path, re_path, register_converter

from digest import feeds, views_curate, views_reading

app_name = "digest"


class IsoDateConverter:
    """``2026-12-06`` ↔ ``date(2026, 12, 6)``; an impossible date (2026-02-30) matches nothing (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError: no match

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    # --- Reading and subscribing (public) ---
    path("", views_reading.latest, name="latest"),
    re_path(r"^(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/$", views_reading.day, name="day"),
    path("<int:year>/<int:month>/", views_reading.month, name="month"),
    re_path(r"^(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/feed\.rss$", feeds.DigestDayFeed(), name="feed-day-rss"),
    re_path(r"^(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/feed\.atom$", feeds.DigestDayAtomFeed(), name="feed-day-atom"),
    path("category/<str:code>/feed.rss", feeds.CategoryEntriesFeed(), name="feed-category-rss"),
    path("category/<str:code>/feed.atom", feeds.CategoryEntriesAtomFeed(), name="feed-category-atom"),
    path("subscribe/", views_reading.subscribe, name="subscribe"),
    path("subscription/<uuid:token>/", views_reading.manage, name="manage"),
    path("subscription/<uuid:token>/confirm/", views_reading.confirm, name="confirm"),
    path("unsubscribe/<uuid:token>/", views_reading.unsubscribe, name="unsubscribe"),
    # --- Curation (curators and moderators): triage, entries, preview, publication ---
    path("curate/", views_curate.curate_latest, name="curate"),
    path("curate/<isodate:day>/", views_curate.triage, name="triage"),
    path("curate/<isodate:day>/paper/<int:paper_id>/", views_curate.triage_action, name="triage-action"),
    path("curate/<isodate:day>/entries/", views_curate.entries, name="entries"),
    path("curate/<isodate:day>/entries/<int:pk>/", views_curate.entry, name="entry"),
    path("curate/<isodate:day>/entries/<int:pk>/move/", views_curate.entry_move, name="entry-move"),
    path("curate/<isodate:day>/entries/<int:pk>/figures/", views_curate.figure_add, name="figure-add"),
    path(
        "curate/<isodate:day>/entries/<int:pk>/figures/<int:figure_pk>/delete/",
        views_curate.figure_delete,
        name="figure-delete",
    ),
    path("curate/<isodate:day>/entries/<int:pk>/summary/", views_curate.entry_summary, name="entry-summary"),
    path("curate/<isodate:day>/preview/", views_curate.preview, name="curate-preview"),
    path("curate/<isodate:day>/publish/", views_curate.publication, name="publish"),
]
