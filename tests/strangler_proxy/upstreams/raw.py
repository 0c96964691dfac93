"""An upstream that speaks HTTP/1.1 byte by byte, for answers no WSGI server would send.

    python -m tests.strangler_proxy.upstreams.raw PORT

Logs one JSON line per request received (logger "raw", with the path, the connection number and the
request's number on that connection), then answers by path:

    /raw/hop         a response carrying hop-by-hop headers and a header named in Connection
    /raw/stale       answers a connection's first request; on any later one, closes without answering
                     (an upstream dropping a kept-alive connection just as a request arrives)
    /raw/garbage     bytes that are not HTTP, then close
    /raw/until-eof   a body with neither Content-Length nor chunking: it ends when the connection does
    /raw/late-body   the response head at once, its body a second later
    /raw/split       the response head, then its body 2 ms later, as a server writing them apart would
    /raw/refuse-body 413 with keep-alive without reading the request body, which stays in the socket and
                     is read as the next request, as a server refusing a body it never reads would
    /raw/html-error  502 with an HTML error page, as a server's own error pages are
    /healthz         200
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys

HOP = (b"HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop-Secret\r\nKeep-Alive: timeout=5\r\n"
       b"X-Hop-Secret: leaked\r\nProxy-Authenticate: Basic\r\nUpgrade: h2c\r\nTrailer: X-Checksum\r\n"
       b"X-Kept: yes\r\nContent-Length: 2\r\n\r\nok")
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
_connections = itertools.count(1)


def log(**fields: object) -> None:
    print(json.dumps({"level": "info", "service": "raw", "logger": "raw", "message": "received", **fields}),
          flush=True)


async def read_request(reader: asyncio.StreamReader) -> tuple[str, str] | None:
    """(method, path) of the next request, its body consumed; None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    length = int(next((v for k, v in headers.items() if k.strip().lower() == "content-length"), "0"))
    path = target.split("?", 1)[0]
    if length and path != "/raw/refuse-body":
        await reader.readexactly(length)
    return method, path


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    connection = next(_connections)
    for number in itertools.count(1):
        request = await read_request(reader)
        if request is None:
            break
        method, path = request
        log(method=method, path=path, connection=connection, request_on_connection=number)
        if not await answer(writer, path, number):
            break
    writer.close()


async def answer(writer: asyncio.StreamWriter, path: str, number: int) -> bool:
    """Write the answer for `path`; False when the connection is to be closed."""
    if path == "/raw/hop":
        writer.write(HOP)
    elif path == "/raw/stale":
        if number > 1:
            return False
        writer.write(OK % (5, b"first"))
    elif path == "/raw/garbage":
        writer.write(b"SURPRISE\r\n\r\n")
        return False
    elif path == "/raw/late-body":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(1)
        writer.write(b"late")
    elif path == "/raw/split":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.002)
        writer.write(b"split")
    elif path == "/raw/refuse-body":
        writer.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\ntoo much")
    elif path == "/raw/html-error":
        page = b"<html><body><h1>Bad Gateway</h1></body></html>"
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(page), page))
    elif path == "/raw/until-eof":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"y" * 100_000)
        await writer.drain()
        return False
    else:
        writer.write(OK % (2, b"ok"))
    await writer.drain()
    return True


async def main(port: int) -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    log(message="listening", port=port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
