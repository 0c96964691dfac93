"""Who the caller is: the identity the strangler proxy resolved and signed, verified by the chassis."""

from __future__ import annotations

from typing import Any

from chassis.identity import SignedIdentityAuthentication


class EdgeIdentityAuthentication(SignedIdentityAuthentication):
    """The proxy's signed identity; an anonymous caller gets 403, as the original contract documents."""

    def authenticate_header(self, request: Any) -> str:
        return ""  # no WWW-Authenticate challenge, so DRF answers 403 rather than 401
