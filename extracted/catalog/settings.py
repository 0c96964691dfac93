"""Settings of the catalogue service: the only place it reads the environment (through chassis).

The kit's common settings (SECRET_KEY, DATABASE_URL, REDIS_URL, logging, security) plus the API cache,
the popular-searches window and the identity keys its internal API checks. DATABASE_URL is this
service's own database: the Procfile maps it from CATALOG_DATABASE_URL.
"""

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

read_dot_env()

# ---------------------------------------------------------------- general
SERVICE_NAME = "catalog"
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
# A reservation reads then writes; under SQLite another request's thread may write first.
DATABASES = {"default": defaults.write_lock_on_begin(env_database("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
HEALTH_CHECK_TIMEOUT = env_float("HEALTH_CHECK_TIMEOUT", 1.0)

# ---------------------------------------------------------------- API cache and popular searches (Redis)
# Every key the catalogue keeps in Redis starts with CATALOG_REDIS_PREFIX (one per stack: two stacks on
# one Redis never share entries). Answers of the read API are kept CATALOG_CACHE_SECONDS (0: none) and
# any write makes them unreachable at once (extracted/catalog/catalog/cache.py); search terms are
# counted over the last POPULAR_SEARCH_WINDOW_SECONDS.
CATALOG_REDIS_PREFIX = env_str("CATALOG_REDIS_PREFIX", "catalog")
CATALOG_CACHE_SECONDS = env_int("CATALOG_CACHE_SECONDS", 300, minimum=0)
POPULAR_SEARCH_WINDOW_SECONDS = env_int("POPULAR_SEARCH_WINDOW_SECONDS", 3600, minimum=60)

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
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# ---------------------------------------------------------------- apps
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework", "drf_spectacular",
                  "chassis", "extracted.catalog.catalog"]
MIDDLEWARE = [
    "chassis.request_id.RequestIdMiddleware",
    "chassis.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    # request.identity: the user a call is made for, as the proxy or the monolith signed it (or nobody).
    "chassis.identity.SignedIdentityMiddleware",
    # ETag on every GET answer, 304 when the client's If-None-Match names it.
    "django.middleware.http.ConditionalGetMiddleware",
]
ROOT_URLCONF = "extracted.catalog.urls"
WSGI_APPLICATION = "extracted.catalog.wsgi.application"
TEMPLATES = defaults.TEMPLATES
# Product pictures are the monolith's static files; the API names them by the same URL.
STATIC_URL = "/static/"

# ---------------------------------------------------------------- API and identity
REST_FRAMEWORK = defaults.rest_framework_settings(
    # Reads are public; the internal reservations API checks the X-Strangler-Internal proof itself.
    DEFAULT_AUTHENTICATION_CLASSES=[],
    DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.AllowAny"],
    UNAUTHENTICATED_USER=None,
    # The services' domain errors become HTTP answers there, and only there.
    EXCEPTION_HANDLER="extracted.catalog.exceptions.exception_handler",
)
SPECTACULAR_SETTINGS = defaults.openapi_settings(
    title="Catalogue service", description="Products, search, popular searches and stock reservations.")
IDENTITY_SIGNING_KEYS = env_list("IDENTITY_SIGNING_KEYS")
IDENTITY_MAX_AGE_SECONDS = env_int("IDENTITY_MAX_AGE_SECONDS", 60, minimum=1)

# ---------------------------------------------------------------- release phase
# Migrations only: the service's rows are the monolith's, copied by the backfill of the Procfile's release
# (`strangler data release ... catalog`). `load_demo_catalog` fills a service that runs alone (the tests).
RELEASE_COMMANDS: list[str] = []
