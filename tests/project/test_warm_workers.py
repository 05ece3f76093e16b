"""Warm workers (issue 14): gunicorn.conf.py preloads the site, wsgi.py loads it, connections never cross a fork."""

import importlib.util
import os
from pathlib import Path

import pytest
from django.db import connection
from django.template import engines

ROOT = Path(__file__).resolve().parents[2]


def load_config(monkeypatch, **env):
    for name in (
        "WEB_CONCURRENCY",
        "GUNICORN_WORKER_CLASS",
        "GUNICORN_THREADS",
        "GUNICORN_KEEPALIVE",
        "PORT",
        "GUNICORN_BIND",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_configuration_preloads_sync_workers_from_the_environment(monkeypatch):
    config = load_config(monkeypatch, WEB_CONCURRENCY="5", PORT="9000")
    assert config.preload_app is True
    assert config.worker_class == "sync" and config.threads == 1
    assert config.workers == 5 and config.bind == "0.0.0.0:9000"
    assert load_config(monkeypatch).workers == 2 * os.cpu_count()
    threaded = load_config(monkeypatch, GUNICORN_WORKER_CLASS="gthread")
    assert threaded.worker_class == "gthread" and threaded.threads == 4 and threaded.keepalive == 0


@pytest.mark.django_db(transaction=True)
def test_a_sync_worker_connects_before_its_first_request(monkeypatch, django_assert_num_queries):
    config = load_config(monkeypatch)
    config.post_fork(server=None, worker=None)
    assert connection.connection is None
    config.post_worker_init(worker=None)
    assert connection.connection is not None
    with django_assert_num_queries(0):  # the first request's query finds its connection open
        connection.ensure_connection()
    threaded = load_config(monkeypatch, GUNICORN_WORKER_CLASS="gthread")
    threaded.post_fork(server=None, worker=None)
    threaded.post_worker_init(worker=None)  # its requests run in threads of their own
    assert connection.connection is None


def test_the_gunicorn_command_line_of_the_image_reads_the_configuration():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn.conf.py" in dockerfile
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "shortscience.wsgi:application"]' in dockerfile


@pytest.mark.django_db(transaction=True)
def test_a_forked_worker_opens_its_own_database_connection(monkeypatch):
    config = load_config(monkeypatch)
    connection.ensure_connection()
    assert connection.connection is not None
    config.when_ready(server=None)  # in the master, after the preloaded warm-up, before forking
    assert connection.connection is None
    connection.ensure_connection()
    config.post_fork(server=None, worker=None)
    assert connection.connection is None


def test_loading_the_wsgi_module_compiles_the_site_templates():
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    from shortscience.wsgi import warm_up

    warm_up()
    compiled = set(loader.get_template_cache)
    assert {"base.html", "summaries/home.html", "includes/summary_cards.html", "papers/detail.html"} <= compiled


def test_the_warm_up_compiles_every_url_pattern_and_the_lazy_validator_expressions():
    """What a worker's first request compiled before (measured: ~10 ms of URL patterns on any page, 29 ms of
    URLValidator's expression on a paper page) is compiled in the master."""
    from django.core.validators import URLValidator
    from django.urls import get_resolver
    from django.utils.functional import empty

    from shortscience.wsgi import warm_up

    warm_up()

    def patterns(resolver):
        for pattern in resolver.url_patterns:
            yield pattern
            if hasattr(pattern, "url_patterns"):
                yield from patterns(pattern)

    for pattern in patterns(get_resolver()):
        # LocaleRegexDescriptor keeps a compiled expression in the instance once asked for it.
        assert "regex" in pattern.pattern.__dict__, pattern
    assert URLValidator.regex._wrapped is not empty


def test_the_warm_up_compiles_the_form_renderers_widget_templates():
    """A form's fields render through the form renderer's own engine: its first search box compiled Django's widget
    templates in the middle of a worker's first search page."""
    from django.forms.renderers import get_default_renderer

    from shortscience.wsgi import warm_up

    loader = get_default_renderer().engine.engine.template_loaders[0]
    loader.reset()
    warm_up()
    assert {"django/forms/widgets/input.html", "django/forms/widgets/select.html"} <= set(loader.get_template_cache)
