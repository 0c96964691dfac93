"""The web processes' gunicorn worker on SIGTERM: requests under way finish, the port is let go at once."""

from __future__ import annotations

import os
import signal
import threading

import requests

from tests.strangler_proxy.upstreams.processes import start_echo, wait_received
from tests.support.waiting import refuses_connections, wait_until


def test_a_stopping_worker_finishes_its_request_and_refuses_new_connections_meanwhile():
    """A request sleeps in the worker when SIGTERM comes; a new connection is refused before it ends."""
    echo = start_echo()
    answers: list[requests.Response] = []
    slow = threading.Thread(target=lambda: answers.append(
        requests.get(f"{echo.url}/sleep?seconds=3", headers={"X-Test-Id": "slow"}, timeout=30)))
    slow.start()
    wait_received(echo, "slow")

    os.kill(echo.process.popen.pid, signal.SIGTERM)
    wait_until(lambda: refuses_connections(echo.port), timeout=10, what="the port to refuse new connections")
    refused_while_busy = slow.is_alive()
    slow.join(timeout=30)

    assert refused_while_busy  # gthread alone keeps the socket, queuing connections nobody accepts
    assert [answer.status_code for answer in answers] == [200]
    assert echo.process.finish(timeout=30) == 0
