"""Limits at the edge: API keys with usage plans, and per-client limits for anonymous traffic.

    apikeys.py    API key → plan in Redis; the proxy's cached lookup and the operator's add/revoke/list (`strangler keys`)
    buckets.py    token buckets in Redis (one atomic script), spent from small per-process leases
    config.py     the environment variables this stage reads
    stage.py      the pipeline stage LimitsStage, and `startup()`, which builds it
"""

from strangler_proxy.limits.stage import LimitsStage, startup

__all__ = ["LimitsStage", "startup"]
