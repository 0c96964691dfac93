"""The checkout service: `POST /v1/checkout` accepted at once, and the Celery saga that carries each order.

    gunicorn -c python:chassis.gunicorn_conf extracted.checkout.wsgi              the web process
    celery --quiet -A extracted.checkout.celery_app worker --pool threads ...    the saga's workers
    celery --quiet -A extracted.checkout.celery_app beat                         the scheduled jobs
    python -m extracted.checkout.manage release                                  migrations (release phase)

Its own database (DATABASE_URL, mapped from CHECKOUT_DATABASE_URL), the monolith's catalogue over HTTP
(CATALOG_URL), the card processor (CARD_PROCESSOR_URL), and order events for the notifications worker
(order_contract.events). The saga's steps and compensations are drawn in checkout/flow.py.

The copy that lives, behind the proxy's `checkout` and `orders` routes: the monolith's synchronous
checkout (monolith/orders) is kept as the "before", their rollback.
"""
