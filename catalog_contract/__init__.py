"""What the monolith's catalogue and the catalogue service agree on, each fact written once.

    api.py    the catalogue API's shapes: a product as clients read it (with its price as a person reads
              it), the search filters, a reservation; and which words of a search count as its terms

Not infrastructure (that is chassis's) and no deployable's business logic: the shapes two deployables
must answer alike while a route moves from one to the other (tests/contracts runs one suite on both).
"""
