"""The shop's daily report as text (no Django, no processes)."""

from __future__ import annotations

import datetime

from extracted.checkout.checkout.report import DailyReport, TopProduct, report_subject, report_text


def test_the_report_gives_count_revenue_top_products_and_failures():
    report = DailyReport(day=datetime.date(2030, 5, 17), orders=7, confirmed=4,
                         revenue_cents={"usd": 12345}, top_products=[TopProduct("prosecco", "Prosecco DOC", 3)],
                         failures={"payment_declined": 2, "out_of_stock": 1})
    text = report_text(report)
    assert "Orders accepted on 2030-05-17 (UTC): 7" in text and "Confirmed: 4" in text
    assert "Revenue: 123.45 USD" in text
    assert "3  Prosecco DOC (prosecco)" in text
    assert "2  payment declined" in text and "1  out of stock" in text
    assert report_subject(report) == "Concierge orders for Friday 17 May 2030: 7 orders, 4 confirmed"


def test_a_quiet_day_says_so():
    text = report_text(DailyReport(day=datetime.date(2030, 5, 18), orders=0, confirmed=0))
    assert "Revenue: 0.00" in text and text.count("none") == 2
