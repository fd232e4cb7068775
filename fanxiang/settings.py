"""Django settings for Fanxiang, read from the environment.

DATABASE_URL          database (default: SQLite file var/fanxiang.sqlite3)
FANXIANG_SECRET_KEY   secret key (required in production)
FANXIANG_ENV          "production" switches on production hardening
FANXIANG_ALLOWED_HOSTS comma separated host names (production)
FANXIANG_DEBUG        "1" for the debug toolbar-free development mode (default on outside production)
REDIS_URL             optional cache backend; database cache when unset
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from fanxiang.env import env, env_bool, env_int

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("FANXIANG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENT = env("FANXIANG_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

_DEV_KEY = "fanxiang-development-key-not-for-production-use-0123456789abcdef"
SECRET_KEY = env("FANXIANG_SECRET_KEY", "" if PRODUCTION else _DEV_KEY)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("FANXIANG_SECRET_KEY must be set when FANXIANG_ENV=production")

DEBUG = env_bool("FANXIANG_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = [h.strip() for h in env("FANXIANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
if not PRODUCTION:
    ALLOWED_HOSTS += ["testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "auditlog",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "fanxiang.core",
    "fanxiang.regions",
    "fanxiang.accounts",
    "fanxiang.targets",
    "fanxiang.entrepreneurs",
    "fanxiang.credit",
    "fanxiang.loans",
    "fanxiang.policies",
    "fanxiang.finance",
    "fanxiang.notifications",
    "fanxiang.portal",
    "fanxiang.onestop",
    "fanxiang.training",
    "fanxiang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fanxiang.accounts.middleware.TokenAuthenticationMiddleware",
    "fanxiang.accounts.middleware.ActiveRegionMiddleware",
    "fanxiang.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "fanxiang.core.api.ApiJsonErrorsMiddleware",
    "fanxiang.core.error_pages.NotFoundPageMiddleware",
]

ROOT_URLCONF = "fanxiang.urls"
WSGI_APPLICATION = "fanxiang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fanxiang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fanxiang.accounts.context_processors.navigation",
            ],
            "builtins": ["fanxiang.core.templatetags.fx_display"],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'fanxiang.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A test database per process, so parallel runs against one server never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "fanxiang.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "fanxiang.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "fanxiang.accounts.passwords.UsernameNotContainedValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failures lock the username for 15 minutes, on the web login and the API token alike.
AXES_FAILURE_LIMIT = env_int("FANXIANG_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FANXIANG_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not by IP: a county office reaches the intranet through one NAT address, and locking the address would
# lock out every clerk behind it. Password guessing against one account is what the rule must stop.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_LOCKOUT_CALLABLE = "fanxiang.accounts.views.lockout_response"
AXES_VERBOSE = False
# Failures from an address the user signed in from successfully in the last N days count on their own, so
# an outsider cannot lock the holder out from their usual address (fanxiang/accounts/lockout.py).
AXES_HANDLER = "fanxiang.accounts.lockout.TrustedAddressAxesHandler"
AXES_CLIENT_IP_CALLABLE = "fanxiang.accounts.throttle.client_address"
FANXIANG_TRUSTED_ADDRESS_DAYS = env_int("FANXIANG_TRUSTED_ADDRESS_DAYS", 30)
# Per-address limit on staff sign-in attempts (login page, API token): "N/M" = N per M seconds; successful
# sign-ins give their slot back; 0/… switches it off (fanxiang/accounts/throttle.py).
FANXIANG_LOGIN_RATE = env("FANXIANG_LOGIN_RATE", "20/60")

# Sessions: database backed (stateless web processes), 30 minutes idle timeout.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("FANXIANG_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "fanxiang.core.error_pages.csrf_failure"  # the Chinese 403 page, staff or portal style

API_TOKEN_TTL = timedelta(hours=env_int("FANXIANG_API_TOKEN_HOURS", 8))

REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fanxiang_cache"}
    }

# Background work (imports, exports, batch runs): a task queue whose embedded backend is the database;
# `manage.py db_worker` runs it (make run starts one). FANXIANG_TASKS=immediate runs tasks inline.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env("FANXIANG_TASKS", "database") == "immediate"
            else "django_tasks_db.backend.DatabaseBackend"
        )
    }
}

LANGUAGE_CODE = "zh-hans"
# Chinese only: a browser asking for English must not get Django's English form messages.
LANGUAGES = [("zh-hans", _("简体中文"))]
# Empty choices read "请选择" in form selects (core.forms.FormRenderer) and "全部" in list filters.
FORM_RENDERER = "fanxiang.core.forms.FormRenderer"
FILTERS_EMPTY_CHOICE_LABEL = "全部"
LOCALE_PATHS = [BASE_DIR / "fanxiang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static assets are served by the app itself (WhiteNoise): intranets have no CDN.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Audit trail (django-auditlog): JSON before/after per change.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_INCLUDE_ALL_MODELS = False

# Content-Security-Policy: nothing from outside the app, ever (government intranet).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("FANXIANG_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"fanxiang": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Personal-data keyed hash (searchable index) key; derived from the secret key unless given.
FANXIANG_PII_KEY = env("FANXIANG_PII_KEY", "")

# SMS (portal sign-in codes, notifications): a dotted backend class. Console (log) by default: outside
# production it logs the text (how a developer reads a sign-in code); in production it logs no text.
# The HTTP gateway backend posts JSON to FANXIANG_SMS_GATEWAY_URL (see fanxiang/notifications/sms.py).
FANXIANG_SMS_BACKEND = env("FANXIANG_SMS_BACKEND", "fanxiang.notifications.sms.ConsoleBackend")
FANXIANG_SMS_GATEWAY_URL = env("FANXIANG_SMS_GATEWAY_URL", "")
FANXIANG_SMS_GATEWAY_KEY = env("FANXIANG_SMS_GATEWAY_KEY", "")
FANXIANG_SMS_GATEWAY_TIMEOUT = env_int("FANXIANG_SMS_GATEWAY_TIMEOUT", 5)
FANXIANG_SMS_SIGN = env("FANXIANG_SMS_SIGN", "周口返乡创业")
# Portal: token lifetime; the header a trusted reverse proxy sets with the client address (for the per-IP
# sign-in code limit; empty = REMOTE_ADDR). Code limits: FANXIANG_OTP_* in fanxiang/portal/otp.py.
PORTAL_TOKEN_TTL = timedelta(hours=env_int("FANXIANG_PORTAL_TOKEN_HOURS", 24))
FANXIANG_CLIENT_IP_HEADER = env("FANXIANG_CLIENT_IP_HEADER", "")

# The footer of the public pages (policy pages, portal): site name, host office, enquiry line. An empty value
# is left out. Defaults: the leading group's office (the programme's host) and the national 12333 HR line.
FANXIANG_PUBLIC_SITE = {
    "name": env("FANXIANG_PUBLIC_SITE_NAME", "周口市返乡入乡创业服务平台"),
    "host": env("FANXIANG_PUBLIC_HOST", "周口市推进农民工返乡创业工作领导小组办公室"),
    "phone": env("FANXIANG_PUBLIC_PHONE", "12333（人社服务热线）"),
    "phone_label": "咨询电话",
}
