"""gunicorn settings for the web service: ``gunicorn -c gunicorn.conf.py shortscience.wsgi:application``.

Environment: ``PORT`` (8000), ``WEB_CONCURRENCY`` (sync workers per container, 3; see docs/deployment.md for
sizing them against PostgreSQL's connection limit).
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A stuck request cannot hold a worker for ever; the proxy gives up at the same time.
timeout = 30
graceful_timeout = 10
accesslog = "-"
