"""WSGI entry point (gunicorn imports ``shortscience.wsgi:application``).

The URL conf (every app's views, forms and admin) and the site's templates are loaded here, at import, not on
the first request: with gunicorn's ``preload_app`` (gunicorn.conf.py) that happens once in the master, and
every worker, forked afterwards, answers its first request as fast as its thousandth (it was ≈ 100 ms of
imports plus template compilation per worker and per page, up to 415 ms for a first request).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
application = get_wsgi_application()


def warm_up() -> None:
    """Import every view and compile every template of the site's own folders into the cached loader."""
    from pathlib import Path

    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URL conf and every view module)
    engine = engines["django"]
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    for folder in folders:
        for template in sorted(folder.rglob("*.html")) + sorted(folder.rglob("*.xml")) + sorted(folder.rglob("*.txt")):
            try:
                engine.get_template(str(template.relative_to(folder)))
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue


if os.environ.get("WSGI_WARM_UP", "1") != "0":
    warm_up()
