"""WSGI entry point: `gunicorn -c python:chassis.gunicorn_conf extracted.checkout.wsgi`."""

import os

# Assigned, not defaulted: a shared .env may name the monolith's settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.checkout.settings"

from chassis.wsgi import application_for

application = application_for("extracted.checkout.settings")
