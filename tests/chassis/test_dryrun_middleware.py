"""chassis.dryrun: a request with the proxy's valid shadow marker runs rolled back with every side effect
suppressed, logged and counted; a forged, expired or misused marker is refused; a request without one, and
every hook outside a dry run, behave as before.

The middleware is called as Django calls it, around a view that writes a row and tries one side effect,
on the test database; the effects reach real parts (Redis as the Celery broker, moto's SNS server, an
HTTP server), so "suppressed" is read back from where the effect would have landed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import RequestFactory
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.sns.models import sns_backends

from chassis.dryrun.mail import GUARDED
from chassis.dryrun.middleware import HEADER, DryRunMiddleware
from chassis.dryrun.publishing import GuardedCelery
from chassis.http import DryRunRefused, ServiceSession
from chassis.identity import SHADOW_HEADER, sign_internal, sign_shadow
from integrations import sns
from tests.support.waiting import free_port

KEYS = ["dry-run-tests-signing-key-0123456789abcdefghij"]
REGION = "us-east-1"
View = Callable[[HttpRequest], HttpResponse]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def opted_in(settings) -> None:
    """The service's settings as a service that opted in has them: the keys and the guarded e-mail backend."""
    settings.IDENTITY_SIGNING_KEYS = KEYS
    settings.EMAIL_BACKEND = GUARDED
    settings.GUARDED_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def call(view: View, *, marker: str | None, method: str = "post") -> HttpResponse:
    """`view` behind the middleware, as a POST carrying `marker` as X-Strangler-Shadow (None: no header)."""
    headers = {SHADOW_HEADER: marker} if marker is not None else {}
    request = getattr(RequestFactory(), method)("/v1/checkout", headers=headers)
    return DryRunMiddleware(view)(request)


def shadow_marker() -> str:
    return sign_shadow(keys=KEYS)


def writing(effect: Callable[[], object] = lambda: None) -> View:
    """A view that stores a row, then carries out `effect`, and answers 201."""
    def view(request: HttpRequest) -> HttpResponse:
        Group.objects.create(name=f"order-{uuid.uuid4().hex}")
        effect()
        return JsonResponse({"success": True}, status=201)
    return view


def rows() -> int:
    return Group.objects.count()


# ---------------------------------------------------------------- the marker


def test_a_valid_marker_runs_the_request_and_rolls_its_write_back(caplog):
    before = rows()
    with caplog.at_level(logging.INFO, logger="chassis.dryrun"):
        response = call(writing(), marker=shadow_marker())
    assert response.status_code == 201 and json.loads(response.content) == {"success": True}
    assert response[HEADER] == "rolled-back"
    assert rows() == before
    logged = [record for record in caplog.records if record.getMessage() == "dry run rolled back"]
    assert len(logged) == 1 and logged[0].status == 201 and logged[0].suppressed == {}


def test_without_a_marker_the_request_runs_as_usual():
    before = rows()
    response = call(writing(), marker=None)
    assert response.status_code == 201 and HEADER not in response
    assert rows() == before + 1


@pytest.mark.parametrize("marker", [
    sign_shadow(keys=["another-key-that-the-service-does-not-hold-0123"]),
    "strangler-shadow:forged:signature",
    sign_internal(keys=KEYS),  # the internal proof is signed under another salt: it is no shadow marker
    "",
], ids=["another key", "made up", "internal proof", "empty"])
def test_a_forged_marker_is_refused_with_the_contracts_error_and_nothing_runs(marker: str):
    ran: list[bool] = []
    response = call(writing(lambda: ran.append(True)), marker=marker)
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == 403 and SHADOW_HEADER in body["message"]
    assert ran == []


def test_an_expired_marker_is_refused():
    expired = sign_shadow(keys=KEYS, issued_at=time.time() - 120)
    before = rows()
    response = call(writing(), marker=expired)
    assert response.status_code == 403 and json.loads(response.content)["code"] == 403
    assert rows() == before


def test_a_marker_on_a_read_also_runs_rolled_back():
    """A read may write too (a session, a last-seen time): rolled back all the same."""
    before = rows()
    response = call(writing(), marker=shadow_marker(), method="get")
    assert response.status_code == 201 and response[HEADER] == "rolled-back" and rows() == before


def test_a_streamed_answer_is_produced_inside_the_dry_run():
    def view(request: HttpRequest) -> HttpResponse:
        def body() -> Iterator[bytes]:
            Group.objects.create(name=f"streamed-{uuid.uuid4().hex}")
            yield b"done"
        return StreamingHttpResponse(body())
    before = rows()
    response = call(view, marker=shadow_marker())
    assert b"".join(response.streaming_content) == b"done"  # type: ignore[attr-defined]  # a streaming answer
    assert rows() == before


# ---------------------------------------------------------------- misconfiguration


def test_the_middleware_refuses_to_start_without_signing_keys(settings):
    settings.IDENTITY_SIGNING_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="IDENTITY_SIGNING_KEYS"):
        DryRunMiddleware(writing())


def test_the_middleware_refuses_to_start_with_an_unguarded_email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with pytest.raises(ImproperlyConfigured, match="EMAIL_BACKEND"):
        DryRunMiddleware(writing())


def test_the_middleware_refuses_to_start_without_the_backend_that_sends(settings):
    settings.GUARDED_EMAIL_BACKEND = ""
    with pytest.raises(ImproperlyConfigured, match="GUARDED_EMAIL_BACKEND"):
        DryRunMiddleware(writing())


