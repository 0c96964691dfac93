"""The Redis transport the kit's Celery apps use: kombu's own, with one fix, selected the published way.

kombu builds a transport's channels from its `Channel` class attribute, and Celery's `broker_transport`
setting names the transport class to use (kombu takes an import path there). So `broker_settings()`
names `RedisTransport` for a redis:// or rediss:// broker; nothing of kombu's is replaced, and every other
Redis connection in the process stays kombu's.

The fix: a channel whose broker died under a waiting BRPOP closes. When the broker goes away, the
connection error may surface first on another socket (remote control's subscription, an acknowledgement)
while the channel tasks come on still waits for its BRPOP's reply. kombu's close() first reads that
reply, and the read's connection error escapes before the channel is closed. Celery's teardown then drops
the transport and closes the channel once more, which puts its unacknowledged messages back through the
dropped transport: an AttributeError that stops the worker ("Unrecoverable error") instead of letting it
reconnect. Seen with kombu 5.7.0; this module can go when kombu's own close() tolerates that read failing.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

from kombu.transport import redis as kombu_redis

REDIS_SCHEMES = ("redis", "rediss")
TRANSPORT = "chassis.broker:RedisTransport"


class RedisChannel(kombu_redis.Channel):
    """kombu's Redis channel, whose close() completes even when the server died under a waiting BRPOP."""

    connection_errors: tuple[type[BaseException], ...]  # the transport's, set by kombu's Channel

    def close(self) -> None:
        try:
            super().close()
        except self.connection_errors:
            # Only the read of the waiting BRPOP's reply needs the server, and kombu forgets that BRPOP
            # once the read has failed: closing again does the rest of the work, offline.
            super().close()


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport, with channels that close after their server died."""

    Channel = RedisChannel


def broker_settings(broker_url: str) -> dict[str, Any]:
    """The Celery settings that select `RedisTransport` for a Redis broker; none for any other broker."""
    scheme = urlsplit(broker_url).scheme
    if scheme not in REDIS_SCHEMES:
        return {}
    settings: dict[str, Any] = {"broker_transport": TRANSPORT}
    if scheme == "rediss":
        # What kombu itself does for a rediss:// URL with no ssl_cert_reqs (Heroku Redis's certificates
        # are self-signed); it keys that on the transport's name, which is ours now. The URL's own
        # ssl_* parameters still win (e.g. rediss://...?ssl_cert_reqs=required).
        settings["broker_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_NONE}
    return settings
