"""The shop's daily orders report: the figures, and the e-mail they become. Pure, like flow.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopProduct:
    product_id: str
    name: str
    orders: int


@dataclass(frozen=True)
class DailyReport:
    """One UTC day of checkout: orders accepted, what was sold, what failed and why."""

    day: datetime.date
    orders: int
    confirmed: int
    revenue_cents: dict[str, int] = field(default_factory=dict)  # by currency
    top_products: list[TopProduct] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # by terminal status
    pending: int = 0


def report_subject(report: DailyReport) -> str:
    return f"Concierge orders for {report.day:%A %d %B %Y}: {report.orders} orders, {report.confirmed} confirmed"


def report_text(report: DailyReport) -> str:
    lines = [f"Orders accepted on {report.day.isoformat()} (UTC): {report.orders}",
             f"Confirmed: {report.confirmed}",
             f"Revenue: {_money(report.revenue_cents)}",
             f"Still in progress: {report.pending}",
             "",
             "Top products:"]
    lines += [f"  {item.orders:>4}  {item.name} ({item.product_id})" for item in report.top_products] or ["  none"]
    lines += ["", "Failures:"]
    lines += [f"  {count:>4}  {status.replace('_', ' ')}" for status, count in sorted(report.failures.items())]
    if not report.failures:
        lines.append("  none")
    return "\n".join(lines) + "\n"


def _money(by_currency: dict[str, int]) -> str:
    if not by_currency:
        return "0.00"
    return ", ".join(f"{cents / 100:,.2f} {currency.upper()}" for currency, cents in sorted(by_currency.items()))
