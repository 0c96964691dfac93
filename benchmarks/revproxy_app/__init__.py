"""django-revproxy as a Django team would deploy it: the peer benchmarks/proxy.py measures the kit against.

One catch-all `ProxyView` to UPSTREAM_URL, no middleware, served by gunicorn with the kit's own
configuration (`gunicorn -c python:chassis.gunicorn_conf benchmarks.revproxy_app.wsgi`): threaded
workers, keep-alive, one JSON access line per request, like the kit's proxy.
"""
