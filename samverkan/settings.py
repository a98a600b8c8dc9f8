"""Settings, all from the environment.

SQLite under var/ is the default so the platform runs with no server; DATABASE_URL
selects PostgreSQL. SAMVERKAN_PRODUCTION=1 switches on the production hardening.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_bool("SAMVERKAN_PRODUCTION")
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
TESTING = env_bool("SAMVERKAN_TESTING")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when SAMVERKAN_PRODUCTION=1")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105

ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "django_filters",
    "django_countries",  # country names in Swedish and English
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
    "csp",
    "ninja",
    "samverkan.core",
    "samverkan.accounts",
    "samverkan.orgs",
    "samverkan.strategy",
    "samverkan.needs",
    "samverkan.inquiries",
    "samverkan.collaborations",
    "samverkan.agreements",
    "samverkan.register",
    "samverkan.effects",
    "samverkan.notifications",
    "samverkan.privacy",
    "samverkan.api",
    "samverkan.site",
    "samverkan.demo",
    "samverkan.reference",
    "samverkan.scale",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "samverkan.core.middleware.InfrastructureMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' rule).
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # In development runserver serves static files; in production whitenoise does.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "samverkan.urls"
WSGI_APPLICATION = "samverkan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samverkan.core.context_processors.navigation",
                "samverkan.core.context_processors.infrastructure",
            ],
        },
    }
]

VAR_DIR = Path(os.environ.get("SAMVERKAN_VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'samverkan.sqlite3'}"),
        # In production a connection serves many requests, checked before each reuse.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker) share the file: wait for locks, take them early.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every app process: rate limits and lockouts must not live in one process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "samverkan_cache",
    },
    # Rendered public pages and computed figures, per process: each is keyed by a
    # generation number kept in the shared cache, so a change reaches every process.
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "samverkan-local",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_FORMS = {"login": "samverkan.accounts.login_form.LoginForm"}
ACCOUNT_SIGNUP_FORM_CLASS = "samverkan.accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_ADAPTER = "samverkan.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
SOCIALACCOUNT_ONLY = False

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = 1  # hours
AXES_ENABLED = not TESTING

# Public intake: per-address limit on inquiries, as count/period (s, m, h, d).
INTAKE_RATE_LIMIT = os.environ.get("INTAKE_RATE_LIMIT", "20/h")
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", default=True)
# Behind a proxy, the request header that carries the client address (for example
# HTTP_X_FORWARDED_FOR); RATELIMIT_IP_META_KEY is its older name.
CLIENT_IP_META_KEY = (
    os.environ.get("CLIENT_IP_META_KEY") or os.environ.get("RATELIMIT_IP_META_KEY") or None
)

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day-first or ISO, as in samverkan/formats/en; Swedish uses Django's own.
FORMAT_MODULE_PATH = ["samverkan.formats"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

STATIC_URL = "/static/"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "samverkan.effects.finders.PlotlyFinder",  # plotly.min.js from the installed package
]
EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER = "samverkan.orgs.querysets.knowledge_exchange_events"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
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

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# The infrastructure's own sender (reference pack, admin) comes first; this is the fallback.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "samverkan@localhost")
# How many times the worker tries an e-mail before it gives up and flags it.
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "8"))
# A mail server that accepts and never answers must not hold a worker for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# A message claimed for sending this long ago belongs to a worker that died: send again.
EMAIL_CLAIM_TIMEOUT = int(os.environ.get("EMAIL_CLAIM_TIMEOUT", "600"))

# Every script, style, font and image comes from this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

PAGE_SIZE = 25
# A filter left empty filters nothing: its empty choice says so, in the page's language.
FILTERS_EMPTY_CHOICE_LABEL = _("All")
# Empty: the infrastructure's prefix from the reference pack; set it to override that.
INQUIRY_REFERENCE_PREFIX = os.environ.get("INQUIRY_REFERENCE_PREFIX", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "samverkan.core.logging.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers (the request lines of runserver among them) go through the
        # same redacting handler as everything else.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_tasks": {"level": "WARNING"},
    },
}

FORM_RENDERER = "samverkan.core.forms.FormRenderer"

# --- Reliability and security -------------------------------------------------------------
# Kept together so that the hardening can be read in one place.

# Every message goes through one backend that normalises its header values (a line break
# in a title must neither fail the mail nor add a header); it delivers with the backend
# configured above.
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "samverkan.core.mail.HeaderSafeBackend"

# A lost database connection answers 503 with Retry-After (seconds), pages and API alike;
# a body over the limit answers 413 before it is read. Right after the language is
# chosen, so the answers speak the visitor's language.
_after_locale = MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1
MIDDLEWARE[_after_locale:_after_locale] = [
    "samverkan.core.middleware.RequestSizeMiddleware",
    "samverkan.core.middleware.DatabaseErrorsMiddleware",
]
# The largest request with a file (the 20 MB agreement documents, with room for the form).
MAX_UPLOAD_SIZE = int(os.environ.get("MAX_UPLOAD_SIZE", str(25 * 1024 * 1024)))
DATABASE_RETRY_AFTER = int(os.environ.get("DATABASE_RETRY_AFTER", "30"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Logins. A lockout is for one account from one address, so nobody can lock someone else
# out from elsewhere (django-axes); an address that fails many logins, for any accounts,
# is stopped by a higher per-address limit (the account library's "login_failed", with no
# per-account part). Whoever can read the account's e-mail gets back in with a password
# reset, which clears the lockout (AccountAdapter.set_password).
# Behind proxies, the address is counted from the right of CLIENT_IP_META_KEY's header,
# CLIENT_IP_PROXY_COUNT entries in; axes, the account library and the intake limit all
# read it through samverkan.core.ratelimit.client_address.
CLIENT_IP_PROXY_COUNT = int(os.environ.get("CLIENT_IP_PROXY_COUNT", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "samverkan.core.ratelimit.axes_client_address"
AXES_USERNAME_CALLABLE = "samverkan.accounts.adapter.login_name"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "50/h/ip")
ACCOUNT_RATE_LIMITS = {"login_failed": LOGIN_FAILURES_PER_ADDRESS}

# Backups (manage.py backup / restore): JSON with times to the microsecond.
SERIALIZATION_MODULES = {"backupjson": "samverkan.core.serializers"}

# Single sign-on with OpenID Connect, from the environment: the issuer's address (its
# /.well-known/openid-configuration is read), the client id and secret registered there,
# and the button's name. People whose provider vouches for their address log in to the
# account with that address; others get a new company account, as on sign-up.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
if OIDC_ISSUER:
    SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": os.environ.get("OIDC_NAME", "Single sign-on"),
                    "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                    "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                    "settings": {"server_url": OIDC_ISSUER},
                }
            ],
            "EMAIL_AUTHENTICATION": True,
        }
    }
    SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
    SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

# Two-factor authentication: an app code (TOTP) or a security key / passkey (WebAuthn),
# with recovery codes. With MFA_REQUIRED_FOR_STAFF on, coordinators and administrators
# must set one up before they can use anything else (samverkan.accounts.mfa); the
# Django admin logs in through the same login page (samverkan/urls.py).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF")
MIDDLEWARE.insert(
    MIDDLEWARE.index("allauth.account.middleware.AccountMiddleware") + 1,
    "samverkan.accounts.mfa.RequireMfaMiddleware",
)
