"""The old site's addresses (shortscience.org before the rebuild), all in one place: each answers 301.

Other sites, bookmarks, a browser extension and bots link to these. Addresses that carry a key in the query
string (``/paper?bibtexKey=``, ``/venue?key=&year=``, ``/user?name=``) resolve it in their app's view; the
others map to today's page. See /work/shared/reference/original-site.md for what each one was.
"""

from django.urls import path
from django.views.generic import RedirectView

from members.views import legacy_profile
from papers.views import legacy_paper, legacy_venue
from summaries.views import legacy_users

app_name = "legacy"


def moved_to(url_name: str):
    """A permanent redirect to the page ``url_name`` (no arguments)."""
    return RedirectView.as_view(pattern_name=url_name, permanent=True)


urlpatterns = [
    path("paper", legacy_paper, name="paper"),
    path("venue", legacy_venue, name="venue"),
    path("user", legacy_profile, name="profile"),
    path("users", legacy_users, name="users"),
    # Feeds. The latest feed carries each summary's full text, so the old "all" and "full text" variants
    # (the newest summaries, with their whole body) are that feed too.
    path("rss.xml", moved_to("discovery:feed-latest-rss"), name="rss"),
    path("rss-all.xml", moved_to("discovery:feed-latest-rss"), name="rss-all"),
    path("rss-full.xml", moved_to("discovery:feed-latest-rss"), name="rss-full"),
    # A member's download of their own summaries; sign-in and sign-up.
    path("export", moved_to("members:export"), name="export"),
    path("login", moved_to("account_login"), name="login"),
    path("signup", moved_to("account_signup"), name="signup"),
]
