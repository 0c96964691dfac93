"""The strangler proxy: the façade every request enters through.

    table.py         the route table as typed, immutable data
    configuration/   the route table: a data file, loaded and validated whole at boot
    routing/         path normalisation and route matching
    forwarding/      the upstream connection pools and the streaming forwarder
    identity/        strips client identity headers, resolves the caller, signs the identity
    limits/          API-key plans and per-client token buckets in Redis
    observability/   access log, Prometheus metrics, health and readiness
    pipeline.py      the ordered list of stages a request goes through
    exchange.py      one request's journey: what the stages read and change
    redis_link.py    the proxy's own lean Redis client, shared by its stages
    app.py           the ASGI application
    errors.py        the JSON Error body, written in one place
    server.py        the gunicorn worker class that serves it (asyncio, uvloop)
    lifespan.py      the ASGI lifespan, driven from the server's side
    protocol.py      the HTTP/1.1 server protocol on httptools, hardened, one task per connection
    refusals.py      what the server refuses before the pipeline (limits, HTTP/1.0 rules)
    flow.py          flow control, server-wide state and status lines
    cycle.py         one request's ASGI receive and send on a client connection
"""
