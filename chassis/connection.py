"""Closing the client connection after an answer that leaves the request body unread.

A service that refuses a body (413) without reading it leaves those bytes on the connection: a proxy that
reused the connection would have its next request read as the rest of the refused body. So such an answer
must say `Connection: close`, and the server must close.

A WSGI application cannot say it itself: PEP 3333 leaves hop-by-hop headers to the server, and gunicorn
drops a Connection header an application sets. gunicorn does close, and says so, when its request object
was told `force_close()`; its `pre_request` hook is handed that object. So `chassis.gunicorn_conf`'s hooks
call `serving()` and `served()` around each request, and the application calls `close_after_response()`.
A gthread (or sync) worker runs a request's hooks and application on one thread, so the request is kept
per thread. Under any other server (Django's test client, runserver) nothing is handed over and closing
the connection is left to that server.
"""

from __future__ import annotations

import threading
from typing import Protocol


class ServerRequest(Protocol):
    """What this module needs of gunicorn's request object."""

    def force_close(self) -> None: ...


_current = threading.local()


def serving(request: ServerRequest) -> None:
    """The server starts handling `request` on this thread."""
    _current.request = request


def served() -> None:
    """The server is done with this thread's request."""
    _current.request = None


def close_after_response() -> None:
    """Have the server answer this thread's request with `Connection: close`, then close the connection."""
    request: ServerRequest | None = getattr(_current, "request", None)
    if request is not None:
        request.force_close()
