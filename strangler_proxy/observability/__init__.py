"""Observability: what the proxy tells about itself.

    recorder.py     notes each finished request and hands them, in batches, to the two below
    access_log.py   one JSON line per request on stdout, in the chassis log format
    metrics.py      Prometheus counters and histograms per route and upstream (/_strangler/metrics)
    health.py       /_strangler/healthz (from memory) and /_strangler/readyz (upstreams and Redis)
"""
