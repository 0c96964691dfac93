"""The kit's shared settings defaults, as named values and small readers: never a dict of settings.

Each deployable's settings module names every one of its settings, as cookiecutter-django's
`config/settings/base.py` does, reads the environment through `chassis.env`, and takes from here only
what the kit decides once for all of them:

    read_dot_env()
    ENVIRONMENT = env_environment()
    production = ENVIRONMENT == "production"
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default_allowed_hosts(production=production))
    REST_FRAMEWORK = rest_framework_settings(DEFAULT_PERMISSION_CLASSES=[...])
    SECURE_HSTS_SECONDS = hsts_seconds(production=production)

Production is the default: with ENVIRONMENT unset, DEBUG is off, cookies are secure and the start-up
checks refuse a weak SECRET_KEY or empty ALLOWED_HOSTS. `.env.example` sets ENVIRONMENT=development.
"""

from __future__ import annotations

from typing import Any

from chassis.env import env_int, env_str
from chassis.logging import logging_config

# TLS ends at the platform's router, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health probes come over plain HTTP from inside the platform, so they are never redirected to HTTPS.
HEALTH_PATHS = [r"^healthz$", r"^readyz$"]
HSTS_SECONDS_IN_PRODUCTION = 31536000
LOCAL_HOSTS = ["localhost", "127.0.0.1"]
# Bodies over this are refused before a view reads them (413, chassis.middleware).
MAX_REQUEST_BODY_BYTES = 64 * 1024
# What Django's admin needs (chassis.admin): its apps, and templates with the request, the user and messages.
ADMIN_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
              "django.contrib.messages", "django.contrib.staticfiles"]
# Django's four standard validators, for every deployable with users (sign-up, createsuperuser).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
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
            ],
        },
    },
]


def write_lock_on_begin(database: dict[str, Any]) -> dict[str, Any]:
    """`database` (a DATABASES entry) with SQLite taking its write lock when a transaction begins, rather
    than when it first writes: concurrent writers then queue instead of failing with "database is locked"
    on upgrading a read lock. Other engines are returned unchanged (their row locks do this already)."""
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    return database


def default_allowed_hosts(*, production: bool) -> list[str]:
    """None in production (ALLOWED_HOSTS must be set; chassis.E003), the loopback names elsewhere."""
    return [] if production else list(LOCAL_HOSTS)


def hsts_seconds(*, production: bool) -> int:
    """SECURE_HSTS_SECONDS: a year in production unless set, off elsewhere."""
    return env_int("SECURE_HSTS_SECONDS", HSTS_SECONDS_IN_PRODUCTION if production else 0, minimum=0)


def request_body_limit() -> int:
    """DATA_UPLOAD_MAX_MEMORY_SIZE, from MAX_REQUEST_BODY_BYTES."""
    return env_int("MAX_REQUEST_BODY_BYTES", MAX_REQUEST_BODY_BYTES, minimum=1024)


def log_settings(service: str) -> dict[str, Any]:
    """LOGGING: JSON lines on stdout naming `service`, at LOG_LEVEL."""
    return logging_config(service, env_str("LOG_LEVEL", "INFO"))


def rest_framework_settings(**overrides: Any) -> dict[str, Any]:
    """REST_FRAMEWORK: the contract's Error shape, JSON in and out, plus a deployable's own `overrides`."""
    return {
        "EXCEPTION_HANDLER": "chassis.errors.drf_exception_handler",
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["chassis.parsers.JSONParser"],
        # drf-spectacular describes the API (chassis.openapi serves it at /v1/schema).
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        **overrides,
    }


def openapi_settings(*, title: str, description: str) -> dict[str, Any]:
    """SPECTACULAR_SETTINGS: a deployable's OpenAPI 3 description, generated from its DRF views."""
    return {
        "TITLE": title,
        "DESCRIPTION": description,
        "VERSION": "1.0.0",
        "SERVE_INCLUDE_SCHEMA": False,  # the schema endpoint does not describe itself
        "COMPONENT_SPLIT_REQUEST": True,  # request and response bodies get their own components
        "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
        "SERVE_AUTHENTICATION": [],
    }
