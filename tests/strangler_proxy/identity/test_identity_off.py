"""identity = "off": the proxy in front of a monolith without the kit's identity endpoint asks nothing,
needs neither MONOLITH_URL nor signing keys, and passes the monolith's own cookies through."""

from __future__ import annotations

import pytest
import requests

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.validator import validate
from tests.strangler_proxy.conftest import proxy_env, proxy_routes
from tests.strangler_proxy.upstreams.processes import start_proxy, wait_received


def test_with_identity_off_cookies_pass_through_and_no_identity_is_asked_for(echo, raw, tmp_path, request_tag):
    routes = 'identity = "off"\n' + proxy_routes()
    proxy = start_proxy(tmp_path, routes, MONOLITH_URL="", IDENTITY_SIGNING_KEYS="", **proxy_env(echo, raw))
    try:
        response = requests.get(f"{proxy.url}/echo", headers={"X-Test-Id": request_tag, "Authorization": "Token abc",
                                                               "X-Strangler-Identity": "forged"},
                                cookies={"sessionid": "the-monolith-decides"}, timeout=10)
        assert response.status_code == 200
        headers = wait_received(echo, request_tag)[0]["headers"]
        assert "sessionid=the-monolith-decides" in headers["cookie"] and headers["authorization"] == "Token abc"
        assert "x-strangler-identity" not in headers  # a client's claim is still stripped
        assert not [line for line in proxy.lines() if "could not resolve the caller" in line.get("message", "")]
    finally:
        proxy.stop()


def test_login_required_routes_need_identity_django():
    document = {"identity": "off", "upstreams": {"monolith": {"url_env": "MONOLITH_URL"}},
                "routes": [{"id": "private", "prefix": "/me", "upstream": "monolith", "login_required": True},
                           {"id": "default", "prefix": "/", "upstream": "monolith"}]}
    with pytest.raises(RouteTableInvalid) as refused:
        validate(document, {"MONOLITH_URL": "http://127.0.0.1:8000"})
    assert refused.value.errors == ["route 'private': login_required needs the edge to know the caller, but "
                                    'identity = "off"; remove login_required, or set identity = "django"']
    with pytest.raises(RouteTableInvalid, match="is not a mode"):
        validate({**document, "identity": "maybe"}, {"MONOLITH_URL": "http://127.0.0.1:8000"})
