"""WSGI entry point: `gunicorn -c python:chassis.gunicorn_conf extracted.catalog.wsgi`."""

import os

# Assigned, not defaulted: a shared .env may name the monolith's settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.catalog.settings"

from chassis.wsgi import application_for

application = application_for("extracted.catalog.settings")
