"""The paper page, search, feeds, sitemaps, robots.txt and the API documentation page."""

from django.urls import path

from discovery import feeds, views

app_name = "discovery"

urlpatterns = [
    # The paper page shows its summaries; the paper's other pages are papers.urls.
    path("paper/<str:slug>/", views.paper_detail, name="paper"),
    path("summary/<int:pk>/", views.summary_detail, name="summary"),
    path("search/", views.search, name="search"),
    # Feeds
    path("feeds/", views.feeds_index, name="feeds"),
    path("feeds/latest.rss", feeds.LatestSummariesFeed(), name="feed-latest-rss"),
    path("feeds/latest.atom", feeds.LatestSummariesAtomFeed(), name="feed-latest-atom"),
    path("paper/<str:slug>/feed.rss", feeds.PaperSummariesFeed(), name="feed-paper-rss"),
    path("paper/<str:slug>/feed.atom", feeds.PaperSummariesAtomFeed(), name="feed-paper-atom"),
    path("users/<str:username>/feed.rss", feeds.WriterSummariesFeed(), name="feed-user-rss"),
    path("users/<str:username>/feed.atom", feeds.WriterSummariesAtomFeed(), name="feed-user-atom"),
    path("venues/<slug:slug>/feed.rss", feeds.VenueSummariesFeed(), name="feed-venue-rss"),
    path("venues/<slug:slug>/feed.atom", feeds.VenueSummariesAtomFeed(), name="feed-venue-atom"),
    path("keywords/<keyword:slug>/feed.rss", feeds.KeywordSummariesFeed(), name="feed-keyword-rss"),
    path("keywords/<keyword:slug>/feed.atom", feeds.KeywordSummariesAtomFeed(), name="feed-keyword-atom"),
    path("list/<category:code>/feed.rss", feeds.CategoryPapersFeed(), name="feed-category-rss"),
    path("list/<category:code>/feed.atom", feeds.CategoryPapersAtomFeed(), name="feed-category-atom"),
    # Crawlers
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", views.sitemap_section, name="sitemap-section"),
    path("robots.txt", views.robots_txt, name="robots"),
    # API documentation (the API itself is api.urls under /api/v1/).
    path("api/", views.api_docs, name="api-docs"),
]
