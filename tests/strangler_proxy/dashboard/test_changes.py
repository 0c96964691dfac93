"""Changing routes from the dashboard: through ControlStore.change like the `strangler` command, so every
change is in the history with who and why, a refused one says why and changes nothing, and a form that
did not come from the dashboard changes nothing either."""

from __future__ import annotations

import requests

from strangler_proxy.control import state
from tests.strangler_proxy.dashboard.conftest import ADMIN_TOKEN, change, csrf_of, signed_in
from tests.support.waiting import wait_until

CHANGE = "/_strangler/change"


def served_by_the_service(proxy, path: str = "/v1/orders/7") -> bool:
    return "flavour" in requests.get(proxy.url + path, headers={"Connection": "close"}, timeout=10).json()


def test_a_change_from_the_form_is_in_the_history_with_who_and_why(proxy, store):
    browser = signed_in(proxy)
    response = change(browser, proxy, action="canary", route="orders", candidate="orders", percent="100",
                      reason="the service passed its shadow week")
    assert response.status_code == 200
    assert "Done:" in response.text and "canary orders: monolith → monolith + orders (canary 100 %)" in response.text
    [record] = store.history()
    assert (record.route, record.action, record.by, record.reason) == (
        "orders", "canary", "admin-token", "the service passed its shadow week")
    assert record.after["candidate"] == "orders" and record.after["percent"] == 100.0
    wait_until(lambda: served_by_the_service(proxy), timeout=10, what="the proxy to take the dashboard's change")
    # The page after the change already shows it: the route's row and the history's.
    assert '<span class="badge canary">canary 100 %</span>' in response.text
    assert "the service passed its shadow week" in response.text


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(proxy, store):
    browser, other = signed_in(proxy), signed_in(proxy)
    others_token = csrf_of(other.get(proxy.url + "/_strangler/", timeout=10).text)
    form = {"action": "canary", "route": "orders", "candidate": "orders", "percent": "50", "reason": "forged"}
    for sent in ({}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": others_token}):
        response = browser.post(proxy.url + CHANGE, data={**form, **sent}, timeout=10)
        assert response.status_code == 403, sent
        assert "did not come from the dashboard" in response.text
    json_client = browser.post(proxy.url + CHANGE, data=form, headers={"Accept": "application/json"}, timeout=10)
    assert json_client.status_code == 403 and json_client.json()["code"] == 403
    assert store.history() == [] and store.states() == {}


def test_a_refused_change_shows_its_reason_and_changes_nothing(proxy, store):
    browser = signed_in(proxy)
    no_candidate = change(browser, proxy, action="promote", route="orders", reason="ship it")
    assert no_candidate.status_code == 409
    assert "Refused, nothing changed:" in no_candidate.text
    assert "the route has no candidate to promote; shadow or canary one first" in no_candidate.text
    too_many = change(browser, proxy, action="canary", route="orders", candidate="orders", percent="150")
    assert too_many.status_code == 409 and "at most 100, got 150" in too_many.text
    not_declared = change(browser, proxy, action="shadow", route="catalog", candidate="payments")
    assert not_declared.status_code == 409
    assert "candidate &#x27;payments&#x27; is not a declared upstream" in not_declared.text
    no_reason = change(browser, proxy, action="rollback", route="orders", reason=" ")
    assert no_reason.status_code == 409 and "say why you roll back" in no_reason.text
    assert store.history() == [] and store.states() == {}


def test_an_api_client_changes_routes_with_its_bearer_token_and_reads_json(proxy, store):
    """A script needs no CSRF token: no browser adds an Authorization header by itself."""
    client = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
    shadowed = requests.post(proxy.url + CHANGE, data={"action": "shadow", "route": "catalog", "candidate": "catalog",
                                                       "reason": "compare"}, headers=client, timeout=10)
    assert shadowed.status_code == 200
    assert shadowed.json()["after"]["mode"] == "shadow" and shadowed.json()["by"] == "admin-token"
    refused = requests.post(proxy.url + CHANGE, data={"action": "shadow", "route": "catalog", "candidate": "monolith"},
                            headers=client, timeout=10)
    assert refused.status_code == 409
    assert set(refused.json()) == {"code", "message", "request_id"}
    assert "is the route's upstream already" in refused.json()["message"]
    assert [record.action for record in store.history()] == ["shadow"]


def test_the_dashboard_makes_the_same_change_the_command_would(proxy, store):
    """A change made on the command line's side first: the dashboard's rollback undoes it the same way."""
    store.change("orders", "canary", lambda current: state.canary(current, candidate="orders", percent=20),
                 reason="start small", by="ada")
    rolled_back = change(signed_in(proxy), proxy, action="rollback", route="orders", reason="errors up")
    assert rolled_back.status_code == 200
    latest, first = store.history()
    assert (first.by, latest.by, latest.action, latest.reason) == ("ada", "admin-token", "rollback", "errors up")
    assert latest.before == {**first.after} and latest.after["mode"] == "none" and latest.after["candidate"] is None
    assert store.table_in_force().routes[0].candidate is None


def test_a_form_that_names_no_change_is_a_bad_request(proxy, store):
    browser = signed_in(proxy)
    response = change(browser, proxy, action="delete", route="orders")
    assert response.status_code == 400
    assert requests.get(proxy.url + CHANGE, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                        timeout=10).status_code == 405
    assert store.history() == []
