"""Error pages in the site's layout, and /favicon.ico."""

from django.http import HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

FAVICON_MAX_AGE = 86400


@require_safe
def favicon(request):
    """``/favicon.ico``, asked for by browsers and feed readers whatever the page says: the static icon.

    A temporary redirect, cached for a day: the target is the hashed name whitenoise serves (and caches for
    good), which changes with the icon.
    """
    response = HttpResponseRedirect(static("favicon.ico"))
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the failure may come from a context processor or the database.
    return HttpResponseServerError(loader.get_template("500.html").render({"SITE_NAME": "ShortScience"}))
