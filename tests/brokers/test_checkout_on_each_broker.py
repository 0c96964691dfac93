"""The checkout's saga and its order events on each broker, changing nothing but environment variables:
the checkout's gunicorn, its Celery worker, the card-processor sandbox, the monolith (the catalogue) and
the notifications worker, all real processes, take a confirmed and a declined order to their terminal
states and their e-mails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.checkout import CheckoutSystem, running_checkout
from devstack.databases import throwaway_database_url
from devstack.processes import ManagedProcess, process_env
from order_contract.numbers import order_number
from tests.brokers.conftest import BROKERS, Broker
from tests.extracted.checkout.conftest import order_body
from tests.support.waiting import wait_until


@contextmanager
def notifications_worker(tmp_path: Path, system: CheckoutSystem, broker: Broker) -> Iterator[ManagedProcess]:
    """The notifications worker (the Procfile's command) on the checkout's events queue, with its own
    database, e-mail only."""
    with throwaway_database_url(tmp_path) as database_url:
        env = process_env(**{**system.env, "DATABASE_URL": database_url, "SERVICE_NAME": "notifications",
                             "SMS_VIA_SNS": "false", **broker.env})
        release = ManagedProcess(["python", "-m", "extracted.notifications.manage", "release"], env)
        assert release.finish(timeout=120) == 0, "\n".join(release.output())
        worker = ManagedProcess(["celery", "--quiet", "-A", "extracted.notifications.celery_app", "worker",
                                 "--queues", system.events_queue, "--concurrency", "2", "--without-gossip",
                                 "--without-mingle"], env, log_path=system.log_path("notifications"))
        try:
            yield worker
        finally:
            worker.stop()


def emails_about(worker: ManagedProcess, order_id: str) -> list[dict]:
    return [line for line in worker.json_lines()
            if line.get("message") == "email sent" and order_number(order_id) in line.get("email_subject", "")]


@pytest.mark.parametrize("broker", BROKERS, indirect=True)
def test_a_confirmed_and_a_declined_checkout_end_and_are_emailed_on_each_broker(tmp_path, broker):
    """city-hotel-night costs 149.00, over the sandbox's 100.00 risk limit: declined."""
    with running_checkout(tmp_path, broker_env=broker.env) as system, \
            notifications_worker(tmp_path / "notifications", system, broker) as notifications:
        try:
            run = uuid.uuid4().hex[:8]
            accepted = [system.checkout(order_body(product), key=f"{broker.name}-{run}-{product}")
                        for product in ("prosecco", "city-hotel-night")]
            assert [response.status_code for response in accepted] == [202, 202], [r.text for r in accepted]
            confirmed, declined = (system.wait_for_order(response.json()["orderId"]) for response in accepted)
            for order in (confirmed, declined):
                wait_until(lambda order=order: emails_about(notifications, order["orderId"]), timeout=60,
                           what=f"the e-mail about {order['orderId']}")
            charges = {order["orderId"]: system.kinds(order["orderId"]) for order in (confirmed, declined)}
        finally:
            broker.forget(system.queue, system.events_queue)
    assert confirmed["status"] == "confirmed"
    assert charges[confirmed["orderId"]] == ["authorize", "capture"]
    assert declined["status"] == "payment_declined"
    assert charges[declined["orderId"]] == ["decline"]
    [confirmed_email] = emails_about(notifications, confirmed["orderId"])
    [declined_email] = emails_about(notifications, declined["orderId"])
    assert confirmed_email["email_subject"].endswith("confirmed")
    assert declined_email["email_subject"].endswith("could not be completed")
