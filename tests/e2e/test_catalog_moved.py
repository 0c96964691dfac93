"""Chat and checkout with the catalogue moved to its service by the README's playbook, then stepped back.

The whole Procfile runs as a platform runs it (one replica per process type, tests/e2e/replicas.py), so
"restart the monolith and the checkout" is what the playbook means by it: those processes alone, with the
changed configuration. The system has a Redis of its own (the Procfile's `redis` on a free port): the
live route states, the proxy's judge and shadow records and the datasync summaries end with it.
"""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from datasync.spec import Side
from datasync.sql import connect
from extracted.catalog.catalog.cache import AnswerCache
from tests.e2e.replicas import Replicas
from tests.e2e.system import ReleasedSystem, released_system
from tests.strangler_proxy.control.support import strangler
from tests.support.waiting import free_port, wait_until

pytestmark = pytest.mark.e2e

# The processes that reach the catalogue through CATALOG_SERVICE_URL (the monolith's gateway) or
# CATALOG_URL (the checkout's web process, its saga's worker and its sweeper).
CATALOG_CLIENTS = ["monolith", "checkout", "checkoutworker", "checkoutbeat"]
FINAL_STATES = {"confirmed", "out_of_stock", "payment_declined", "failed_after_retries", "failed"}


def test_chat_and_checkout_work_on_the_catalogue_service_and_after_stepping_back(tmp_path: Path) -> None:
    """The playbook from sync-on to switched writes, a rename on the service's side, then every step back."""
    own_redis = f"redis://127.0.0.1:{free_port()}/0"
    with released_system(tmp_path, REDIS_URL=own_redis, CELERY_BROKER_URL=own_redis,
                         DEVREDIS_DIR=str(tmp_path / "redis")) as released, \
            Replicas(released, tmp_path / "logs") as replicas:
        replicas.start_all()
        shop = Shop(released, replicas)
        product_id = shop.chat_for_chocolates()[0]["productId"]

        # Playbook 1-3: the release turned the sync on and backfilled; run again, both keep the phase; verify.
        assert shop.data("sync-on")["after"] == "backfilled"
        assert shop.data("backfill")["after"] == "backfilled"
        assert shop.data("verify")["differences"] == 0
        # 4: shadow reads; the service's answers equal the monolith's.
        shop.route("shadow", "--candidate", "catalog", "--reason", "catalogue reads on the service")
        assert shop.shadowed_reads(product_id) == 0
        # 5, 6: every caller on the service, reads switched, the move made final.
        shop.route("canary", "--candidate", "catalog", "--percent", "100")
        assert shop.data("switch-reads")["after"] == "reads"
        shop.route("promote")
        # 7: writes switched; the monolith's gateway and the checkout pointed at the service, restarted.
        assert shop.data("switch-writes")["after"] == "writes"
        shop.restart_catalog_clients(catalog=released.settings()["CATALOG_UPSTREAM_URL"])

        renamed = shop.rename_on_the_service(product_id)
        cards = shop.chat_for_chocolates()
        assert renamed in [card["name"] for card in cards], cards
        assert shop.searched_the_service(shop.last_request_id)
        stock = shop.service_product(product_id)["stock"]
        assert shop.checkout(product_id)["status"] == "confirmed"
        assert shop.service_product(product_id)["stock"] == stock - 1
        assert shop.proxy_product(product_id)["stock"] == stock - 1
        assert shop.upstream_of(shop.last_request_id) == "catalog"

        # Stepping back from "writes switched", then from "reads switched" (the README's table).
        assert shop.data("back")["after"] == "reads"
        shop.restart_catalog_clients(catalog=released.settings()["MONOLITH_URL"])
        shop.route("rollback")
        assert shop.data("back")["after"] == "backfilled"

        on_monolith = shop.monolith_product(product_id)
        assert (on_monolith["name"], on_monolith["stock"]) == (renamed, stock - 1), "a write on the service was lost"
        cards = shop.chat_for_chocolates()
        assert renamed in [card["name"] for card in cards], cards
        assert not shop.searched_the_service(shop.last_request_id)
        assert shop.checkout(product_id)["status"] == "confirmed"
        assert shop.monolith_product(product_id)["stock"] == stock - 2
        assert shop.proxy_product(product_id)["stock"] == stock - 2
        assert shop.upstream_of(shop.last_request_id) == "monolith"


