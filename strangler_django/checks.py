"""Start-up checks: the app refuses to start without what the proxy's side of it needs.

    strangler_django.E001   IDENTITY_SIGNING_KEYS is empty: every identity call would be refused
    strangler_django.E002   no REDIS_URL (setting or environment): revocation could not reach the edge
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from chassis.keys import GENERATE_HINT


@register("strangler_django")
def check_proxy_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    if not getattr(settings, "IDENTITY_SIGNING_KEYS", None):
        errors.append(Error(
            "IDENTITY_SIGNING_KEYS is empty: /internal/identity would refuse the proxy, which then sees "
            "every caller as anonymous.",
            hint=f"Set IDENTITY_SIGNING_KEYS to the keys the proxy signs with (make one: {GENERATE_HINT}).",
            id="strangler_django.E001",
        ))
    if not (getattr(settings, "REDIS_URL", None) or os.environ.get("REDIS_URL")):
        errors.append(Error(
            "REDIS_URL is not set: a log-out or a password change could not reach the proxy's identity cache.",
            hint="Set REDIS_URL (the setting or the environment variable) to the Redis the proxy uses.",
            id="strangler_django.E002",
        ))
    return errors
