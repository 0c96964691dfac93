"""WSGI entry point of the notifications service's web process, which serves only health and the admin:
`gunicorn -c python:chassis.gunicorn_conf extracted.notifications.wsgi`."""

import os

# Assigned, not defaulted: a shared .env may name the monolith's settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.notifications.settings"

from chassis.wsgi import application_for

application = application_for("extracted.notifications.settings")
