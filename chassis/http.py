"""The HTTP client services use to call each other (and third parties).

A `requests.Session` that always has a timeout, forwards the current request id, and retries only what
is safe to retry: connection failures for any method, and 502/503/504 answers for idempotent methods.
In a dry run (chassis.dryrun) it sends reads only: any other method raises DryRunRefused unsent.

    DryRunRefused    a call a dry run did not make (a requests.ConnectionError: nothing reached the server)
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from chassis import request_id
from chassis.dryrun import suppressed

DEFAULT_TIMEOUT = (1.0, 5.0)  # (connect, read) seconds
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class DryRunRefused(requests.ConnectionError):
    """A call that is not a read, made in a dry run: not sent (it could have had an effect)."""


class ServiceSession(requests.Session):
    """A session bound to one base URL with default timeouts and request-id propagation."""

    def __init__(self, base_url: str, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 retries: int = 2) -> None:
        super().__init__()
        # Where a service is, and how to reach it, comes from its URL setting alone: no proxy variables,
        # no ~/.netrc (which requests would otherwise read again on every call).
        self.trust_env = False
        self.base_url = base_url.rstrip("/")
        self.default_timeout = timeout
        retry = Retry(total=retries, connect=retries, read=0, status=retries, backoff_factor=0.1,
                      status_forcelist=(502, 503, 504), allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
                      raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = str(url)
        if url.startswith("/"):
            url = self.base_url + url
        verb = method.decode() if isinstance(method, bytes) else method
        if verb.upper() not in READS and suppressed("http", f"{verb.upper()} {url}"):
            raise DryRunRefused(f"{verb.upper()} {url} was not sent: a dry run makes no call that is not a read")
        kwargs.setdefault("timeout", self.default_timeout)
        headers = kwargs["headers"] = dict(kwargs.get("headers") or {})
        current = request_id.current()
        if current:
            headers.setdefault(request_id.HEADER, current)
        return super().request(method, url, *args, **kwargs)
