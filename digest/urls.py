from datetime import date

from django.urls import path, register_converter

from digest import views_curate

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
    # --- Curation (curators and moderators): triage, entries, preview, publication ---------------------------
    path("digest/curate/", views_curate.curate_latest, name="curate"),
    path("digest/curate/<isodate:day>/", views_curate.triage, name="triage"),
    path("digest/curate/<isodate:day>/paper/<int:paper_id>/", views_curate.triage_action, name="triage-action"),
    path("digest/curate/<isodate:day>/entries/", views_curate.entries, name="entries"),
    path("digest/curate/<isodate:day>/entries/<int:pk>/", views_curate.entry, name="entry"),
    path("digest/curate/<isodate:day>/entries/<int:pk>/move/", views_curate.entry_move, name="entry-move"),
    path("digest/curate/<isodate:day>/entries/<int:pk>/figures/", views_curate.figure_add, name="figure-add"),
    path(
        "digest/curate/<isodate:day>/entries/<int:pk>/figures/<int:figure_pk>/delete/",
        views_curate.figure_delete,
        name="figure-delete",
    ),
    path("digest/curate/<isodate:day>/entries/<int:pk>/summary/", views_curate.entry_summary, name="entry-summary"),
    path("digest/curate/<isodate:day>/preview/", views_curate.preview, name="curate-preview"),
    path("digest/curate/<isodate:day>/publish/", views_curate.publication, name="publish"),
    # --- End of curation ------------------------------------------------------------------------------------
]
