"""The one settings module. Every knob comes from a PAYLINKS_* environment variable.

Defaults are safe and embedded: a SQLite file in the data directory, the sandbox
processor, emails printed to the console and appended to a local mailbox file.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from paylinks.notifications.email_url import email_settings


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"PAYLINKS_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name, "")
    return int(value) if value.strip() else default


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("DATA_DIR", str(Path.cwd() / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """PAYLINKS_SECRET_KEY, or a key generated once and kept in the data directory."""
    configured = env("SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use its key
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
BASE_URL = env("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("http") else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "paylinks.core",
    "paylinks.merchants",
    "paylinks.links",
    "paylinks.checkout",
    "paylinks.processors",
    "paylinks.receipts",
    "paylinks.books",
    "paylinks.notifications",
    "ninja",
    "paylinks.api",
    "paylinks.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "paylinks.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "paylinks.core.middleware.LazyMessageMiddleware",  # Django's, made lazy
    "paylinks.core.audit.AuditActorMiddleware",
    "paylinks.api.middleware.ApiMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "paylinks.urls"
WSGI_APPLICATION = "paylinks.wsgi.application"

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
                "paylinks.core.context_processors.site",
                "paylinks.core.context_processors.csrf",  # Django's token, drawn cheaper
            ],
        },
    },
    {
        # Plain-text emails: nothing is HTML, so nothing is HTML-escaped.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'paylinks.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# A kept connection the server dropped (restart, pg_terminate_backend) is replaced at the
# start of the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with its health check without a round trip, and the few hottest
    # lookups prepared by the server (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "paylinks.core.postgresql"
    # Parameters bound by the server, and every statement a connection runs a second time
    # prepared (parsed and planned once, then only executed): planning the ~50 statements
    # of a payment was most of PostgreSQL's work for it. PostgreSQL still plans a prepared
    # statement with its values for its first five runs and keeps a generic plan only if
    # it costs no more. Behind PgBouncer in transaction mode this needs PgBouncer 1.21+
    # with max_prepared_statements set; or PAYLINKS_DB_PREPARE_THRESHOLD=0 prepares nothing.
    _threshold = env_int("DB_PREPARE_THRESHOLD", 2)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_threshold or None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers
    # queue (up to the timeout) instead of failing; WAL lets readers go on meanwhile.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_paylinks.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "merchants.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "merchants:login"
LOGIN_REDIRECT_URL = "links:list"
LOGOUT_REDIRECT_URL = "merchants:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["paylinks.formats"]  # en: Canadian dates (2026-11-25)
TIME_ZONE = env("TIME_ZONE", "America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Django's, each file's URL worked out once per process (paylinks.core.staticfiles).
    "staticfiles": {"BACKEND": "paylinks.core.staticfiles.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SESSION_COOKIE_SECURE:  # served over https: browsers must never come back over http
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_SECONDS", 12 * 3600)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Task workers say they are alive this often; a worker silent for the lease has its
# running tasks queued again (see paylinks.core.worker).
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_LEASE_SECONDS = env_int("WORKER_LEASE_SECONDS", 60)

globals().update(email_settings(env("EMAIL_URL", ""), DATA_DIR))
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "paylinks <no-reply@paylinks.localhost>")
# Text messages (see notifications/sms.py): outbox: (a file in the data dir), console:, twilio://
SMS_URL = env("SMS_URL", "outbox:")
SMS_FROM = env("SMS_FROM", "")
# The same link is not sent to the same person again within this many seconds.
MESSAGE_COOLDOWN_SECONDS = env_int("MESSAGE_COOLDOWN_SECONDS", 3600)
# Automatic reminders of an unpaid single-use link, days after it was sent (empty: none).
AUTO_REMINDER_DAYS = [int(d) for d in env("AUTO_REMINDER_DAYS", "3,7").split(",") if d.strip()]

# Payment processing
PROCESSOR = env("PROCESSOR", "sandbox")
# Encrypts secrets at rest (merchants' Stripe keys); generated once into the data dir if unset.
ENCRYPTION_KEY = env("ENCRYPTION_KEY")
# Sandbox processor: how long a bank transfer stays pending.
SANDBOX_SETTLE_SECONDS = env_int("SANDBOX_SETTLE_SECONDS", 60)
# Stripe: the instance-wide account (a merchant may connect its own instead), and where
# Stripe's API and Stripe.js are (tests point them at localstripe).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_JS_URL = env("STRIPE_JS_URL", "https://js.stripe.com/v3/")
# How often a pending payment (a bank transfer) is asked about again.
SETTLEMENT_CHECK_SECONDS = env_int("SETTLEMENT_CHECK_SECONDS", 60)
# A checkout waiting for the customer's 3-D Secure step is abandoned after this long:
# its intent is cancelled and its hold on a single-use or capped link released.
CHECKOUT_ACTION_TIMEOUT_SECONDS = env_int("CHECKOUT_ACTION_TIMEOUT_SECONDS", 900)
# Attempts still "processing" after this long are finished from the processor's record.
RECOVERY_SECONDS = env_int("RECOVERY_SECONDS", 120)
RECOVERY_INTERVAL_SECONDS = env_int("RECOVERY_INTERVAL_SECONDS", 60)
# The books' periodic pass (the sandbox's daily payout, Stripe's payouts read) runs this often.
PAYOUT_CHECK_SECONDS = env_int("PAYOUT_CHECK_SECONDS", 3600)
# Card-testing defence: failed attempts allowed per window, per link, client IP, card, merchant.
REDIS_URL = env("REDIS_URL")
VELOCITY_WINDOW_SECONDS = env_int("VELOCITY_WINDOW_SECONDS", 3600)
VELOCITY_MAX_FAILURES = {
    "link": env_int("VELOCITY_MAX_FAILURES_PER_LINK", 20),
    "ip": env_int("VELOCITY_MAX_FAILURES_PER_IP", 10),
    "card": env_int("VELOCITY_MAX_FAILURES_PER_CARD", 5),
    "merchant": env_int("VELOCITY_MAX_FAILURES_PER_MERCHANT", 200),
}
# Login throttling: failures per email (and per client IP) before a lockout of this long.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0: use the peer).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
# Webhooks: each attempt's timeout, and how long an endpoint may fail before it is disabled.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 15)
WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 24 * 3600)
FAULTS = {f.strip() for f in env("FAULTS").split(",") if f.strip()}  # crash tests only
CURRENCIES = [c.strip() for c in env("CURRENCIES", "CAD,USD,EUR").split(",") if c.strip()]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Link and receipt tokens never reach a log line (paylinks.core.redact).
    "filters": {"redact_secrets": {"()": "paylinks.core.redact.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
