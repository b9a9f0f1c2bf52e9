"""Settings of the **pre-entry profile**: the public, internet-facing deployment (``madoguchi serve --profile
preentry``) where residents answer the guide at home.

It shares the code base with the counter but nothing else: its own database, no counter apps installed (so
no cases, staff accounts, registry or 個人番号 tables exist here), no login, and no setting that points at the
counter — the counter pulls submissions from it over an authenticated API; it never calls the counter.

MADOGUCHI_HOME                       folder for its SQLite database, rate-limit cache and demo secrets
MADOGUCHI_PREENTRY_DATABASE_URL      its own database (default: SQLite ``preentry.sqlite3`` in MADOGUCHI_HOME)
MADOGUCHI_SECRET_KEY                 required in production; not the counter's key
MADOGUCHI_PREENTRY_KEY               AES-256 key (base64 of 32 bytes) sealing what residents enter
MADOGUCHI_PREENTRY_API_KEY           bearer key the counter presents to take submissions (required for the API)
MADOGUCHI_PREENTRY_RETENTION_DAYS    days before an untaken submission is deleted (default 14)
MADOGUCHI_PREENTRY_HANDOFF_PER_HOUR  hand-off codes one client may create per hour (default 10)
MADOGUCHI_PREENTRY_PAGES_PER_MINUTE  page requests one client may make per minute (default 300)
MADOGUCHI_PREENTRY_MAX_PENDING       submissions stored at most; new ones are refused beyond it (default 20000)
MADOGUCHI_TRUST_X_FORWARDED_FOR      "1" behind a reverse proxy that sets X-Forwarded-For
MADOGUCHI_CATALOG, MADOGUCHI_DEBUG, MADOGUCHI_ALLOWED_HOSTS, MADOGUCHI_HTTPS   as on the counter
"""

from __future__ import annotations

import os

import dj_database_url

from madoguchi.web.project import settings_common as common

PROFILE = "preentry"
PACKAGE_DIR = common.PACKAGE_DIR
HOME = common.HOME
CATALOG_PATH = common.CATALOG_PATH
DEBUG = common.DEBUG
ALLOWED_HOSTS = common.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = common.CSRF_TRUSTED_ORIGINS
SECRET_KEY = common.secret_key("preentry_secret_key")

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "django_htmx",
    "madoguchi.web.resident.apps.ResidentConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "madoguchi.web.project.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "madoguchi.web.project.preentry_urls"
WSGI_APPLICATION = "madoguchi.web.project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("MADOGUCHI_PREENTRY_DATABASE_URL") or f"sqlite:///{HOME / 'preentry.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Answers in progress stay in the resident's own browser (a signed cookie): nothing is written on the server
# until a hand-off code is asked for, so scripted page requests cost no storage.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
# A shared device (a library PC, a family tablet): the cookie is a browser-session cookie, gone when the
# browser closes; the signature's age is still checked on the server (6 hours at most).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 6 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "madoguchi_preentry"
CSRF_COOKIE_NAME = "madoguchi_preentry_csrf"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "madoguchi.web.resident.preentry_views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
# "same-origin", not "no-referrer": with no-referrer browsers send "Origin: null" and CSRF checks fail.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("MADOGUCHI_HTTPS") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit counters: one small locked file per client and window, shared by every worker.
RATELIMIT_DIR = os.environ.get("MADOGUCHI_RATELIMIT_DIR") or str(HOME / "preentry-ratelimit")

LANGUAGE_CODE = "ja"
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("MADOGUCHI_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Every field is small: the whole pre-entry form is a few short answers.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
DATA_UPLOAD_MAX_NUMBER_FILES = 0

TRUST_X_FORWARDED_FOR = os.environ.get("MADOGUCHI_TRUST_X_FORWARDED_FOR") == "1"
PREENTRY_KEY = os.environ.get("MADOGUCHI_PREENTRY_KEY") or None
PREENTRY_API_KEY = os.environ.get("MADOGUCHI_PREENTRY_API_KEY") or None
PREENTRY_RETENTION_DAYS = int(os.environ.get("MADOGUCHI_PREENTRY_RETENTION_DAYS", "14"))
PREENTRY_HANDOFF_PER_HOUR = int(os.environ.get("MADOGUCHI_PREENTRY_HANDOFF_PER_HOUR", "10"))
PREENTRY_PAGES_PER_MINUTE = int(os.environ.get("MADOGUCHI_PREENTRY_PAGES_PER_MINUTE", "300"))
PREENTRY_MAX_PENDING = int(os.environ.get("MADOGUCHI_PREENTRY_MAX_PENDING", "20000"))
PREENTRY_MIN_SECONDS = int(os.environ.get("MADOGUCHI_PREENTRY_MIN_SECONDS", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_numbers": {"()": "madoguchi.privacy.MaskIndividualNumbersFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_numbers"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MADOGUCHI_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
