"""The canonical form of a request path, so the proxy and the upstream route the same request alike.

The proxy matches routes on this form and sends this form upstream. A path that could be read two ways
(an encoded slash, a backslash, a `;` parameter, a dot segment above the root) is refused instead.

    BadPath(ValueError)    the raw path is ambiguous or malformed; the caller answers 400
"""

from __future__ import annotations

import re
import string

__all__ = ["BadPath", "normalise_path"]


class BadPath(ValueError):
    """The raw path is ambiguous or malformed; `reason` says why, for the 400 answer and the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Anything the fast path cannot pass through untouched: a byte outside printable ASCII, '%', ';', '\',
# an empty segment ('//'), or a '.' / '..' segment.
_NEEDS_WORK = re.compile(rb"[^!-~]|[%;\\]|//|/\.\.?(?:/|\Z)")
_FORBIDDEN = re.compile(rb"[^!-~]|[;\\]")
_HEX = frozenset(string.hexdigits)
# RFC 3986 §2.3: escapes of these are equivalent to the characters themselves (§6.2.2.2), and Django
# decodes them, so `/%61dmin` must route as `/admin` does. Route prefixes use only these and '/'.
UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def normalise_path(raw_path: bytes) -> str:
    """Return the canonical form of `raw_path` (the request target's path, query excluded).

    Rules, in order:
      1. The path starts with '/'.
      2. Refused: control characters and space, raw non-ASCII bytes (clients percent-encode them),
         a backslash, and ';' (a path parameter some servers strip and others keep).
      3. Every '%' is followed by two hex digits. Refused: encoded '/' and '\\' (%2F, %5C), which
         would split or join segments differently after decoding, and encoded control characters.
         Escapes of unreserved characters (letters, digits, '-', '.', '_', '~') are decoded, so %2e
         is '.' before dot segments are removed; every other escape is kept as it is.
      4. Runs of '/' collapse to one; '.' and '..' segments are removed (RFC 3986 §5.2.4), and a '..'
         that would climb above the root is refused.

    Raises BadPath naming the broken rule.
    """
    if raw_path[:1] == b"/" and _NEEDS_WORK.search(raw_path) is None:
        return raw_path.decode("ascii")  # the common case: already canonical
    if raw_path[:1] != b"/":
        raise BadPath("the path must start with '/'")
    _refuse_forbidden_bytes(raw_path)
    return _remove_dot_segments(_decode_unreserved(raw_path.decode("ascii")))


def _refuse_forbidden_bytes(raw_path: bytes) -> None:
    found = _FORBIDDEN.search(raw_path)
    if found is None:
        return
    byte = found.group()[0]
    if byte > 0x7F:
        raise BadPath("raw non-ASCII byte in the path; percent-encode it")
    if byte == 0x5C:
        raise BadPath("backslash in the path")
    if byte == 0x3B:
        raise BadPath("';' (a path parameter) in the path")
    raise BadPath("control character or space in the path")


def _decode_unreserved(path: str) -> str:
    """Check every escape; decode those of unreserved characters, keep the rest as written."""
    if "%" not in path:
        return path
    head, *escaped = path.split("%")
    parts = [head]
    for chunk in escaped:
        parts.append(_escape(chunk[:2]))
        parts.append(chunk[2:])
    return "".join(parts)


def _escape(digits: str) -> str:
    if len(digits) != 2 or not _HEX.issuperset(digits):
        raise BadPath("'%' not followed by two hex digits")
    char = chr(int(digits, 16))
    if char in "/\\":
        raise BadPath("encoded slash or backslash (%2F, %5C) in the path")
    if char < " " or char == "\x7f":
        raise BadPath("encoded control character in the path")
    return char if char in UNRESERVED else "%" + digits


def _remove_dot_segments(path: str) -> str:
    segments: list[str] = []
    parts = path.split("/")[1:]
    for part in parts:
        if part == "..":
            if not segments:
                raise BadPath("'..' climbs above the root")
            segments.pop()
        elif part not in ("", "."):
            segments.append(part)
    # '/a/b/', '/a/b/.' and '/a/b/c/..' all name a directory: keep the trailing slash.
    trailing = "/" if segments and parts[-1] in ("", ".", "..") else ""
    return "/" + "/".join(segments) + trailing