class Shop:
    """A customer of the system behind the proxy, and its operator running the playbook's commands."""

    def __init__(self, released: ReleasedSystem, replicas: Replicas) -> None:
        self.released, self.replicas = released, replicas
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {self._sign_up()}"
        self.last_request_id = ""

    # ------------------------------------------------------------ the operator
    def data(self, step: str) -> dict[str, Any]:
        """`strangler data STEP catalog --json`: what it proved."""
        return self._strangler("data", step, "catalog", "--json")

    def route(self, action: str, *options: str) -> dict[str, Any]:
        """`strangler ACTION products ... --json`: the change made to the route."""
        return self._strangler(action, "products", *options, "--json")

    def _strangler(self, *arguments: str) -> dict[str, Any]:
        done = strangler(self.released.settings(), *arguments)
        assert done.returncode == 0, f"strangler {' '.join(arguments)}: {done.stdout}{done.stderr}"
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer

    def shadowed_reads(self, product_id: str) -> int:
        """Product reads through the proxy (again until the proxy has taken the shadow on and both kinds of
        read were compared); how many of the service's answers differed from the monolith's."""
        def compared() -> dict[str, Any] | None:
            self.proxy_product(product_id)
            assert requests.get(f"{self.released.base_url}/v1/products?q=chocolates", timeout=10).status_code == 200
            counts: dict[str, Any] = self._strangler("diffs", "products", "--json")["counts"]
            return counts if counts["compared"] >= 2 else None

        return int(wait_until(compared, timeout=20, what="the shadowed reads to be compared", interval=0.3)["mismatched"])

    def restart_catalog_clients(self, *, catalog: str) -> None:
        """Point the monolith's gateway (empty when `catalog` is the monolith) and the checkout at
        `catalog`, and restart the processes that read them."""
        settings = self.released.settings()
        service = "" if catalog == settings["MONOLITH_URL"] else catalog
        settings.update(CATALOG_SERVICE_URL=service, CATALOG_URL=catalog)
        self.released.env_file.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
        self.replicas.stop_all(CATALOG_CLIENTS)
        started = [self.replicas.start(name, wait=False) for name in CATALOG_CLIENTS]
        for replica in started:
            wait_until(replica.ready, timeout=60, what=f"{replica.process_type} to be ready", interval=0.1)

    def rename_on_the_service(self, product_id: str) -> str:
        """A write on the service's side only (its owner now): the product renamed in its database."""
        renamed = f"Box of truffles {uuid.uuid4().hex[:6]}"
        settings = self.released.settings()
        database = connect(Side("catalog", "CATALOG_DATABASE_URL", "catalog_product"), settings)
        try:
            database.execute(f"UPDATE catalog_product SET name = '{renamed}' WHERE id = '{product_id}'")
        finally:
            database.close()
        # A writer beside the service makes its kept API answers unreachable, as the sync does.
        client = redis.Redis.from_url(settings["REDIS_URL"])
        try:
            AnswerCache(client, prefix=settings["CATALOG_REDIS_PREFIX"], seconds=1).changed()
        finally:
            client.close()
        return renamed

    def searched_the_service(self, request_id: str) -> bool:
        """Whether the monolith, answering the request `request_id`, asked the catalogue service (the
        monolith's gateway passes the id on, and every gunicorn logs it with each request it answers)."""
        self._logged("monolith", request_id)  # its answer comes after any call it made
        return self._find("catalog", request_id) is not None

    def upstream_of(self, request_id: str) -> str:
        """The upstream the proxy sent the request `request_id` to, as its access log says."""
        return str(self._logged("web", request_id)["upstream"])

    def _logged(self, process_type: str, request_id: str) -> dict[str, Any]:
        return wait_until(lambda: self._find(process_type, request_id), timeout=10,
                          what=f"{process_type}'s access log line of request {request_id}", interval=0.1)

    def _find(self, process_type: str, request_id: str) -> dict[str, Any] | None:
        lines = self.replicas.current(process_type).lines()
        return next((line for line in lines if line.get("request_id") == request_id
                     and str(line.get("logger", "")).endswith(".access")), None)

    # ------------------------------------------------------------ the customer
    def _sign_up(self) -> str:
        name = f"moved-{uuid.uuid4().hex[:8]}"
        response = requests.post(f"{self.released.base_url}/v1/auth/signup", timeout=10, json={
            "username": name, "email": f"{name}@example.com", "password": "a-long-passphrase"})
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token

    def chat_for_chocolates(self) -> list[dict[str, Any]]:
        """The product cards the assistant answers "a box of chocolates" with (remembering the request id)."""
        message = {"type": "unstructured", "unstructured": {
            "id": uuid.uuid4().hex, "text": "I'd like to buy a box of chocolates",
            "timestamp": datetime.datetime.now(datetime.UTC).isoformat()}}
        response = self.api.post(f"{self.released.base_url}/v1/nlu", json={"messages": [message]}, timeout=10)
        assert response.status_code == 200, response.text
        self.last_request_id = response.headers["X-Request-ID"]
        cards = [m["structured"]["payload"] for m in response.json()["messages"]
                 if m["type"] == "structured" and m["structured"]["type"] == "product"]
        assert cards, response.json()
        return cards

    def checkout(self, product_id: str) -> dict[str, Any]:
        """The order for one unit of the product, once the saga has finished with it."""
        tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
        response = self.api.post(f"{self.released.base_url}/v1/checkout", timeout=30, json={
            "productId": product_id, "deliveryAddress": "1 Cocoa Lane", "deliveryDate": tomorrow})
        assert response.status_code == 202, response.text
        status_url = f"{self.released.base_url}{response.json()['statusUrl']}"

        def finished() -> dict[str, Any] | None:
            order: dict[str, Any] = self.api.get(status_url, timeout=10).json()
            return order if order.get("status") in FINAL_STATES else None

        return wait_until(finished, timeout=60, what="the saga to finish", interval=0.2)

    def proxy_product(self, product_id: str) -> dict[str, Any]:
        """The product read through the proxy (remembering the request id)."""
        return self._product(self.released.base_url, product_id)

    def service_product(self, product_id: str) -> dict[str, Any]:
        return self._product(self.released.settings()["CATALOG_UPSTREAM_URL"], product_id)

    def monolith_product(self, product_id: str) -> dict[str, Any]:
        return self._product(self.released.settings()["MONOLITH_URL"], product_id)

    def _product(self, base_url: str, product_id: str) -> dict[str, Any]:
        """A product as anyone reads it (the catalogue API is public), from the proxy or an upstream."""
        response = requests.get(f"{base_url}/v1/products/{product_id}", timeout=10)
        assert response.status_code == 200, response.text
        self.last_request_id = response.headers["X-Request-ID"]
        found: dict[str, Any] = response.json()
        return found
