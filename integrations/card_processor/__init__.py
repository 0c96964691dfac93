"""The card processor (a Stripe-like HTTP API): the client in `client.py`; locally, sandboxes/card_processor
stands in for it."""
