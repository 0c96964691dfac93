"""Route tables the export's tests render, and the upstream URL variables they read."""

from __future__ import annotations

from tests.strangler_proxy.upstreams.processes import Running

UPSTREAMS = """
[upstreams.monolith]
url_env = "EXPORT_MONOLITH_URL"

[upstreams.checkout]
url_env = "EXPORT_CHECKOUT_URL"

[upstreams.beta]
url_env = "EXPORT_BETA_URL"
"""

CATCH_ALL = """
[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""

# Every kind of route: methods, exclusive, a shorter prefix placed before longer ones, header filters
# (one on an exclusive route), a prefix ending in '/', and two routes whose live state moves them
# (export-menu to a canary, export-legacy promoted).
PARITY = UPSTREAMS + """
[[routes]]
id = "export-nlu"
prefix = "/v1/nlu"
methods = ["POST"]
upstream = "beta"

[[routes]]
id = "export-checkout"
prefix = "/v1/checkout"
methods = ["POST"]
upstream = "checkout"
exclusive = true

[[routes]]
id = "export-deletes"
prefix = "/v1/"
methods = ["DELETE"]
upstream = "beta"

[[routes]]
id = "export-orders"
prefix = "/v1/orders"
methods = ["GET"]
upstream = "checkout"
exclusive = true

[[routes]]
id = "export-products-beta"
prefix = "/v1/products"
methods = ["GET"]
headers = { "x-beta" = "on" }
upstream = "beta"

[[routes]]
id = "export-products"
prefix = "/v1/products"
methods = ["GET"]
upstream = "checkout"
read_timeout = 5

[[routes]]
id = "export-auth"
prefix = "/v1/auth/"
methods = ["POST"]
upstream = "checkout"

[[routes]]
id = "export-accounts"
prefix = "/accounts/"
upstream = "checkout"

[[routes]]
id = "export-ops"
prefix = "/ops"
methods = ["GET", "POST"]
headers = { "x-team" = "ops" }
upstream = "beta"
exclusive = true

[[routes]]
id = "export-menu"
prefix = "/menu"
upstream = "monolith"

[[routes]]
id = "export-legacy"
prefix = "/legacy"
upstream = "monolith"
candidate = "checkout"
""" + CATCH_ALL

# One route to be moved live (shadowed or a canary), before the catch-all.
MOVING = UPSTREAMS + """
[[routes]]
id = "export-moving"
prefix = "/moving"
upstream = "monolith"
""" + CATCH_ALL


def upstream_env(upstreams: dict[str, Running]) -> dict[str, str]:
    """The URL variables the tables above read, pointing at `upstreams` (by upstream name)."""
    return {f"EXPORT_{name.upper()}_URL": upstream.url for name, upstream in upstreams.items()}
