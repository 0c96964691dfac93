"""Order confirmations sent by the monolith's synchronous checkout.

The "before": the notifications service (extracted/notifications), fed by the checkout service's order
events, is the copy that lives; this one runs only inside the monolith's synchronous checkout, the rollback.
"""
