"""Whether a secret key is fit for production: the one rule behind every check that refuses a weak key.

Django's start-up checks (chassis.checks: SECRET_KEY, IDENTITY_SIGNING_KEYS) and the proxy's start-up
(strangler_proxy.identity.config) both ask `key_weakness`. It needs nothing but the standard library, so
the proxy, which has no Django settings, can import it.

A key is weak when it carries a marker of the kit's example values (.env.example, the tests' settings,
Django's generated development key), is shorter than the minimum for its use, or has too few distinct
characters to be random. The answers name a key by its position, never by its value: they end up in logs.
"""

from __future__ import annotations

from collections.abc import Sequence

# Every example key the kit ships carries one of these; a real random key carries none.
EXAMPLE_MARKERS = ("django-insecure", "insecure-local-only", "change-me", "changeme")
SECRET_KEY_MIN_LENGTH = 50
SIGNING_KEY_MIN_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def key_weakness(key: str, *, min_length: int) -> str | None:
    """Why `key` must not be used in production, or None when it may."""
    if any(marker in key.lower() for marker in EXAMPLE_MARKERS):
        return "is a known example value"
    if len(key) < min_length:
        return f"is shorter than {min_length} characters"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"
    return None


def weak_keys(keys: Sequence[str], *, min_length: int) -> list[str]:
    """One sentence per weak key of a list (`key 2 of 3 is shorter than ...`); empty when all are sound."""
    found = []
    for position, key in enumerate(keys, start=1):
        weakness = key_weakness(key, min_length=min_length)
        if weakness is not None:
            found.append(f"key {position} of {len(keys)} {weakness}")
    return found
