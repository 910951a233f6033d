"""Settings from the environment.

``APP_ENV`` is ``development`` (the default: works with nothing set) or
``production`` (refuses to start without a real ``SECRET_KEY``, ``DEBUG`` off,
secure cookies and headers). See the configuration table in the README.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.clientip import NUM_PROXIES
from config.secret import DEV_SECRET_KEY, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / ".data"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Django's generic classes (ModelAdmin[Trainer], ModelForm[...]) subscriptable at run
# time, as django-stubs types them: mypy strict asks for their type arguments.
django_stubs_ext.monkeypatch()

APP_ENV = os.environ.get("APP_ENV", "development").strip().lower()
if APP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("APP_ENV must be 'development' or 'production'")
PRODUCTION = APP_ENV == "production"

SECRET_KEY = secret_key(production=PRODUCTION)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters in production"
    )

# /metrics asks for `Authorization: Bearer <METRICS_TOKEN>`; production will not start
# with it open (config/observability/metrics.py reads the same variable).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
if PRODUCTION and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be set to a random string of at least 16 characters in production"
    )

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "trainers.adminsite.StaffAdminConfig",  # django.contrib.admin with the staff site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # django-ninja's own Swagger UI files for /ops/docs (served from here, not a CDN).
    "ninja",
    "axes",
    "trainers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database outage is a 503 with Retry-After on every page, not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
    # X-Consistency-Token on successful commands: read-your-writes through a replica.
    "config.consistency.ConsistencyTokenMiddleware",
    # Names the route template of each request for metrics and logs.
    "config.observability.middleware.RouteMiddleware",
    # Last, as django-axes asks: a locked-out admin login becomes its 429 page.
    "axes.middleware.AxesMiddleware",
]

# Login lockout (django-axes, trainers/lockout.py): per client address, as config/clientip.py
# finds it behind NUM_PROXIES proxies; the admin login and POST /api/auth/token/ alike.
AUTHENTICATION_BACKENDS = [
    "trainers.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "config.clientip.from_request"
AXES_LOCKOUT_CALLABLE = "trainers.lockout.response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _pool(connect_timeout: int) -> dict[str, Any]:
    """Django's connections from a pool of its own per process (psycopg_pool), up to
    ``DB_POOL_MAX`` (default 10; 0: a new connection for every request, or
    ``CONN_MAX_AGE``). Under ASGI every request runs in a thread of its own, so
    ``CONN_MAX_AGE`` cannot keep a connection between requests; a pooled one stays
    with its server process, whose cached plans make a write's projection ~3x cheaper
    than in a fresh one, and no process is started per request (docs/performance.md).
    A request waits at most ``DB_CONNECT_TIMEOUT`` for a connection (then 503), each is
    checked as it is lent (``CONN_HEALTH_CHECKS``), and a lost server is retried for as
    long again, then from the next request on, as the query side's pool does."""
    size = int(os.environ.get("DB_POOL_MAX", "10"))
    if size < 0:
        raise ImproperlyConfigured(f"DB_POOL_MAX must be 0 or more; got {size}")
    if not size:
        return {}
    return {
        "min_size": 1,
        "max_size": size,
        "timeout": connect_timeout,
        "reconnect_timeout": connect_timeout,
        "reset": _unlock,
    }


