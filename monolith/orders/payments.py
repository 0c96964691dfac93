"""The monolith's handle on the card processor (an external HTTP API, configured by URL).

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from integrations.card_processor.client import CardProcessorClient


@lru_cache(maxsize=1)
def card_processor() -> CardProcessorClient:
    # One client per process: it pools keep-alive connections to the processor.
    timeout = settings.CARD_PROCESSOR_TIMEOUT
    return CardProcessorClient(settings.CARD_PROCESSOR_URL, timeout=(min(1.0, timeout), timeout))
