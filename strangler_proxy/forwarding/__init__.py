"""Forwarding: keep-alive connection pools per upstream and the streaming forwarder.

    errors.py      ForwarderError: every way forwarding fails, with its status and message (one place)
    headers.py     hop-by-hop removal both ways, X-Forwarded-*, the request head sent upstream
    framing.py     how the request body is delimited; ambiguous framing is refused
    connection.py  one HTTP/1.1 connection to an upstream (an asyncio Protocol + httptools)
    pool.py        the pool of those connections per upstream
    forwarder.py   sends one request upstream and streams the answer back
"""
