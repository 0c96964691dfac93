"""How an OpenAPI description names the proxy's signed identity (drf-spectacular's extension point).

Services behind the proxy authenticate with `chassis.identity.SignedIdentityAuthentication` (or a subclass):
the proxy resolves the caller and forwards a signed X-Strangler-Identity header. Without this extension
drf-spectacular cannot describe that scheme and prints a warning (plain text on stderr) whenever it builds
a schema. Imported by the chassis app's ready(), which registers it.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from chassis.identity import HEADER


class SignedIdentityScheme(OpenApiAuthenticationExtension):
    target_class = "chassis.identity.SignedIdentityAuthentication"
    match_subclasses = True
    name = "signedIdentity"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": HEADER,
                "description": "Set by the strangler proxy only: the caller it resolved, signed. Clients "
                               "authenticate at the proxy (session or token), never with this header."}
