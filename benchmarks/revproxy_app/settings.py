"""Settings of the django-revproxy peer, read from the environment (through chassis)."""

from chassis.env import env_int, env_list, env_str, env_url
from chassis.logging import logging_config

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
ROOT_URLCONF = "benchmarks.revproxy_app.urls"
# revproxy as an app: its AppConfig sets the REVPROXY defaults its views read.
INSTALLED_APPS = ["revproxy"]
# A pure proxy: nothing between gunicorn and the view, which is the peer at its fastest.
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True

UPSTREAM_URL = env_url("UPSTREAM_URL", schemes=("http", "https"))
# One pooled upstream connection per gunicorn thread; urllib3's default keeps only one and discards the rest.
UPSTREAM_POOL_SIZE = env_int("GUNICORN_THREADS", 4, minimum=1)

LOGGING = logging_config("django-revproxy", env_str("LOG_LEVEL", "INFO"))
# revproxy logs "ProxyView created" at INFO on every request; a team would silence it.
LOGGING["loggers"]["revproxy"] = {"level": "WARNING"}
