"""Judging a canary (or a shadow) from what the proxy sees, and rolling it back when it fails.

    stats.py     the sequential test on error counts (mSPRT: valid at every look) and the p99 from buckets
    verdict.py   pass / fail / not enough data, with every figure that led to it
    tally.py     each process's per-route, per-arm counts, added up in Redis for the whole fleet
    runner.py    one process at a time (a Redis lease) judges every few seconds and acts on the verdict
"""
