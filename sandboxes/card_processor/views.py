"""The HTTP API: read the body strictly, call one service under the idempotency key, render.

Every view goes through `api`, the one place that checks the method and turns an ApiError into
Stripe's error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from sandboxes.card_processor import params, render, selectors, services
from sandboxes.card_processor.errors import (
    ApiError,
    Forbidden,
    InvalidRequest,
    MethodNotAllowed,
    decline_body,
    error_response,
)
from sandboxes.card_processor.idempotency import Answer, answer_once, fingerprint
from sandboxes.card_processor.models import PaymentIntent

View = Callable[..., HttpResponse]
IDEMPOTENCY_HEADER = "Idempotency-Key"
_MAX_KEY_LENGTH = 255


def api(*methods: str) -> Callable[[View], View]:
    """Allow only `methods`; render any ApiError the view raises as Stripe's error object."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed("method_not_allowed", f"{request.method} is not allowed here.")
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error)
        return wrapper
    return decorate


@api("POST")
def payment_intent_create(request: HttpRequest) -> HttpResponse:
    body = params.read_json(request)
    wanted = params.intent_create(body)
    return _intent_once(request, body, partial(services.intent_create, params=wanted))


@api("GET")
def payment_intent_detail(request: HttpRequest, intent_id: str) -> HttpResponse:
    return JsonResponse(render.intent_body(selectors.intent_get(intent_id=intent_id)))


@api("POST")
def payment_intent_capture(request: HttpRequest, intent_id: str) -> HttpResponse:
    body = params.read_json(request)
    params.no_params(body)
    return _intent_once(request, body, partial(services.intent_capture, intent_id=intent_id))


@api("POST")
def payment_intent_cancel(request: HttpRequest, intent_id: str) -> HttpResponse:
    body = params.read_json(request)
    params.no_params(body, allowed=frozenset({"cancellation_reason"}))
    return _intent_once(request, body, partial(services.intent_cancel, intent_id=intent_id))


@api("POST")
def refund_create(request: HttpRequest) -> HttpResponse:
    body = params.read_json(request)
    wanted = params.refund_create(body)
    return _once(request, body, lambda key: Answer(200, render.refund_body(
        services.refund_create(params=wanted, idempotency_key=key))))


@api("GET")
def ledger(request: HttpRequest) -> HttpResponse:
    metadata = {name.removeprefix("metadata."): value for name, value in request.GET.items()
                if name.startswith("metadata.")}
    entries = selectors.ledger_list(metadata=metadata)
    return JsonResponse({"entries": [render.entry_body(entry) for entry in entries]})


@api("GET")
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@api("POST")
def reset(request: HttpRequest) -> HttpResponse:
    if not settings.CARD_SANDBOX_ALLOW_RESET:
        raise Forbidden("reset_disabled", "Reset is off; start the sandbox with CARD_SANDBOX_ALLOW_RESET=true.")
    services.sandbox_reset()
    return JsonResponse({"status": "reset"})


def _once(request: HttpRequest, body: dict[str, Any], act: Callable[[str | None], Answer]) -> JsonResponse:
    """Answer the POST at most once per Idempotency-Key, replaying the first answer for a repeat."""
    key = _idempotency_key(request)
    request_print = fingerprint(method=request.method or "POST", path=request.path, body=body)
    answer = answer_once(key=key, fingerprint=request_print, act=lambda: act(key))
    response = JsonResponse(answer.body, status=answer.status)
    if key is not None:
        response[IDEMPOTENCY_HEADER] = key
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _intent_once(request: HttpRequest, body: dict[str, Any],
                 service: Callable[..., PaymentIntent]) -> JsonResponse:
    """`_once` for a service that takes `idempotency_key` and returns the intent it acted on."""
    return _once(request, body, lambda key: _intent_answer(service(idempotency_key=key)))


def _idempotency_key(request: HttpRequest) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= _MAX_KEY_LENGTH:
        raise InvalidRequest("idempotency_key_invalid",
                             f"{IDEMPOTENCY_HEADER} must be 1 to {_MAX_KEY_LENGTH} characters.")
    return key


def _intent_answer(intent: PaymentIntent) -> Answer:
    body = render.intent_body(intent)
    if intent.decline_code:
        return Answer(402, decline_body(decline_code=intent.decline_code, message=render.DECLINE_MESSAGE,
                                        payment_intent=body))
    return Answer(200, body)
