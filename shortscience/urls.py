import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from shortscience.health import HealthView
from shortscience.views import bench_hello, favicon, media
from summaries.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
    # Probes: everything (/health/) or what a web process needs (/health/web/); see shortscience/health.py.
    path("health/", HealthView.as_view(), name="health"),
    path("health/web/", HealthView.as_view(web_only=True), name="health-web"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("api.urls")),
    path("digest/", include("digest.urls")),
    # The old site's addresses (301s), all in one place.
    path("", include("shortscience.urls_legacy")),
    path("", include("discovery.urls")),
    path("", include("papers.urls")),
    path("", include("summaries.urls")),
    path("", include("comments.urls")),
    path("", include("moderation.urls")),
    path("", include("members.urls")),
]

if settings.BENCH:
    # The yardstick of `make bench --http`: a plain HttpResponse through the same middleware as every page.
    urlpatterns += [path("bench/hello/", bench_hello, name="bench-hello")]

if settings.MEDIA_URL.startswith("/") and not settings.MEDIA_URL.startswith("//"):
    # Uploaded files on this machine's disk; the view answers only while SERVE_MEDIA is on.
    urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", media, name="media")]

handler400 = "shortscience.views.bad_request"
handler404 = "shortscience.views.page_not_found"
handler500 = "shortscience.views.server_error"
