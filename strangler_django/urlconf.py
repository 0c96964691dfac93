"""Every URL pattern of a URLconf, joined through its includes: what `strangler inventory` compares
with the proxy's route table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class UrlPattern:
    """One endpoint: its full pattern as a path ("/v1/orders/<uuid:order_id>"), name and view."""

    pattern: str
    name: str | None
    view: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def url_patterns(urlconf: str | None = None) -> list[UrlPattern]:
    """The URLconf's patterns (the project's ROOT_URLCONF by default), in resolution order."""
    return list(_walk(get_resolver(urlconf).url_patterns, prefix="", namespace=""))


def _walk(entries: list[Any], *, prefix: str, namespace: str) -> Iterator[UrlPattern]:
    for entry in entries:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix=prefix + str(entry.pattern), namespace=inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield UrlPattern("/" + _plain(prefix + str(entry.pattern)), name, _dotted(entry.callback))


def _plain(pattern: str) -> str:
    # re_path patterns carry anchors; path() patterns carry none.
    return pattern.replace("^", "").replace("$", "").replace("\\Z", "")


def _dotted(callback: Any) -> str:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    module = getattr(view, "__module__", type(view).__module__)
    name = getattr(view, "__qualname__", type(view).__qualname__)
    return f"{module}.{name}"
