"""The checkout's orders as a datasync module: every order the service takes reaches the monolith's table.

One way (the service owns orders; the monolith's copy is what its `GET /v1/orders` lists when the
`orders` route is rolled back to it). The monolith's table keeps its own, older orders: they are the
target's own rows, never a difference. Its guard is off, so the monolith's synchronous checkout still
writes there when the `checkout` route is rolled back too.
"""

from datasync.spec import Module, Side

ORDERS = Module(
    name="orders",
    key="id",
    columns=("id", "user_id", "product_id", "product_name", "amount_cents", "currency", "delivery_address",
             "delivery_date", "payment_id", "status", "created_at"),
    origin=Side(name="checkout", database_env="CHECKOUT_DATABASE_URL", table="checkout_order"),
    target=Side(name="monolith", database_env="DATABASE_URL", table="orders_order", guard=False),
    reversible=False,
    target_keeps_own_rows=True,
)
