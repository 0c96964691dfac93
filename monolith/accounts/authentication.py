"""API tokens (`Authorization: Token <key>`), refused in the words every deployable uses.

DRF's TokenAuthentication says "Invalid token." (or why the header is malformed); the checkout service,
which sees only the proxy's verdict, can only say that no valid credentials came. Both say
chassis.identity.NOT_AUTHENTICATED, so a client reads one message whichever deployable answers.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from chassis.identity import NOT_AUTHENTICATED


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, whose every refusal says NOT_AUTHENTICATED."""

    def authenticate(self, request: Any) -> Any:
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            raise AuthenticationFailed(NOT_AUTHENTICATED) from None
