"""Live control of the route table: move a route to a service and back while it serves.

    state.py      a route's live state (primary, candidate, mode, percent, fallback) and the changes to it:
                  shadow, canary, promote, rollback, each checked against the whole table first
    store.py      the live states in Redis, changed in one transaction with an audit record
    live.py       in each proxy process: the table in force, refreshed from Redis within a second
    reload.py     SIGHUP: routes.toml read again, kept only when valid

routes.toml is the default; what is stored in Redis overrides it, route by route, and survives restarts.
"""
