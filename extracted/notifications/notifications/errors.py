"""Why a notification did not go, split by what the task should do about it.

    NotificationError      base
     ├ TryAgainLater        a provider or the monolith is unavailable for now (throttled, timed out,
     │                      unreachable); the task retries with backoff
     └ Undeliverable        the provider refused this message for good; recorded, never retried

An invalid event is `order_contract.events.InvalidEvent`: logged and dropped, since no retry can fix it.
"""


class NotificationError(Exception):
    """A notification could not be sent."""


class TryAgainLater(NotificationError):
    """A transient failure: the same attempt may succeed later."""


class Undeliverable(NotificationError):
    """A permanent failure for this message and recipient."""
