"""Settings of the notifications worker: the only place it reads the environment (through chassis).

The kit's common settings (SECRET_KEY, DATABASE_URL, REDIS_URL, logging, security) plus the broker, the two
channels and the monolith it asks for phone numbers. DATABASE_URL is this service's own database: the
Procfile maps it from NOTIFICATIONS_DATABASE_URL. Texting needs MONOLITH_URL and IDENTITY_SIGNING_KEYS;
with SMS_VIA_SNS=true and either missing, the worker stops at start-up naming it.
"""

from chassis import settings as defaults
from chassis.broker import env_broker_url, env_visibility_timeout
from chassis.env import env_bool, env_database, env_environment, env_float, env_list, env_str, env_url, read_dot_env
from chassis.storage import storages_from_env

read_dot_env()

# ---------------------------------------------------------------- general
SERVICE_NAME = "notifications"
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
# SQLite ignores SELECT ... FOR UPDATE: two workers handling one event get PostgreSQL's row-lock
# serialisation from the write lock taken when their transaction begins.
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
INSTALLED_APPS = [*defaults.ADMIN_APPS, "chassis", "extracted.notifications.notifications"]
# The worker serves no HTTP; the web process (extracted.notifications.wsgi) serves only health and the admin.
MIDDLEWARE = [
    "chassis.request_id.RequestIdMiddleware",
    "chassis.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "extracted.notifications.urls"
WSGI_APPLICATION = "extracted.notifications.wsgi.application"
TEMPLATES = defaults.TEMPLATES
REST_FRAMEWORK = defaults.rest_framework_settings()

# ---------------------------------------------------------------- admin (staff of this service; chassis.admin)
AUTH_PASSWORD_VALIDATORS = defaults.AUTH_PASSWORD_VALIDATORS
# Cookies of their own: on one host (the proxy's, or localhost) the monolith's would be overwritten.
SESSION_COOKIE_NAME = "notifications_sessionid"
CSRF_COOKIE_NAME = "notifications_csrftoken"
STATIC_URL = "/static/"
# WhiteNoise serves static files, unless AWS_STORAGE_BUCKET_NAME puts them (and media) on S3.
STORAGES = storages_from_env()
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# ---------------------------------------------------------------- broker
CELERY_BROKER_URL = env_broker_url("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_VISIBILITY_TIMEOUT = env_visibility_timeout(CELERY_BROKER_URL)
CELERY_SQS_QUEUE_PREFIX = env_str("CELERY_SQS_QUEUE_PREFIX", "")

# ---------------------------------------------------------------- e-mail
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "chassis.mail.JsonConsoleEmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "concierge@localhost")

# ---------------------------------------------------------------- SMS (boto3 reads the AWS_* variables itself)
SMS_VIA_SNS = env_bool("SMS_VIA_SNS", False)
if SMS_VIA_SNS:
    MONOLITH_URL = env_url("MONOLITH_URL", schemes=("http", "https"))
    IDENTITY_SIGNING_KEYS = env_list("IDENTITY_SIGNING_KEYS")
else:
    MONOLITH_URL = env_str("MONOLITH_URL", "")
    IDENTITY_SIGNING_KEYS = env_list("IDENTITY_SIGNING_KEYS", [])

# ---------------------------------------------------------------- release phase
RELEASE_COMMANDS: list[str] = []
