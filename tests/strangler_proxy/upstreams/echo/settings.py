"""Settings of the echo upstream: no database, no middleware, JSON logs, a short ALLOWED_HOSTS list."""

from chassis.logging import logging_config

SECRET_KEY = "echo-upstream-test-only-key"
DEBUG = False
# Django's host check must still protect an upstream behind the proxy: "evil.example" is not here.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "shop.test"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tests.strangler_proxy.upstreams.echo.urls"
DATABASES: dict = {}
USE_TZ = True
LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = logging_config("echo")
