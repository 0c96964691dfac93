"""The original, synchronous checkout and the order history it keeps.

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""
