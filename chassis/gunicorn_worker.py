"""The worker class of every Django web process: gunicorn's threaded worker, leaving the port on SIGTERM.

gunicorn's gthread worker stops accepting on SIGTERM but keeps its listening socket open until its last
request is done (up to graceful_timeout). The kernel still completes connections on that socket and
queues them where nobody accepts them: the clients wait, then are reset when the socket finally closes.
That does no harm when the whole service goes down, but in a rolling restart a replacement is already
serving on the port (SO_REUSEPORT, GUNICORN_REUSE_PORT=true), and the kernel keeps sending part of the
new connections to the old socket: they hang, then fail.

This worker, the moment it stops accepting, takes every connection already queued on its sockets (they
are answered like the others) and closes the sockets, so new connections go to whoever else listens on
the port, or are refused at once when nobody does. Everything else is gthread's own: it is used through
its `set_accept_enabled` and `accept` methods, which the rolling-restart test (tests/e2e) exercises.
"""

from __future__ import annotations

import select
from typing import Any

from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker


class ThreadWorker(GunicornThreadWorker):
    """gthread, closing its listening sockets as soon as it stops accepting on SIGTERM."""

    left_port = False

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive and not self.left_port:  # stopping for good, not pausing
            self.leave_port()

    def leave_port(self) -> None:
        """Accept what the kernel has queued on each listening socket, then close it."""
        self.left_port = True
        for listener in self.sockets:
            while _queued(listener):
                self.accept(listener)
            listener.close()


def _queued(listener: Any) -> bool:
    """Whether a connection waits to be accepted (a listening socket is readable then)."""
    try:
        readable, _, _ = select.select([listener], [], [], 0)
    except (OSError, ValueError):  # closed already
        return False
    return bool(readable)
