"""Fixtures for the proxy's tests: real upstreams and a real proxy, started once per session.

The shared proxy routes /raw/ to the raw upstream, /sleep to the echo upstream with a short read
timeout, POST /moved (exclusively: other methods get 405) to the echo upstream, and everything else to
the echo upstream. Its limits are small so tests can cross them:
bodies over 64 KiB are refused, bodies over 4 KiB stream, header and body reads time out after 1 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.strangler_proxy.upstreams.processes import Running, start_echo, start_proxy, start_raw

MAX_BODY = 65536
BUFFER = 4096
TIMEOUT = 1.0

ROUTES = """
max_body_bytes = {max_body}

[upstreams.echo]
url_env = "ECHO_URL"
health_path = "/healthz"

[upstreams.raw]
url_env = "RAW_URL"
health_path = "/healthz"

[[routes]]
id = "raw"
prefix = "/raw/"
upstream = "raw"

[[routes]]
id = "slow"
prefix = "/sleep"
upstream = "echo"
read_timeout = 0.5

[[routes]]
id = "moved"
prefix = "/moved"
methods = ["POST"]
upstream = "echo"
exclusive = true

[[routes]]
id = "private"
prefix = "/private"
upstream = "raw"

[[routes]]
id = "default"
prefix = "/"
upstream = "echo"
"""


def proxy_env(echo: Running, raw: Running) -> dict[str, str]:
    return {"ECHO_URL": echo.url, "RAW_URL": raw.url, "PROXY_REQUEST_BUFFER_BYTES": str(BUFFER),
            "PROXY_HEADER_TIMEOUT": str(TIMEOUT), "PROXY_BODY_TIMEOUT": str(TIMEOUT)}


@pytest.fixture(scope="session")
def echo() -> Iterator[Running]:
    running = start_echo()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def raw() -> Iterator[Running]:
    running = start_raw()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def proxy(echo: Running, raw: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_proxy(tmp_path_factory.mktemp("proxy"), ROUTES.format(max_body=MAX_BODY), **proxy_env(echo, raw))
    yield running
    running.stop()


@pytest.fixture
def request_tag(request: pytest.FixtureRequest) -> str:
    """A tag for this test's requests (sent as X-Test-Id), to find what the upstream received."""
    return f"{request.node.name}-{id(request)}"


def proxy_routes(**format_args: object) -> str:
    return ROUTES.format(**{"max_body": MAX_BODY, **format_args})
