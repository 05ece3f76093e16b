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
    """Import every view, compile every URL pattern and every template of the site's own folders."""
    from pathlib import Path

    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver

    resolver = get_resolver()
    _compile_patterns(resolver.url_patterns)  # imports the URL conf and every view module, compiles every regex
    resolver._populate()  # reverse()'s tables
    from django.core.validators import EmailValidator, URLValidator

    # Their regular expressions compile on first use: 29 ms for URLValidator's, in the first request of a paper page.
    for validator in (URLValidator, EmailValidator):
        for name in ("regex", "user_regex", "domain_regex"):
            getattr(getattr(validator, name, None), "pattern", None)
    engine = engines["django"]
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    for folder in folders:
        for template in sorted(folder.rglob("*.html")) + sorted(folder.rglob("*.xml")) + sorted(folder.rglob("*.txt")):
            try:
                engine.get_template(str(template.relative_to(folder)))
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue
    _compile_form_templates()


def _compile_form_templates() -> None:
    """Forms render their fields through a template engine of their own (the form renderer's), which compiles
    Django's widget templates on first use: 10–25 ms of the first search page of a worker (its search box)."""
    from pathlib import Path

    import django.forms
    from django.forms.renderers import get_default_renderer
    from django.template import TemplateDoesNotExist

    renderer = get_default_renderer()
    engine = getattr(renderer, "engine", None)
    if engine is None:  # a renderer without templates
        return
    folder = Path(django.forms.__file__).parent / "templates"
    for template in sorted((folder / "django" / "forms").rglob("*.html")):
        try:
            engine.get_template(str(template.relative_to(folder)))
        except TemplateDoesNotExist:
            continue


def _compile_patterns(patterns) -> None:
    """Compile every URL pattern's regular expression now: Django compiles each on first use, ~10 ms of a
    worker's first request (measured in a fresh process)."""
    for pattern in patterns:
        pattern.pattern.regex  # noqa: B018  (the descriptor compiles and keeps it)
        if hasattr(pattern, "url_patterns"):
            _compile_patterns(pattern.url_patterns)


if os.environ.get("WSGI_WARM_UP", "1") != "0":
    warm_up()
