"""The small shared library every deployable imports.

Env config, JSON logs, request ids, health, the error shape, start-up checks, the gunicorn config, the
Celery app factory and the service HTTP client. No models and no business logic live here: what the
deployables agree on about an order is order_contract's, and the clients of outside systems are
integrations'.
"""
