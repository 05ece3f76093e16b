from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from shortscience.views import bench_hello, favicon
from summaries.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("api.urls")),
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

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler400 = "shortscience.views.bad_request"
handler404 = "shortscience.views.page_not_found"
handler500 = "shortscience.views.server_error"
