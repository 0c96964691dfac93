"""gunicorn's entry point: `gunicorn -c python:chassis.gunicorn_conf sandboxes.card_processor.wsgi`."""

import os

from chassis.wsgi import application_for

SETTINGS_MODULE = "sandboxes.card_processor.settings"

# Assigned, not defaulted: a shared .env may name the monolith's settings, and this process must
# never run with any settings but its own.
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
application = application_for(SETTINGS_MODULE)
