"""The route table as typed, immutable data. Loading and validation live in loader.py / validator.py.

A table is an ordered list of routes, first full match wins, and the last route is the mandatory
catch-all to the monolith. Routes name upstreams; upstream URLs come from the environment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Mode(enum.Enum):
    """What a route's candidate receives."""

    NONE = "none"        # nothing: the candidate is declared only
    SHADOW = "shadow"    # a copy of each request; the client always gets the primary's answer
    CANARY = "canary"    # `percent` of callers, each always the same arm


class Writes(enum.Enum):
    """Whether a shadowed request that is not safe to replay goes to the candidate."""

    SKIP = "skip"          # never (the default)
    DRY_RUN = "dry-run"    # with a signed shadow marker: the candidate rolls it back and suppresses effects


@dataclass(frozen=True)
class Upstream:
    """A backend the proxy forwards to. `url` is resolved from the environment variable `url_env`."""

    name: str
    url: str
    url_env: str
    # Path the proxy polls for /_strangler/readyz.
    health_path: str = "/healthz"
    # Whether the service has opted in to shadowed writes (chassis's dry-run: rolled back, no effects).
    dry_run: bool = False
    # The cookies this upstream owns (the monolith's session and CSRF cookies): no other upstream receives
    # or sets them (forwarding/cookies.py).
    owns_cookies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A usage plan: a token bucket refilled at `rate` requests per second, holding at most `burst`."""

    name: str
    rate: float
    burst: int


@dataclass(frozen=True)
class Judgement:
    """How a route's canary or shadow is judged (routes.toml: judge = { ... }; these are the defaults)."""

    # The sequential test's level: the candidate's error rate is found higher at this risk of being wrong.
    alpha: float = 0.05
    # Requests each arm needs before any verdict but "not enough data" (a shadow: comparisons).
    min_requests: int = 100
    # The candidate's p99 may be at most this multiple of the primary's ...
    p99_ratio: float = 1.5
    # ... unless it is within this many seconds of it (small tails differ in ratio by nature).
    p99_slack: float = 0.025
    # The shadow's largest share of compared answers that may differ.
    max_diff_rate: float = 0.05


@dataclass(frozen=True)
class Route:
    id: str
    prefix: str
    # The primary: the upstream that answers the route's requests.
    upstream: str
    # The upstream the route is moving to, if any, and what it receives (strangler_proxy/control/).
    # Never the primary itself.
    candidate: str | None = None
    mode: Mode = Mode.NONE
    # The canary's share of callers, 0 to 100.
    percent: float = 0.0
    writes: Writes = Writes.SKIP
    # The primary before the last promote: where a rollback after a promote returns.
    fallback: str | None = None
    # A stepped canary's percents still to come, the least time between steps (seconds), and when the
    # route's state last changed (Unix time): the judge advances a step only on a passing verdict.
    steps: tuple[float, ...] = ()
    step_seconds: float = 0.0
    since: float = 0.0
    # Differences shadowing never reports on this route (paths as shadow/diff.py names them; a trailing
    # `*` covers a prefix), e.g. "body:$.generatedAt" or "header:cache-control".
    shadow_ignore: tuple[str, ...] = ()
    judge: Judgement = Judgement()
    # Empty means any method; otherwise upper-case method names.
    methods: frozenset[str] = frozenset()
    # Header name (lower-case) -> exact value the request must carry.
    headers: tuple[tuple[str, str], ...] = ()
    connect_timeout: float = 1.0
    # Seconds to wait for the upstream's response headers (and between body chunks).
    read_timeout: float = 30.0
    # Name of the Plan applied to anonymous callers on this route (None: the table's default).
    anonymous_plan: str | None = None
    # Whether a caller must be authenticated at the edge (401 otherwise).
    login_required: bool = False
    # Whether this route alone serves its prefix (its old home no longer does): a request for it with
    # another method is answered 405 at the edge instead of falling through to a later route.
    exclusive: bool = False


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]
    upstreams: dict[str, Upstream]
    plans: dict[str, Plan] = field(default_factory=dict)
    # Plan for anonymous traffic when a route names none (None: no limit).
    default_anonymous_plan: str | None = None
    # Plan for each signed-in user, per user (None: signed-in callers are not limited).
    default_user_plan: str | None = None
    # Upper bound on a request body, in bytes (413 beyond it).
    max_body_bytes: int = 1_048_576
    source: str = ""
    # How the edge learns the caller: "django" asks the monolith's identity endpoint (the kit's Django
    # app) and forwards a signed identity; "off" asks nothing: the monolith's cookies pass through and it
    # decides, and every caller is anonymous to the edge (limits per address, no login_required).
    identity: str = "django"
    # Where a browser is sent to log in when a login_required route finds it signed out (with ?next=).
    login_url: str = "/accounts/login/"

    @property
    def guarded_cookies(self) -> frozenset[str]:
        """Every cookie some upstream owns: the others neither receive nor set these."""
        return frozenset(name for upstream in self.upstreams.values() for name in upstream.owns_cookies)
