"""The kit's clients for systems outside it, which every deployable that needs one imports.

    card_processor/    the card processor's HTTP API (Stripe-like): charges, authorisations, refunds
    sns.py             Amazon SNS, which texts customers

Each client is configured by its caller (a URL, timeouts) and reads no settings of its own; the
infrastructure it stands on (the service HTTP session, request ids) is chassis's.
"""
