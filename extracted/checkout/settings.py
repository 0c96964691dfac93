"""Settings of the checkout service: the only place it reads the environment (through chassis).

The kit's common settings (SECRET_KEY, DATABASE_URL, REDIS_URL, logging, security) plus the broker, the two
systems the saga calls (the catalogue, the card processor), the saga's retry budget, the identity keys
and the shop's report. DATABASE_URL is this service's own database: the Procfile maps it from
CHECKOUT_DATABASE_URL. A retry policy that could outlive the broker's visibility timeout stops every
process of the service at start-up, naming the variables.
"""

from chassis import settings as defaults
from chassis.broker import env_broker_url, env_visibility_timeout
from chassis.env import (
    ConfigError,
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
from extracted.checkout.checkout.policy import RetryPolicy
from order_contract.events import NOTIFICATIONS_QUEUE

read_dot_env()

# ---------------------------------------------------------------- general
SERVICE_NAME = "checkout"
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
# A saga step reads then writes; under SQLite another worker thread may write first.
DATABASES = {"default": defaults.write_lock_on_begin(env_database("DATABASE_URL"))}
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
INSTALLED_APPS = [*defaults.ADMIN_APPS, "rest_framework", "drf_spectacular", "chassis", "extracted.checkout.checkout"]
MIDDLEWARE = [
    "chassis.request_id.RequestIdMiddleware",
    # The proxy's shadowed writes (routes.toml: dry_run = true on this upstream) run here rolled back, with
    # every side effect suppressed (chassis.dryrun); with the guarded e-mail backend below, this opts in.
    "chassis.dryrun.middleware.DryRunMiddleware",
    "chassis.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, users and CSRF are the admin's only: the API's credential is the proxy's signed header,
    # and DRF's views are CSRF-exempt.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "extracted.checkout.urls"
WSGI_APPLICATION = "extracted.checkout.wsgi.application"
TEMPLATES = defaults.TEMPLATES

# ---------------------------------------------------------------- admin (staff of this service; chassis.admin)
# Cookies of their own: on one host (the proxy's, or localhost) the monolith's would be overwritten.
AUTH_PASSWORD_VALIDATORS = defaults.AUTH_PASSWORD_VALIDATORS
SESSION_COOKIE_NAME = "checkout_sessionid"
CSRF_COOKIE_NAME = "checkout_csrftoken"
STATIC_URL = "/static/"
# WhiteNoise serves static files, unless AWS_STORAGE_BUCKET_NAME puts them (and media) on S3.
STORAGES = storages_from_env()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# ---------------------------------------------------------------- API and identity
REST_FRAMEWORK = defaults.rest_framework_settings(
    DEFAULT_AUTHENTICATION_CLASSES=["extracted.checkout.checkout.authentication.EdgeIdentityAuthentication"],
    DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.IsAuthenticated"],
    # The caller is whoever the proxy's signed identity says; django.contrib.auth's users are the admin's.
    UNAUTHENTICATED_USER=None,
    # The services' domain errors become HTTP answers there, and only there.
    EXCEPTION_HANDLER="extracted.checkout.exceptions.exception_handler",
)
SPECTACULAR_SETTINGS = defaults.openapi_settings(
    title="Checkout service", description="Orders accepted at once and carried out by a saga; their status.")
IDENTITY_SIGNING_KEYS = env_list("IDENTITY_SIGNING_KEYS")
IDENTITY_MAX_AGE_SECONDS = env_int("IDENTITY_MAX_AGE_SECONDS", 60, minimum=1)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 48, minimum=24)
CHECKOUT_DEFAULT_PAYMENT_METHOD = env_str("CHECKOUT_DEFAULT_PAYMENT_METHOD", "pm_card_visa")

# ---------------------------------------------------------------- the systems the saga calls
CATALOG_URL = env_url("CATALOG_URL", schemes=("http", "https"))
CATALOG_TIMEOUT = env_float("CATALOG_TIMEOUT", 5.0, minimum=0.1)
# Products read on the accept path, kept briefly in each process: a call to the catalogue costs more
# than the rest of an acceptance. Nothing another process needs lives here; 0 turns it off.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "checkout"},
    "products": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "checkout-products",
                 "TIMEOUT": env_int("CATALOG_PRODUCT_CACHE_SECONDS", 30, minimum=0),
                 "OPTIONS": {"MAX_ENTRIES": 10_000}},
}
CARD_PROCESSOR_URL = env_url("CARD_PROCESSOR_URL", schemes=("http", "https"))
CARD_PROCESSOR_TIMEOUT = env_float("CARD_PROCESSOR_TIMEOUT", 5.0, minimum=0.1)

# ---------------------------------------------------------------- broker and saga
CELERY_BROKER_URL = env_broker_url("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_VISIBILITY_TIMEOUT = env_visibility_timeout(CELERY_BROKER_URL)
CELERY_SQS_QUEUE_PREFIX = env_str("CELERY_SQS_QUEUE_PREFIX", "")
CHECKOUT_QUEUE = env_str("CHECKOUT_QUEUE", "checkout")
ORDER_EVENTS_QUEUE = env_str("ORDER_EVENTS_QUEUE", NOTIFICATIONS_QUEUE)
SAGA_RETRY = RetryPolicy(max_attempts=env_int("SAGA_MAX_ATTEMPTS", 8, minimum=1),
                         base_seconds=env_float("SAGA_BACKOFF_BASE_SECONDS", 2.0, minimum=0.01),
                         max_seconds=env_float("SAGA_BACKOFF_MAX_SECONDS", 300.0, minimum=0.01))
SAGA_STUCK_AFTER_SECONDS = env_int("SAGA_STUCK_AFTER_SECONDS", 900, minimum=1)
SAGA_DEADLINE_SECONDS = env_int("SAGA_DEADLINE_SECONDS", 3600, minimum=1)
SAGA_SWEEP_INTERVAL_SECONDS = env_int("SAGA_SWEEP_INTERVAL_SECONDS", 60, minimum=1)
SAGA_VOID_WITHIN_DAYS = env_int("SAGA_VOID_WITHIN_DAYS", 7, minimum=1)
_saga_problems = SAGA_RETRY.problems(visibility_timeout=CELERY_VISIBILITY_TIMEOUT,
                                     stuck_after=SAGA_STUCK_AFTER_SECONDS)
if _saga_problems:
    raise ConfigError("; ".join(_saga_problems) + "; see .env.example.")

# ---------------------------------------------------------------- the shop's daily report
SHOP_REPORT_EMAIL = env_str("SHOP_REPORT_EMAIL", "shop@localhost")
SHOP_REPORT_HOUR_UTC = env_int("SHOP_REPORT_HOUR_UTC", 6, minimum=0)
if SHOP_REPORT_HOUR_UTC > 23:
    raise ConfigError(f"SHOP_REPORT_HOUR_UTC={SHOP_REPORT_HOUR_UTC} is not an hour (0-23); see .env.example.")
# EMAIL_BACKEND names the backend that sends; the guard in front of it sends nothing in a dry run.
EMAIL_BACKEND = "chassis.dryrun.mail.GuardedEmailBackend"
GUARDED_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "chassis.mail.JsonConsoleEmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "concierge@localhost")

# ---------------------------------------------------------------- release phase
RELEASE_COMMANDS: list[str] = []
