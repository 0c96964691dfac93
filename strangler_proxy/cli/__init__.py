"""`strangler`: the kit's one command line (declared in pyproject.toml as a console script).

    strangler check [--routes PATH] [--json]      validate a route table without starting the proxy
    strangler status                              every route: primary, candidate, mode, share
    strangler shadow ROUTE --candidate UP [--writes skip|dry-run]
    strangler canary ROUTE --candidate UP --percent N
    strangler promote ROUTE | rollback ROUTE [--reason TEXT]
    strangler history [ROUTE]                     who changed what, when and why
    strangler diffs ROUTE [--limit N]             how a shadowed candidate's answers differ, beyond noise
    strangler keys add --plan basic | list | revoke KEY

Every command reads the same environment as the proxy; `--env-file FILE` loads one first, and variables
already in the environment win over the file. `--json` prints machine-readable output; a failure prints
what went wrong and exits non-zero.
"""

from strangler_proxy.cli.app import strangler

__all__ = ["strangler"]
