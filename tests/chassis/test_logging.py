import io
import json
import logging

from django.http import HttpRequest

from chassis import request_id
from chassis.logging import JsonFormatter, RequestIdFilter


def _capture(message: str, *args, exc: BaseException | None = None, **extra) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(service="unit"))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.chassis.logging")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        if exc is not None:
            try:
                raise exc
            except type(exc):
                logger.exception(message, *args, extra=extra)
        else:
            logger.warning(message, *args, extra=extra)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0])


def test_a_line_has_time_level_service_logger_message_and_request_id():
    with request_id.bound("req-12345678"):
        line = _capture("stock %s for %s", "low", "roses")
    assert line["level"] == "warning"
    assert line["service"] == "unit"
    assert line["logger"] == "tests.chassis.logging"
    assert line["message"] == "stock low for roses"
    assert line["request_id"] == "req-12345678"
    assert line["time"].endswith("+00:00")


def test_extra_context_becomes_fields():
    line = _capture("order confirmed", order_id="abc", amount_cents=2400)
    assert (line["order_id"], line["amount_cents"]) == ("abc", 2400)
    assert line["request_id"] is None


def test_a_traceback_stays_inside_the_one_line():
    line = _capture("it broke", exc=ValueError("bad value"))
    assert "ValueError: bad value" in line["exc_info"]


def test_djangos_line_for_an_error_answer_carries_the_id_of_its_request():
    """django.request logs a 4xx/5xx after the middleware returned: the id comes from the request itself."""
    request = HttpRequest()
    request.request_id = "req-87654321"
    line = _capture("Not Found: %s", "/v1/products/nope", request=request, status_code=404)
    assert line["request_id"] == "req-87654321"
