"""Rolling the `orders` route back to the monolith lists every order the checkout service took (DESIGN §5).

The checkout service owns its orders; datasync's `orders` module copies each of them, in every status the
saga moves it through, into the monolith's orders table. Pointing the route back at the monolith (the
README's rollback) then hides nothing.
"""

from __future__ import annotations

from pathlib import Path

import requests

from chassis.identity import Identity
from datasync.reconcile import reconcile
from datasync.spec import Side
from datasync.sql import connect
from datasync.store import backlog, open_sides
from devstack.checkout import KEYS, CheckoutSystem, running_checkout
from devstack.processes import ManagedProcess, process_env
from extracted.checkout.sync import ORDERS
from tests.extracted.checkout.conftest import order_body
from tests.strangler_proxy.upstreams.processes import start_proxy
from tests.support.waiting import wait_until

# The proxy's own key (it refuses short ones); the monolith verifies it beside the checkout's.
PROXY_KEY = "datasync-orders-rollback-proxy-key-0123456789"
ROLLED_BACK = """
[upstreams.monolith]
url_env = "MONOLITH_URL"
health_path = "/healthz"
owns_cookies = ["sessionid", "csrftoken"]

[upstreams.checkout]
url_env = "CHECKOUT_URL"
health_path = "/healthz"

[[routes]]
id = "checkout"
prefix = "/v1/checkout"
methods = ["POST"]
upstream = "checkout"
exclusive = true

[[routes]]
id = "orders"
prefix = "/v1/orders"
methods = ["GET"]
upstream = "monolith"   # rolled back
exclusive = true

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""


def _customer(system: CheckoutSystem, env: dict[str, str]) -> tuple[str, Identity]:
    """A monolith account: its API token, and the identity the proxy would sign for it."""
    signup = requests.post(f"{system.monolith_url}/v1/auth/signup", timeout=10, json={
        "username": "grace", "email": "grace@example.com", "password": "Analytical-Engine-1843"})
    assert signup.status_code == 201, signup.text
    database = connect(Side("monolith", "DATABASE_URL", "auth_user"), env)
    try:
        user_id = database.one("SELECT id FROM auth_user WHERE username = 'grace'")[0]
    finally:
        database.close()
    return signup.json()["token"], Identity(user_id=str(user_id), username="grace", email="grace@example.com")


def _strangler_data(env: dict[str, str], *arguments: str) -> None:
    command = ManagedProcess(["strangler", "data", *arguments], env)
    assert command.finish(timeout=120) == 0, "\n".join(command.output())


def _synced(env: dict[str, str]) -> bool:
    with open_sides(ORDERS, env) as sides:
        return backlog(sides.origin, ORDERS) == 0 and reconcile(sides, record=False).differences == 0


def test_rolling_orders_back_to_the_monolith_lists_every_order_the_checkout_took(tmp_path: Path) -> None:
    """One order taken before the sync was on, two after; the relay runs; the route is rolled back."""
    with running_checkout(tmp_path, monolith_env={"IDENTITY_SIGNING_KEYS": ",".join([*KEYS, PROXY_KEY])}) as system:
        env = process_env(DATABASE_URL=system.monolith_env["DATABASE_URL"], CHECKOUT_DATABASE_URL=system.env["DATABASE_URL"])
        token, grace = _customer(system, env)
        taken = [system.checkout(order_body(), identity=grace).json()["orderId"]]
        _strangler_data(env, "sync-on", "orders")
        relay = ManagedProcess(["strangler", "data", "relay", "orders"], {**env, "DATASYNC_RELAY_IDLE_SECONDS": "0.05"})
        try:
            _strangler_data(env, "backfill", "orders")  # the order taken before the sync
            taken += [system.checkout(order_body("red-roses-dozen"), identity=grace).json()["orderId"] for _ in range(2)]
            final = {order_id: system.wait_for_order(order_id, identity=grace)["status"] for order_id in taken}
            wait_until(lambda: _synced(env), timeout=60, what="every order and status in the monolith", interval=0.2)
        finally:
            assert relay.stop(timeout=30) == 0

        proxy = start_proxy(tmp_path, ROLLED_BACK, MONOLITH_URL=system.monolith_url,
                            CHECKOUT_URL=system.checkout_url, IDENTITY_SIGNING_KEYS=PROXY_KEY)
        try:
            listed = requests.get(f"{proxy.url}/v1/orders", headers={"Authorization": f"Token {token}"}, timeout=10)
        finally:
            proxy.stop()

    assert listed.status_code == 200, listed.text
    orders = {order["orderId"]: order for order in listed.json()["orders"]}
    assert set(orders) == set(taken)
    assert {order_id: order["status"] for order_id, order in orders.items()} == final
    assert final[taken[0]] == "confirmed"
