"""Settings for reliefline, read from the environment only.

`DATABASE_URL` picks the database (default: SQLite under `RELIEFLINE_DATA_DIR`,
`./var` by default), `RELIEFLINE_SECRET_KEY` signs sessions, `RELIEFLINE_DEBUG=1`
turns on debug pages and `RELIEFLINE_FIELD_KEYS` holds the field encryption keys.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("RELIEFLINE_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _flag("RELIEFLINE_DEBUG")
SECRET_KEY = os.environ.get("RELIEFLINE_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not _flag("RELIEFLINE_INSECURE_DEV_KEY", default=True):
        raise ImproperlyConfigured("RELIEFLINE_SECRET_KEY must be set.")
    # A fixed, clearly marked development key; `check --deploy` flags it as insecure.
    SECRET_KEY = "django-insecure-reliefline-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("RELIEFLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
        ","
    )
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("RELIEFLINE_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "reliefline.access.apps.ReliefAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "reliefline.access",
    "reliefline.places",
    "reliefline.people",
    "reliefline.hotline",
    "reliefline.channels",
    "reliefline.evacuation",
    "reliefline.aid",
    "reliefline.partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, whose static files keep their cache; every other answer not.
    "reliefline.access.nostore.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside the locale: its JSON errors are in the reader's language.
    "reliefline.api.ApiPathErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "reliefline.access.audit.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication, CSRF and audit: a retried write gets its first answer.
    "reliefline.access.idempotency.IdempotencyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reliefline.urls"
WSGI_APPLICATION = "reliefline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reliefline.access.context_processors.roles",
                "reliefline.access.context_processors.security",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'reliefline.sqlite3'}"),
        conn_max_age=int(os.environ.get("RELIEFLINE_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; the busy timeout makes a
    # second writer wait instead of failing with "database is locked", and our
    # backend queues writers on a lock file instead of SQLite's sleeps (reliefline.sqlite).
    DATABASES["default"]["ENGINE"] = "reliefline.sqlite"
    # Django's default test database for SQLite, said outright: pytest-django recognises
    # SQLite by Django's engine name only, and would otherwise make a file per worker.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # Counts failed logins per username and address and refuses them after the limit.
    "axes.backends.AxesStandaloneBackend",
    "reliefline.access.backends.RoleBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("RELIEFLINE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: a locked account opens again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Two-factor authentication (TOTP) for every role that sees personal data. The demo
# may switch it off; every page then says so in a banner.
REQUIRE_2FA = _flag("RELIEFLINE_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = "reliefline"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The console's own CSS and vendored JS live beside the templates, outside any app.
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [PACKAGE_DIR / "static"]
# django-leaflet's vendored Leaflet, served as static/leaflet/ without listing the app:
# its admin module needs GeoDjango (GDAL), which reliefline does not use.
_leaflet = importlib.util.find_spec("leaflet")
if _leaflet is not None and _leaflet.origin:
    STATICFILES_DIRS.append(("leaflet", Path(_leaflet.origin).parent / "static" / "leaflet"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

# Hardened defaults; plain HTTP on loopback only for the demo (RELIEFLINE_DEBUG or
# RELIEFLINE_INSECURE_HTTP), never in production.
_SECURE = not DEBUG and not _flag("RELIEFLINE_INSECURE_HTTP")
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SECURE_SSL_REDIRECT = _SECURE
SECURE_HSTS_SECONDS = 31_536_000 if _SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe over plain HTTP; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600  # one operator shift
X_FRAME_OPTIONS = "DENY"
# The situation map (places/map.js): tiles from this URL, with this attribution. The
# map draws its settlements from GeoJSON, so it still shows them with no tiles at all.
RELIEFLINE_MAP_TILES = os.environ.get(
    "RELIEFLINE_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
RELIEFLINE_MAP_ATTRIBUTION = os.environ.get(
    "RELIEFLINE_MAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
_map_tile_origin = "/".join(RELIEFLINE_MAP_TILES.split("/")[:3]).replace("{s}", "*")
LEAFLET_CONFIG = {
    "TILES": RELIEFLINE_MAP_TILES,
    "ATTRIBUTION_PREFIX": "",
    "DEFAULT_CENTER": (51.2, 35.3),
    "DEFAULT_ZOOM": 9,
    "RESET_VIEW": False,
}
# Exports: counts of people below this are suppressed ("suppress") or shown as "<5"
# ("band"), so that no cell singles anyone out.
RELIEFLINE_SMALL_CELL = int(os.environ.get("RELIEFLINE_SMALL_CELL", "5"))
RELIEFLINE_SMALL_CELL_MODE = os.environ.get("RELIEFLINE_SMALL_CELL_MODE", "suppress")

# Strict CSP: no inline script or style anywhere, so injected markup cannot run.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", _map_tile_origin],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusal_one_line": {
            "()": "django.utils.log.CallbackFilter",
            "callback": "ext://reliefline.logs.refusal_one_line",
        }
    },
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusal_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("RELIEFLINE_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (the console while DEBUG, mail to the unset ADMINS)
        # would write each record again, 403s with their traceback: the root's only.
        "django": {"handlers": []},
        # fpdf2's subsetting logs at INFO the glyphs each PDF manifest keeps: the
        # letters of the passengers' names.
        "fontTools": {"level": "WARNING"},
    },
}

# Field encryption keys, newest first (see reliefline.access.crypto).
FIELD_KEYS = [
    k.strip() for k in os.environ.get("RELIEFLINE_FIELD_KEYS", "").split(",") if k.strip()
]

# Page size of the operator queue and the API's cursor pages.
QUEUE_PAGE_SIZE = 25

# Closed cases lose their personal data after this many days (`reliefline purge`).
RETENTION_DAYS = int(os.environ.get("RELIEFLINE_RETENTION_DAYS", "90"))

# Background work: jobs live in the database; `reliefline db_worker` runs them and
# `reliefline scheduler` enqueues the periodic ones.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Long operations started from a page (docs/operations.md): the largest registry file
# the import page takes (bigger ones: `reliefline import people` on a host), and how
# many forked processes prepare its rows inside the task worker.
RELIEFLINE_IMPORT_MAX_MB = int(os.environ.get("RELIEFLINE_IMPORT_MAX_MB", "32"))
RELIEFLINE_IMPORT_JOBS = int(os.environ.get("RELIEFLINE_IMPORT_JOBS", "2"))
# A cache every process and host shares (the public form's rate limit counts in it): a
# table in the same database, created by the channels migration 0003.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "reliefline_cache",
    }
}
# GET /metrics answers Prometheus only with this bearer token; unset, it is off.
RELIEFLINE_METRICS_TOKEN = os.environ.get("RELIEFLINE_METRICS_TOKEN", "")

# Channels (docs/channels.md). A sender's webhook is refused with 403 while its secret
# is unset, so a fresh install accepts nothing it cannot authenticate.
RELIEFLINE_PUBLIC_URL = os.environ.get("RELIEFLINE_PUBLIC_URL", "").rstrip("/")
RELIEFLINE_TWILIO_ACCOUNT_SID = os.environ.get("RELIEFLINE_TWILIO_ACCOUNT_SID", "")
RELIEFLINE_TWILIO_AUTH_TOKEN = os.environ.get("RELIEFLINE_TWILIO_AUTH_TOKEN", "")
RELIEFLINE_TWILIO_FROM = os.environ.get("RELIEFLINE_TWILIO_FROM", "")
RELIEFLINE_TELEGRAM_SECRET = os.environ.get("RELIEFLINE_TELEGRAM_SECRET", "")
RELIEFLINE_TELEGRAM_BOT_TOKEN = os.environ.get("RELIEFLINE_TELEGRAM_BOT_TOKEN", "")
RELIEFLINE_RAPIDPRO_SECRET = os.environ.get("RELIEFLINE_RAPIDPRO_SECRET", "")
RELIEFLINE_KOBO_SECRET = os.environ.get("RELIEFLINE_KOBO_SECRET", "")
# Where outbound notices go: console (default: a log line without the text), file (JSON lines
# in RELIEFLINE_NOTIFY_FILE) or live (Twilio for SMS/WhatsApp, the Bot API for Telegram).
RELIEFLINE_NOTIFY_BACKEND = os.environ.get("RELIEFLINE_NOTIFY_BACKEND", "console")
RELIEFLINE_NOTIFY_FILE = os.environ.get("RELIEFLINE_NOTIFY_FILE", str(DATA_DIR / "outbox.jsonl"))
# Notices per second a broadcast hands to the sender (a Twilio long code sends ~1/s).
RELIEFLINE_NOTIFY_RATE = float(os.environ.get("RELIEFLINE_NOTIFY_RATE", "1"))
