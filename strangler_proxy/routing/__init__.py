"""Where a request goes: its path made canonical, then the first route that fully matches it.

    normalise.py   normalise_path: the one canonical form of a request path, or BadPath (400)
    match.py       RouteMatcher: the route table compiled once; first full match wins
"""

from strangler_proxy.routing.match import Match, RouteMatcher, RouteRule
from strangler_proxy.routing.normalise import BadPath, normalise_path

__all__ = ["BadPath", "Match", "RouteMatcher", "RouteRule", "normalise_path"]
