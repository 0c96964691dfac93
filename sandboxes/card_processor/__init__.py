"""A card-processor sandbox speaking a Stripe-like PaymentIntents protocol, with injectable faults.

It is a small Django project of its own (settings, urls, wsgi, one app) served by gunicorn. Tests and
the running kit read its ledger (`GET /_sandbox/ledger`) to see what was charged, exactly once or not.
"""
