"""The digest's pages, mounted at /digest/."""

from django.urls import path, re_path

from digest import feeds, views_reading

app_name = "digest"

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
]
