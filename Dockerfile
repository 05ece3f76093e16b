# Production image for every app service of docker-compose.yml: gunicorn serving Django (static files through
# whitenoise) in `web`, and the Celery `worker` and `beat` (celery comes with the dependencies in pyproject.toml).
FROM python:3.11-slim

# PYTHONPATH: the code in /app (templates, migrations and all) is what runs, whichever command starts it.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PYTHONPATH=/app
WORKDIR /app

COPY pyproject.toml README.md ./
COPY shortscience ./shortscience
COPY jobs ./jobs
COPY accounts ./accounts
COPY papers ./papers
COPY summaries ./summaries
COPY comments ./comments
COPY moderation ./moderation
COPY digest ./digest
COPY discovery ./discovery
COPY members ./members
COPY api ./api
RUN pip install .

COPY manage.py gunicorn.conf.py ./
COPY docker/healthcheck.py ./docker/healthcheck.py
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no database or real secret.
RUN DATABASE_URL=postgresql://build@localhost/build SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app shortscience && mkdir -p /app/media && chown shortscience /app/media
USER shortscience
EXPOSE 8000
# gunicorn.conf.py: preloaded sync workers (WEB_CONCURRENCY, default two per core) behind compose's nginx, port 8000.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "shortscience.wsgi:application"]
