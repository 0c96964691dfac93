"""Settings of the card-processor sandbox; the only place it reads the environment.

Only SECRET_KEY is required. The sandbox has its own database (SQLite by default, CARD_SANDBOX_DATABASE_URL)
and needs neither Redis nor DATABASE_URL, and it stands in for a third party: it takes from
`chassis.settings` only the log format. Fault injection is read here, once, and a value out of range stops
the process at start-up.
"""

from __future__ import annotations

from typing import Any

from chassis import settings as defaults
from chassis.env import ConfigError, env_bool, env_database, env_int, env_list, env_str, read_dot_env

read_dot_env()


def _rate(name: str) -> float:
    """A probability in 0..1 (default 0), named in the error when it is anything else."""
    raw = env_str(name, "0")
    try:
        rate = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number between 0 and 1; see .env.example.") from None
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"{name}={raw!r} is outside 0..1; see .env.example.")
    return rate


def _optional_int(name: str) -> int | None:
    return env_int(name) if env_str(name, "") else None


def _database() -> dict[str, Any]:
    # Two requests with one idempotency key queue up under SQLite instead of failing.
    return defaults.write_lock_on_begin(env_database("CARD_SANDBOX_DATABASE_URL", "sqlite:///.data/card-sandbox.sqlite3"))


# ---------------------------------------------------------------------------------------------- Django
SERVICE_NAME = "card-processor"
# A stand-in for a third party, never a production deployable: the production checks do not apply.
ENVIRONMENT = "sandbox"
SECRET_KEY = env_str("SECRET_KEY")
# Always off: a debug page would be HTML, and clients of the sandbox expect Stripe-shaped JSON.
DEBUG = False
ALLOWED_HOSTS = env_list("CARD_SANDBOX_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
INSTALLED_APPS = ["sandboxes.card_processor.apps.CardProcessorConfig"]
MIDDLEWARE = [
    "chassis.request_id.RequestIdMiddleware",
    "sandboxes.card_processor.faults.FaultInjectionMiddleware",
]
ROOT_URLCONF = "sandboxes.card_processor.urls"
DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = defaults.log_settings(SERVICE_NAME)

# ------------------------------------------------------------------------------------- Card processor
CARD_SANDBOX_RISK_LIMIT_CENTS = env_int("CARD_SANDBOX_RISK_LIMIT_CENTS", 10000, minimum=1)
CARD_SANDBOX_LATENCY_MS = env_int("CARD_SANDBOX_LATENCY_MS", 0, minimum=0)
CARD_SANDBOX_FAILURE_RATE = _rate("CARD_SANDBOX_FAILURE_RATE")
CARD_SANDBOX_DROP_RATE = _rate("CARD_SANDBOX_DROP_RATE")
CARD_SANDBOX_SEED = _optional_int("CARD_SANDBOX_SEED")
CARD_SANDBOX_ALLOW_RESET = env_bool("CARD_SANDBOX_ALLOW_RESET", False)
CARD_SANDBOX_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
