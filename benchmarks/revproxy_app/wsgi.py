"""WSGI entry point: `gunicorn -c python:chassis.gunicorn_conf benchmarks.revproxy_app.wsgi`."""

from chassis.wsgi import application_for

application = application_for("benchmarks.revproxy_app.settings")