# ---------------------------------------------------------------- side effects


def test_on_commit_callbacks_never_run_in_a_dry_run_and_run_otherwise():
    ran: list[str] = []

    def effect() -> None:
        transaction.on_commit(lambda: ran.append("committed"))
    dry = call(writing(effect), marker=shadow_marker())
    assert ran == [] and dry[HEADER] == "rolled-back; on_commit=1"
    call(writing(effect), marker=None)
    assert ran == ["committed"]


@pytest.fixture
def celery_queue(redis_server: str, redis_client: redis.Redis) -> Iterator[tuple[GuardedCelery, str]]:
    """A guarded Celery app publishing to a queue of its own on the test run's Redis."""
    queue = f"dryrun-tests-{uuid.uuid4().hex[:10]}"
    app = GuardedCelery("dryrun-tests", broker=redis_server)
    app.conf.task_default_queue = queue
    yield app, queue
    redis_client.delete(queue, f"_kombu.binding.{queue}")
    app.close()


def test_celery_messages_are_not_published_in_a_dry_run_however_they_are_sent(celery_queue, redis_client):
    app, queue = celery_queue

    @app.task(name="dryrun_tests.noop")
    def noop(value: int) -> int:
        return value

    def effect() -> None:
        app.send_task("dryrun_tests.noop", args=[1], queue=queue)
        noop.delay(2)
        noop.apply_async(args=[3], countdown=1)
        noop.s(4).apply_async()
    dry = call(writing(effect), marker=shadow_marker())
    assert dry[HEADER] == "rolled-back; celery=4"
    assert redis_client.llen(queue) == 0
    call(writing(effect), marker=None)
    assert redis_client.llen(queue) == 4  # the same sends, outside a dry run, all published


def test_tasks_sent_on_commit_are_neither_published_nor_run(celery_queue, redis_client):
    app, queue = celery_queue

    @app.task(name="dryrun_tests.noop")
    def noop(value: int) -> int:
        return value

    def effect() -> None:
        transaction.on_commit(lambda: app.send_task("dryrun_tests.noop", args=[1], queue=queue))
        noop.delay_on_commit(2)
    dry = call(writing(effect), marker=shadow_marker())
    assert dry[HEADER] == "rolled-back; on_commit=2" and redis_client.llen(queue) == 0
    call(writing(effect), marker=None)
    assert redis_client.llen(queue) == 2


def test_email_is_not_sent_in_a_dry_run(caplog):
    def effect() -> None:
        sent = mail.send_mail("Order 42 confirmed", "Thanks.", None, ["ada@example.com"])
        assert sent == 1  # reported sent, so the code carries on as it would have
    with caplog.at_level(logging.INFO, logger="chassis.dryrun"):
        dry = call(writing(effect), marker=shadow_marker())
    assert dry.status_code == 201 and dry[HEADER] == "rolled-back; email=1" and mail.outbox == []
    suppressed = [record for record in caplog.records if record.getMessage() == "dry run: effect suppressed"]
    assert [(record.effect, record.detail, record.email_to) for record in suppressed] == [
        ("email", "Order 42 confirmed", ["ada@example.com"])]
    call(writing(effect), marker=None)
    assert [message.subject for message in mail.outbox] == ["Order 42 confirmed"]


@pytest.fixture
def sns_emulator(monkeypatch) -> Iterator[None]:
    """moto in server mode on a free port; boto3 reaches it through AWS_ENDPOINT_URL_SNS."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    for name, value in {"AWS_ENDPOINT_URL_SNS": f"http://127.0.0.1:{port}", "AWS_DEFAULT_REGION": REGION,
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    sns.sns_client.cache_clear()
    yield
    sns.sns_client.cache_clear()
    server.stop()


def _texts() -> list[tuple[str, str]]:
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def test_sns_is_not_called_in_a_dry_run(sns_emulator):
    ids: list[str] = []

    def effect() -> None:
        ids.append(sns.sns_client(retries=0).publish(PhoneNumber="+15551234567", Message="Order 42")["MessageId"])
    before = len(_texts())
    dry = call(writing(effect), marker=shadow_marker())
    assert dry[HEADER] == "rolled-back; sns=1" and ids[0].startswith("dry-run-")
    assert len(_texts()) == before
    call(writing(effect), marker=None)
    assert _texts()[before:] == [("+15551234567", "Order 42")] and not ids[1].startswith("dry-run-")


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str] = []

    def _answer(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_service() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server standing for another service: its URL and the requests it received."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_outbound_writes_are_refused_unsent_in_a_dry_run_and_reads_go_through(other_service):
    url, seen = other_service
    outcomes: list[str] = []

    def effect() -> None:
        session = ServiceSession(url)
        outcomes.append(str(session.get("/v1/products/prosecco").status_code))
        try:
            session.post("/v1/charges", json={"amount": 100})
        except DryRunRefused as refused:
            outcomes.append(f"refused: {refused}")
    dry = call(writing(effect), marker=shadow_marker())
    assert dry[HEADER] == "rolled-back; http=1"
    assert seen == ["GET /v1/products/prosecco"]
    assert outcomes[0] == "200" and outcomes[1].startswith(f"refused: POST {url}/v1/charges")
    call(writing(effect), marker=None)
    assert seen[1:] == ["GET /v1/products/prosecco", "POST /v1/charges"]
