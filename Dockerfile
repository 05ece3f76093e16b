# Production image: gunicorn serving Django, static files through whitenoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY shortscience ./shortscience
COPY accounts ./accounts
COPY papers ./papers
COPY summaries ./summaries
COPY comments ./comments
COPY moderation ./moderation
COPY api ./api
RUN pip install .

COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no database or real secret.
RUN DATABASE_URL=postgresql://build@localhost/build SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput

RUN useradd --system --home /app shortscience && mkdir -p /app/media && chown shortscience /app/media
USER shortscience
EXPOSE 8000
# gunicorn.conf.py: preloaded sync workers (WEB_CONCURRENCY, default 2 × cores + 1), port 8000, access log.
CMD ["gunicorn", "shortscience.wsgi:application"]
