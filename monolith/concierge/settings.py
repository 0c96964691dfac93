"""Settings of the Concierge monolith: the only place its environment is read (through chassis)."""

from chassis import settings as defaults
from chassis.env import (
                         env_bool,
                         env_database,
                         env_environment,
                         env_float,
                         env_int,
                         env_list,
                         env_str,
                         env_url,
                         read_dot_env,
)
from chassis.storage import storages_from_env

read_dot_env()

# ---------------------------------------------------------------- general
SERVICE_NAME = "monolith"
ENVIRONMENT = env_environment()
production = ENVIRONMENT == "production"  # lower case: a name for this module, not a setting
SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", defaults.default_allowed_hosts(production=production))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

# ---------------------------------------------------------------- backing services
DATABASES = {"default": env_database("DATABASE_URL")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
HEALTH_CHECK_TIMEOUT = env_float("HEALTH_CHECK_TIMEOUT", 1.0)

# ---------------------------------------------------------------- logging
LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = defaults.log_settings(SERVICE_NAME)

# ---------------------------------------------------------------- requests and security
DATA_UPLOAD_MAX_MEMORY_SIZE = defaults.request_body_limit()
CSRF_FAILURE_VIEW = "chassis.errors.csrf_failure"
SECURE_PROXY_SSL_HEADER = defaults.SECURE_PROXY_SSL_HEADER
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", production)
SECURE_REDIRECT_EXEMPT = defaults.HEALTH_PATHS
SECURE_HSTS_SECONDS = defaults.hsts_seconds(production=production)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SESSION_COOKIE_SECURE = production
CSRF_COOKIE_SECURE = production
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# ---------------------------------------------------------------- apps
INSTALLED_APPS = [
    *defaults.ADMIN_APPS,
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "chassis",
    "strangler_django",
    "monolith.accounts",
    "monolith.catalog",
    "monolith.assistant",
    "monolith.orders",
    "monolith.notifications",
    "monolith.web",
]

MIDDLEWARE = [
    "chassis.request_id.RequestIdMiddleware",
    "chassis.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET answer, 304 when the client's If-None-Match names it.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whom a call to the catalogue service is made for (monolith.catalog.gateway signs it on).
    "monolith.catalog.caller.CallerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "monolith.concierge.urls"
WSGI_APPLICATION = "monolith.concierge.wsgi.application"

TEMPLATES = defaults.TEMPLATES

# ---------------------------------------------------------------- static files
STATIC_URL = "/static/"
# Served by the process itself (WhiteNoise) straight from the app folders: no collectstatic step, no CDN;
# unless AWS_STORAGE_BUCKET_NAME puts static and media files on S3 (collected by the release phase).
STORAGES = storages_from_env()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# ---------------------------------------------------------------- auth
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat"
LOGOUT_REDIRECT_URL = "chat"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Django's four standard validators; sign-up (page and API) refuses what they refuse.
AUTH_PASSWORD_VALIDATORS = defaults.AUTH_PASSWORD_VALIDATORS
REST_FRAMEWORK = defaults.rest_framework_settings(
    DEFAULT_AUTHENTICATION_CLASSES=[
        # Session first: an anonymous caller gets 403, as the original contract documents.
        "rest_framework.authentication.SessionAuthentication",
        "monolith.accounts.authentication.ApiTokenAuthentication",
    ],
    # The services' domain errors become HTTP answers there, and only there.
    EXCEPTION_HANDLER="monolith.concierge.exceptions.exception_handler",
)
SPECTACULAR_SETTINGS = defaults.openapi_settings(
    title="Concierge monolith", description="Chat, checkout, orders, accounts and the catalogue, as the monolith serves them.")

# ---------------------------------------------------------------- identity (shared with the proxy and services)
# First key signs, every key verifies: add a new key in front, retire the old one later.
IDENTITY_SIGNING_KEYS = env_list("IDENTITY_SIGNING_KEYS")

# ---------------------------------------------------------------- catalogue (branch by abstraction)
# Unset: the catalogue is the monolith's own tables. Set: monolith.catalog.gateway calls the catalogue
# service there instead, waiting at most CATALOG_SERVICE_TIMEOUT seconds for an answer.
CATALOG_SERVICE_URL = env_str("CATALOG_SERVICE_URL", "")
if CATALOG_SERVICE_URL:
    CATALOG_SERVICE_URL = env_url("CATALOG_SERVICE_URL", schemes=("http", "https"))
CATALOG_SERVICE_TIMEOUT = env_float("CATALOG_SERVICE_TIMEOUT", 3.0, minimum=0.1)
# Popular searches are counted in Redis under this prefix, over this window (shared with the service).
CATALOG_REDIS_PREFIX = env_str("CATALOG_REDIS_PREFIX", "catalog")
POPULAR_SEARCH_WINDOW_SECONDS = env_int("POPULAR_SEARCH_WINDOW_SECONDS", 3600, minimum=60)

# ---------------------------------------------------------------- assistant
CONVERSATION_TTL_SECONDS = env_int("CONVERSATION_TTL_SECONDS", 3600, minimum=60)

# ---------------------------------------------------------------- orders and payments
CARD_PROCESSOR_URL = env_url("CARD_PROCESSOR_URL", schemes=("http", "https"))
CARD_PROCESSOR_TIMEOUT = env_float("CARD_PROCESSOR_TIMEOUT", 5.0)

# ---------------------------------------------------------------- notifications
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "chassis.mail.JsonConsoleEmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "concierge@localhost")
SMS_VIA_SNS = env_bool("SMS_VIA_SNS", False)

# ---------------------------------------------------------------- diagnostics
# /_diag/fast and /_diag/wait exist only for the proxy benchmark.
DIAGNOSTIC_ENDPOINTS = env_bool("DIAGNOSTIC_ENDPOINTS", False)

# ---------------------------------------------------------------- release phase
RELEASE_COMMANDS = ["load_demo_catalog"]
