"""The notifications service: a Celery worker that turns order events into an e-mail and an SMS.

    celery -A extracted.notifications.celery_app worker --queues notifications    the worker
    gunicorn -c python:chassis.gunicorn_conf extracted.notifications.wsgi         health and the staff's admin
    python -m extracted.notifications.manage release                              migrations (release phase)

It consumes `order_contract.events.OrderEvent`s, remembers every event it handled in its own database (so a
redelivered or republished event sends nothing twice), e-mails through Django's e-mail backend and texts
through Amazon SNS with boto3, asking the monolith for the customer's phone number.

The copy that lives: monolith/notifications, which only the monolith's synchronous checkout calls, is
kept as the "before".
"""
