"""What a fault run must leave behind, read from the outside: the orders, the card processor's ledger, the shelf.

Pure: it judges data the tests collected, so it is tested on its own (test_audit.py).

    lost                 an accepted order the checkout does not know (404), or one that never finished
    double charge        more than one capture for an order, or an automatic charge (the saga never makes one)
    open authorisation   a hold neither captured nor voided: a second hold on a confirmed order, or the
                         hold of a failed order that was never released
    wrong amount         an authorisation, capture or void whose amount is not the order's
    failed but charged   a capture for an order that did not go through
    stock                a failed order still holding stock; the shelf not at initial - confirmed
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Order = Mapping[str, Any]
Entry = Mapping[str, Any]

CONFIRMED = "confirmed"
MONEY_KINDS = frozenset({"authorize", "capture", "void", "charge"})
# What a failed order may say about its stock and money once the saga and the sweeper are done with it.
STOCK_GIVEN_BACK = frozenset({"released", "none"})
MONEY_GIVEN_BACK = frozenset({"voided", "none", "declined"})


@dataclass(frozen=True)
class Findings:
    """The run's outcome: how the orders ended, and every broken promise, one line each."""

    accepted: int
    statuses: Counter[str]
    problems: list[str] = field(default_factory=list)

    @property
    def confirmed(self) -> int:
        return self.statuses[CONFIRMED]

    def summary(self) -> str:
        ended = ", ".join(f"{count} {status}" for status, count in sorted(self.statuses.items()))
        return f"{self.accepted} accepted: {ended or 'none ended'}; {len(self.problems)} problem(s)"


def is_settled(order: Order | None) -> bool:
    """Finished, and (unless confirmed) holding neither stock nor money: nothing left for the sweeper."""
    if order is None or not order.get("completed"):
        return False
    if order["status"] == CONFIRMED:
        return True
    return order["stock"] in STOCK_GIVEN_BACK and order["payment"] in MONEY_GIVEN_BACK


def ledger_by_order(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """The ledger's entries grouped by the order id in their metadata, in ledger order."""
    grouped: dict[str, list[Entry]] = {}
    for entry in sorted(entries, key=lambda entry: entry["seq"]):
        order_id = (entry.get("metadata") or {}).get("order_id")
        if order_id:
            grouped.setdefault(order_id, []).append(entry)
    return grouped


def open_authorizations(entries: Iterable[Entry]) -> list[str]:
    """Payment intents authorised and then neither captured nor voided."""
    kinds: dict[str, set[str]] = {}
    for entry in entries:
        kinds.setdefault(entry["payment_intent"], set()).add(entry["kind"])
    return [intent for intent, seen in kinds.items() if "authorize" in seen and not seen & {"capture", "void"}]


def order_problems(order_id: str, order: Order | None, entries: list[Entry]) -> list[str]:
    """Every broken promise for one accepted order, given its final state and its ledger entries."""
    if order is None:
        return [f"{order_id}: lost: the checkout does not know this accepted order"]
    if not order.get("completed"):
        last = (order.get("history") or [{}])[-1]
        return [f"{order_id}: not terminal: {order['status']} at step {order['step']}; last: "
                f"{last.get('step')} {last.get('state')} {last.get('detail', '')!r}"]
    problems = _money_problems(order_id, order, entries)
    if order["status"] != CONFIRMED and order["stock"] not in STOCK_GIVEN_BACK:
        problems.append(f"{order_id}: {order['status']} but still holds stock ({order['stock']})")
    return problems


def _money_problems(order_id: str, order: Order, entries: list[Entry]) -> list[str]:
    kinds = Counter(entry["kind"] for entry in entries)
    opened = open_authorizations(entries)
    problems = [f"{order_id}: {entry['kind']} of {entry['amount']} for an order of {order['amountCents']}"
                for entry in entries if entry["kind"] in MONEY_KINDS and entry["amount"] != order["amountCents"]]
    if kinds["charge"]:
        problems.append(f"{order_id}: charged automatically {kinds['charge']} time(s)")
    if kinds["capture"] > 1:
        problems.append(f"{order_id}: double charge: captured {kinds['capture']} times")
    if order["status"] == CONFIRMED:
        if kinds["capture"] == 0:
            problems.append(f"{order_id}: confirmed and finished, but never captured")
        if opened:
            problems.append(f"{order_id}: confirmed, with authorisation(s) {opened} left open besides the capture")
    else:
        if kinds["capture"]:
            problems.append(f"{order_id}: {order['status']} but captured")
        if opened:
            problems.append(f"{order_id}: {order['status']} but authorisation(s) {opened} never voided")
    return problems


def audit(orders: Mapping[str, Order | None], ledger: Iterable[Entry], *, stock_before: int,
          stock_after: int) -> Findings:
    """Judge a run: `orders` maps every accepted order id to its final state (None: the checkout lost it).

    All orders are for one unit of one product whose shelf held `stock_before` units, and `stock_after`
    once the run was over; the ledger may hold other orders' entries, which are ignored.
    """
    by_order = ledger_by_order(ledger)
    problems = [problem for order_id, order in orders.items()
                for problem in order_problems(order_id, order, by_order.get(order_id, []))]
    statuses = Counter(order["status"] for order in orders.values() if order is not None and order.get("completed"))
    expected = stock_before - statuses[CONFIRMED]
    if stock_after != expected:
        problems.append(f"stock: {stock_after} on the shelf, expected {stock_before} - {statuses[CONFIRMED]} "
                        f"confirmed = {expected}")
    return Findings(accepted=len(orders), statuses=statuses, problems=problems)
