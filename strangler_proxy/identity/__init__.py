"""Identity at the edge: strip client identity headers, resolve the caller once, forward it signed.

    headers.py    which headers could carry an identity; reading credentials off a request
    monolith.py   the monolith's internal identity endpoint, asked over one short HTTP call
    resolver.py   Redis cache in front of the monolith (a log-out overwrites the entry at once)
    config.py     the environment variables this stage reads
    stage.py      the pipeline stage IdentityStage, and `startup()`, which builds it
"""

from strangler_proxy.identity.stage import IdentityStage, is_internal_path, startup

__all__ = ["IdentityStage", "is_internal_path", "startup"]