def _unlock(conn: Any) -> None:
    """A pooled connection comes back: its session's advisory locks go (a failed rebuild
    closes its connection to release its lock, which a pool keeps open)."""
    conn.execute("SELECT pg_advisory_unlock_all()")


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
        if config.get("ENGINE") != "django.db.backends.postgresql":
            raise ImproperlyConfigured(
                "DATABASE_URL must name a PostgreSQL server (postgres://...)"
            )
    else:
        from config import embedded_pg

        config = {"ENGINE": "django.db.backends.postgresql", **embedded_pg.start(DATA_DIR)}
    config.setdefault("OPTIONS", {})
    # Bounded waits: a dead or unreachable server fails fast instead of hanging requests.
    connect_timeout = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    config["OPTIONS"].setdefault("connect_timeout", connect_timeout)
    config["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "0"))
    config["CONN_HEALTH_CHECKS"] = True
    pool = _pool(connect_timeout)
    if pool:
        if config["CONN_MAX_AGE"]:
            raise ImproperlyConfigured(
                "CONN_MAX_AGE keeps Django's connections itself: set DB_POOL_MAX=0 to use it"
            )
        config["OPTIONS"]["pool"] = pool
    if os.environ.get("TEST_DATABASE_NAME"):
        # Lets two test runs share one server without dropping each other's database.
        config["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
    return config


DATABASES = {"default": _database()}
# The query side reads here; a read-only role or a streaming replica in production.
READ_DATABASE_URL = os.environ.get("READ_DATABASE_URL", "").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ATOMIC_REQUESTS = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# 24 h HH:MM and ISO dates for English (config/formats/en); other locales keep their own.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
# Outside production, serve straight from the apps' static folders: no collectstatic needed.
SERVESTATIC_USE_FINDERS = not PRODUCTION
SERVESTATIC_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_BODY_BYTES", str(1024 * 1024)))

# An API token authenticates for this long after it was issued (trainers/api/tokens.py).
API_TOKEN_MAX_AGE_HOURS = float(os.environ.get("API_TOKEN_MAX_AGE_HOURS", "24"))

# Retention (trainers/retention.py): idempotency records, and the change feed's log; the
# periodic prune inside the app (config/jobs.py; 0 turns it off).
IDEMPOTENCY_TTL_HOURS = float(os.environ.get("IDEMPOTENCY_TTL_HOURS", "24"))
CHANGE_RETENTION_DAYS = float(os.environ.get("CHANGE_RETENTION_DAYS", "30"))
RETENTION_INTERVAL_SECONDS = float(os.environ.get("RETENTION_INTERVAL_SECONDS", "3600"))
RETENTION_FIRST_RUN_SECONDS = float(os.environ.get("RETENTION_FIRST_RUN_SECONDS", "60"))
# Trainer photos (trainers/photos/): renditions are stored through the default storage,
# local files under MEDIA_ROOT served at MEDIA_URL by default, or an S3-compatible bucket.
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local").strip().lower()
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
# Checked from the header, before decoding (Pillow's own bomb limit is far higher).
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("MEDIA_STORAGE must be local or s3")
if MEDIA_STORAGE == "s3" and not os.environ.get("S3_BUCKET", "").strip():
    # Else every upload would fail (a 500) at its first write, not at startup.
    raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET")
_MEDIA_BACKEND: dict[str, Any] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", "").strip(),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            # "public-read" where the bucket uses ACLs; else a bucket policy makes them public.
            "default_acl": os.environ.get("S3_DEFAULT_ACL") or None,
            # Public, content-hashed renditions: plain URLs, cached forever.
            "querystring_auth": False,
            "file_overwrite": True,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    if MEDIA_STORAGE == "s3"
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _MEDIA_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_SCHEMA_CLASS": "trainers.api.schema.CommandApiSchema",
    # Token first: an anonymous request then gets 401 with ``WWW-Authenticate: Token``.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "trainers.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["trainers.api.permissions.ModelPermissions"],
    "DEFAULT_PARSER_CLASSES": ["trainers.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "trainers.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": os.environ.get("API_AUTH_THROTTLE", "30/minute")},
    # The client behind NUM_PROXIES proxies, the same rule as config/clientip.py; DRF's
    # default (None) would trust whatever X-Forwarded-For the client sends.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trainer Profiles command API",
    "DESCRIPTION": (
        "Staff commands that change trainer profiles (write side). "
        "See docs/command-api.md for If-Match, ETag, Idempotency-Key and the error shape."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar, served by the app: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/",
    "ENUM_NAME_OVERRIDES": {
        "PositionEnum": "trainers.models.Position",
        "ShiftEnum": "trainers.models.Shift",
        "StatusEnum": "trainers.models.Status",
        "WeekdayEnum": "trainers.models.Weekday",
    },
}

# JSON lines in production, readable text in development; a request id on every line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
# One line per request (method, path, route, status, duration); uvicorn's own is off in the image.
ACCESS_LOG = env_bool("ACCESS_LOG", PRODUCTION)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.observability.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.observability.logs.JsonFormatter"},
        "text": {"()": "config.observability.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # uvicorn's loggers, in the same format. Its access logger only with ACCESS_LOG:
        # this configuration runs after uvicorn's, so a handler here would turn on the
        # access lines that `--no-access-log` turned off (one formatted line per request).
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": ["console"] if ACCESS_LOG else [], "propagate": False},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
