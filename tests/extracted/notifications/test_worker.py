"""The notifications worker as it runs: a Celery worker process, SNS emulated over HTTP, the monolith."""

from order_contract.events import ORDER_FAILED
from tests.extracted.notifications.conftest import (
    SIGNING_KEYS,
    Worker,
    order_event,
    sns_server,
    start_monolith,
    texts_about,
    worker_env,
)
from tests.support.waiting import free_port


def test_a_confirmed_order_is_emailed_and_texted_to_the_customers_phone(start_worker, customer):
    worker = start_worker()
    event = order_event(customer)
    worker.publish(event)
    worker.wait_until_done_with(event)
    [email] = worker.emails_about(event.order_id)
    [(phone, text)] = texts_about(event.order_id)
    assert email["email_to"] == [customer.email] and email["email_subject"].endswith("confirmed")
    assert phone == customer.phone
    assert text == email["email_body"]
    assert "is confirmed: A dozen red roses, delivered to 221B Baker Street on Thu 24 Dec 2026" in text


def test_the_same_event_published_twice_sends_one_email_and_one_sms(start_worker, customer):
    """Two pool processes may take the two copies at once; the event id makes them send once."""
    worker = start_worker()
    event = order_event(customer)
    worker.publish(event)
    worker.publish(event)
    worker.wait_until_done_with(event, times=2)
    assert len(worker.emails_about(event.order_id)) == 1
    assert len(texts_about(event.order_id)) == 1


def test_a_failed_order_says_it_failed_and_why(start_worker, customer):
    worker = start_worker()
    event = order_event(customer, type=ORDER_FAILED, reason="payment declined")
    worker.publish(event)
    worker.wait_until_done_with(event)
    [email] = worker.emails_about(event.order_id)
    [(_, text)] = texts_about(event.order_id)
    assert email["email_subject"].endswith("could not be completed")
    assert "could not be completed: payment declined; you have not been charged." in email["email_body"]
    assert text == email["email_body"]


def test_an_invalid_message_is_logged_and_dropped_and_the_worker_carries_on(start_worker, customer):
    worker = start_worker()
    worker.send_raw({"event_id": "broken-1", "type": "order.shipped"})
    worker.send_raw("not an object")
    worker.wait_for("both invalid messages dropped", lambda: len(worker.logged("invalid order event dropped")) == 2)
    event = order_event(customer)
    worker.publish(event)
    worker.wait_until_done_with(event)
    dropped = worker.logged("invalid order event dropped")
    assert all(line["level"] == "error" for line in dropped)
    assert sorted("missing fields" in line["problem"] for line in dropped) == [False, True]
    assert len(worker.emails_about(event.order_id)) == 1


def test_a_customer_without_a_phone_gets_the_email_only(start_worker, monolith):
    worker = start_worker()
    event = order_event(monolith.signup(phone=""))
    worker.publish(event)
    worker.wait_until_done_with(event)
    assert len(worker.emails_about(event.order_id)) == 1 and texts_about(event.order_id) == []
    [skipped] = worker.logged("notification skipped", event_id=event.event_id, channel="sms")
    assert skipped["detail"] == "no phone number"


def test_with_sms_switched_off_only_the_email_goes_and_no_monolith_is_needed(start_worker, customer):
    worker = start_worker(SMS_VIA_SNS="false", MONOLITH_URL=None, IDENTITY_SIGNING_KEYS=None)
    event = order_event(customer)
    worker.publish(event)
    worker.wait_until_done_with(event)
    assert len(worker.emails_about(event.order_id)) == 1 and texts_about(event.order_id) == []


def test_when_the_phone_lookup_fails_the_email_goes_and_the_sms_follows_once_the_monolith_answers(
        start_worker, customer, monolith):
    """The worker asks a monolith that is not there yet; a second monolith process comes up later."""
    port = free_port()
    worker = start_worker(MONOLITH_URL=f"http://127.0.0.1:{port}")
    event = order_event(customer)
    worker.publish(event)
    worker.wait_for("the e-mail", lambda: worker.emails_about(event.order_id))
    worker.wait_for("the SMS deferred", lambda: worker.logged("notification deferred", event_id=event.event_id,
                                                              channel="sms"))
    late_monolith = start_monolith(monolith.database_url, port)
    try:
        worker.wait_until_done_with(event, timeout=120)
    finally:
        late_monolith.stop()
    assert texts_about(event.order_id) == [(customer.phone, worker.emails_about(event.order_id)[0]["email_body"])]
    assert len(worker.emails_about(event.order_id)) == 1  # the retries sent only the missing SMS


def test_when_sns_is_unreachable_the_sms_is_retried_until_it_goes(start_worker, customer):
    """SNS (the emulator) starts only after the worker's first attempts failed to connect."""
    port = free_port()
    worker = start_worker(AWS_ENDPOINT_URL_SNS=f"http://127.0.0.1:{port}")
    event = order_event(customer)
    worker.publish(event)
    worker.wait_for("the SMS deferred", lambda: worker.logged("notification deferred", event_id=event.event_id,
                                                              channel="sms"))
    late_sns = sns_server(port)
    try:
        worker.wait_until_done_with(event, timeout=120)
    finally:
        late_sns.stop()
    assert len(texts_about(event.order_id)) == 1 and len(worker.emails_about(event.order_id)) == 1


def test_every_line_the_worker_prints_is_json_and_it_stops_cleanly_on_sigterm(start_worker, customer):
    worker = start_worker()
    event = order_event(customer)
    worker.publish(event)
    worker.wait_until_done_with(event)
    exit_code = worker.process.stop(timeout=30)
    lines = worker.process.json_lines()  # raises naming the first line that is not JSON
    assert exit_code == 0
    assert all(line["service"] == "notifications" for line in lines)
    assert any("Warm shutdown" in line["message"] for line in lines)


def test_a_worker_told_to_text_without_a_monolith_url_stops_at_start_up_naming_it(notifications_database, sns):
    worker = Worker(worker_env(notifications_database, sns, "", MONOLITH_URL=None,
                               IDENTITY_SIGNING_KEYS=SIGNING_KEYS))
    assert worker.process.finish(timeout=60) == 1
    [line] = worker.process.json_lines()
    assert line["level"] == "error" and line["message"].startswith("MONOLITH_URL is not set")
