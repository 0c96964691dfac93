"""WSGI entry point: `gunicorn -c python:chassis.gunicorn_conf monolith.concierge.wsgi`."""

from chassis.wsgi import application_for

application = application_for("monolith.concierge.settings")
