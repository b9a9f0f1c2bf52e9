"""Django settings. Everything a deployment changes comes from the environment (see docs/operations.md).

MADOGUCHI_HOME      folder for the SQLite database and generated secrets (default ./var)
DATABASE_URL        e.g. postgres://user:pass@host/db (default: SQLite in MADOGUCHI_HOME)
MADOGUCHI_SECRET_KEY  required in production (``madoguchi serve``); demo generates one in MADOGUCHI_HOME
MADOGUCHI_CATALOG   the municipality's catalog folder (default: the bundled sample)
MADOGUCHI_DEBUG     "1" for development only
MADOGUCHI_ALLOWED_HOSTS  comma-separated host names
"""

from __future__ import annotations

import os
from datetime import timedelta

import dj_database_url

from madoguchi.card.address import agent_origin
from madoguchi.web.project import settings_common as common

PACKAGE_DIR = common.PACKAGE_DIR
HOME = common.HOME
CATALOG_PATH = common.CATALOG_PATH
DEBUG = common.DEBUG
ALLOWED_HOSTS = common.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = common.CSRF_TRUSTED_ORIGINS
SECRET_KEY = common.secret_key("secret_key")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "madoguchi.web.counter.apps.CounterConfig",
    "madoguchi.web.juki.apps.JukiConfig",
    "madoguchi.web.shinseisho.apps.ShinseishoConfig",
    "madoguchi.web.backoffice.apps.BackofficeConfig",
    "madoguchi.web.resident.apps.ResidentConfig",
    "django_tasks",
    "django_tasks_db",
]

# Background work (delivery to core systems) in a database-backed queue: SQLite and PostgreSQL alike.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "delivery"]}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "madoguchi.web.project.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "madoguchi.web.project.middleware.SessionTouchMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "madoguchi.web.counter.auditing.AdminAuditMiddleware",
]

ROOT_URLCONF = "madoguchi.web.project.urls"

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
                "django.template.context_processors.i18n",
                "madoguchi.web.counter.context.municipality",
            ],
        },
    }
]

WSGI_APPLICATION = "madoguchi.web.project.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{HOME / 'madoguchi.sqlite3'}",
        # Connections are kept per thread, SQLite's too (opening one, with its pragmas, costs ~2 ms).
        conn_max_age=int(os.environ.get("MADOGUCHI_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let several gunicorn workers share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that also reads the roles with the user (one query per request instead of two). Sessions
    # signed in under the plain ModelBackend before this change have to sign in once more.
    "madoguchi.web.counter.auth.RolesModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a user name from one address after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("MADOGUCHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# …and an address after this many failures under any user names (madoguchi.web.counter.loginlimits).
MADOGUCHI_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("MADOGUCHI_LOGIN_IP_FAILURE_LIMIT", "20"))
AXES_HANDLER = "madoguchi.web.counter.loginlimits.LoginLimitHandler"
# The client address of the login limits and the audit log: X-Forwarded-For is read only from these
# reverse proxies (addresses or networks), see madoguchi.web.project.clientip.
TRUSTED_PROXIES = common.env_list("MADOGUCHI_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "madoguchi.web.project.clientip.axes_client_ip"

# Counter PCs are shared: sessions end after 30 idle minutes and when the browser closes. Activity renews
# the session at most once a minute (madoguchi.web.project.middleware.SessionTouchMiddleware).
SESSION_ENGINE = "madoguchi.web.counter.sessions"  # database sessions, read without the ORM (decision 0012)
SESSION_COOKIE_AGE = int(os.environ.get("MADOGUCHI_SESSION_SECONDS", str(30 * 60)))
MADOGUCHI_SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("MADOGUCHI_HTTPS") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000  # as the pre-entry site: browsers use https only, for a year

# No inline script anywhere: every script is a static file from this server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        # The counter page also talks to the card agent on the counter PC (docs/registry.md).
        "connect-src": [
            "'self'",
            *filter(None, [agent_origin(os.environ.get("MADOGUCHI_CARD_AGENT_URL", ""))]),
        ],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "web" / "counter" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Only for `madoguchi manage collectstatic`; by default WhiteNoise serves from the package.
STATIC_ROOT = os.environ.get("MADOGUCHI_STATIC_ROOT") or None
# Assets are vendored in the package; WhiteNoise serves them straight from the app folders (no CDN: counter
# networks are closed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_numbers": {"()": "madoguchi.privacy.MaskIndividualNumbersFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_numbers"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MADOGUCHI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The queue worker logs every empty poll at INFO; keep the console for what matters.
        "django_tasks_db": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# 特定個人情報 on a need-to-know basis (docs/registry.md): at most this many full 個人番号 views per user in
# the window; one more is refused and written to the audit log as an alert (counted from the audit log).
MADOGUCHI_MY_NUMBER_REVEALS = int(os.environ.get("MADOGUCHI_MY_NUMBER_REVEALS", "10"))
MADOGUCHI_MY_NUMBER_WINDOW_SECONDS = int(os.environ.get("MADOGUCHI_MY_NUMBER_WINDOW_SECONDS", str(10 * 60)))
