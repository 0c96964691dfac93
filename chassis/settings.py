"""The settings every Django deployable shares, read from the environment in one place.

A deployable's settings module calls `common_settings(service=...)` once and adds its own apps and
variables:

    globals().update(common_settings(service="monolith"))

Production is the default: with ENVIRONMENT unset, DEBUG is off, cookies are secure and the start-up
checks refuse a weak SECRET_KEY or empty ALLOWED_HOSTS. `.env.example` sets ENVIRONMENT=development.
"""

from __future__ import annotations

from typing import Any

from chassis.env import (env_bool, env_database, env_environment, env_float, env_int, env_list, env_str, env_url,
                         read_dot_env)
from chassis.logging import logging_config


def _security(production: bool) -> dict[str, Any]:
    """HTTPS settings: on by default in production, where TLS ends at the platform's router."""
    hsts = env_int("SECURE_HSTS_SECONDS", 31536000 if production else 0, minimum=0)
    return {
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": env_bool("SECURE_SSL_REDIRECT", production),
        # Health probes come over plain HTTP from inside the platform.
        "SECURE_REDIRECT_EXEMPT": [r"^healthz$", r"^readyz$"],
        "SECURE_HSTS_SECONDS": hsts,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": hsts > 0,
        "SECURE_HSTS_PRELOAD": hsts > 0,
        "SESSION_COOKIE_SECURE": production,
        "CSRF_COOKIE_SECURE": production,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }


def common_settings(*, service: str) -> dict[str, Any]:
    read_dot_env()
    environment = env_environment()
    production = environment == "production"
    return {
        "SERVICE_NAME": service,
        "ENVIRONMENT": environment,
        "SECRET_KEY": env_str("SECRET_KEY"),
        "DEBUG": env_bool("DEBUG", False),
        "ALLOWED_HOSTS": env_list("ALLOWED_HOSTS", [] if production else ["localhost", "127.0.0.1"]),
        "CSRF_TRUSTED_ORIGINS": env_list("CSRF_TRUSTED_ORIGINS", []),
        "DATABASES": {"default": env_database("DATABASE_URL")},
        "REDIS_URL": env_url("REDIS_URL", schemes=("redis", "rediss")),
        "HEALTH_CHECK_TIMEOUT": env_float("HEALTH_CHECK_TIMEOUT", 1.0),
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "LANGUAGE_CODE": "en-us",
        "LOGGING_CONFIG": "logging.config.dictConfig",
        "LOGGING": logging_config(service, env_str("LOG_LEVEL", "INFO")),
        # Bodies over this are refused by Django before a view reads them (413 via our handler).
        "DATA_UPLOAD_MAX_MEMORY_SIZE": env_int("MAX_REQUEST_BODY_BYTES", 64 * 1024, minimum=1024),
        "CSRF_FAILURE_VIEW": "chassis.errors.csrf_failure",
        "REST_FRAMEWORK": {
            "EXCEPTION_HANDLER": "chassis.errors.drf_exception_handler",
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["chassis.parsers.JSONParser"],
        },
        **_security(production),
    }
