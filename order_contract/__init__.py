"""What the kit's deployables agree on about an order, each fact written once and imported everywhere.

    events.py    the order events the checkout publishes and the notifications worker consumes
    fields.py    the public contract's order fields: a date as the contract writes it, and the
                 delivery-date rule a checkout enforces
    numbers.py   the order number a person reads out (ABCD1234)
    texts.py     the confirmation a customer reads, by e-mail and by SMS

Not infrastructure (that is chassis's) and no deployable's own business logic: the shapes and rules two
deployables must read alike, the monolith's "before" and the service that replaced it included.
"""
