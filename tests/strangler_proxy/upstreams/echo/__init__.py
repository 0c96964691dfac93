"""The echo upstream: a tiny Django project, served by gunicorn, that answers with what it received.

Every request it receives is logged as one JSON line (logger "echo", message "received") with the
method, the raw path and query, every header, and the body length, before it is answered; tests read
those lines to see what reached the upstream, or that nothing did.

    /redirect          302 to /landed
    /cookies           sets two cookies
    /stream?bytes=N    N bytes, streamed in 64 KiB pieces without a Content-Length (chunked)
    /sleep?seconds=S   answers after S seconds
    /close             closes the connection without answering
    /upload            also logs "head" (logger "echo.head") before reading the body
    /healthz           200
    anything else      200 with the JSON of what was received, with `served_at` (the time of answering)
                       and, when ECHO_FLAVOUR is set, `flavour` (a stand-in whose answers differ)
"""
