"""Settings of the notifications worker: the only place it reads the environment (through chassis).

The kit's common settings (SECRET_KEY, DATABASE_URL, REDIS_URL, logging) plus the broker, the two
channels and the monolith it asks for phone numbers. DATABASE_URL is this service's own database: the
Procfile maps it from NOTIFICATIONS_DATABASE_URL. Texting needs MONOLITH_URL and IDENTITY_SIGNING_KEYS;
with SMS_VIA_SNS=true and either missing, the worker stops at start-up naming it.
"""

from chassis.env import env_bool, env_list, env_str, env_url
from chassis.settings import common_settings

globals().update(common_settings(service="notifications"))

# ---------------------------------------------------------------- apps and database
INSTALLED_APPS = ["chassis", "extracted.notifications.notifications"]
MIDDLEWARE: list[str] = []
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F821  (defined by common_settings)
    # SQLite ignores SELECT ... FOR UPDATE; taking the write lock when a transaction begins gives two
    # workers handling one event the same serialisation PostgreSQL's row lock gives them.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"  # noqa: F821

# ---------------------------------------------------------------- broker
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", REDIS_URL,  # noqa: F821  (defined by common_settings)
                            schemes=("redis", "rediss", "amqp", "amqps", "sqs"))

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
