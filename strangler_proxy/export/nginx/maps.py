"""The http-context variables the server block reads: the request id, header flags, canary sides and the
decisions of locations that choose by method or header."""

from __future__ import annotations

import math
import re

from chassis import request_id
from strangler_proxy.export.nginx.names import Names
from strangler_proxy.export.nginx.text import Writer, quoted
from strangler_proxy.export.regions import Step
from strangler_proxy.table import RouteTable

__all__ = ["write_maps"]


def write_maps(out: Writer, table: RouteTable, names: Names) -> None:
    _request_id(out)
    _header_flags(out, names)
    _canary_sides(out, table, names)
    _decisions(out, names)


def _request_id(out: Writer) -> None:
    out.comment("The client's X-Request-ID when well formed (chassis.request_id), else a fresh one.")
    with out.block("map $http_x_request_id $strangler_request_id"):
        # The one definition of a well-formed id; chassis.request_id.accept applies the same.
        out.line(f"{quoted('~' + request_id._WELL_FORMED.pattern)} $http_x_request_id;")
        out.line("default $request_id;")
    out.line()


def _header_flags(out: Writer, names: Names) -> None:
    if not names.header_pairs:
        return
    out.comment("Route header filters: 1 when the request carries the exact value (map strings ignore case,")
    out.comment("so each is a regular expression).")
    for pair in names.header_pairs:
        name, value = pair
        with out.block(f"map $http_{name.replace('-', '_')} ${names.header_flag(pair)}"):
            out.line(f"{quoted('~^' + re.escape(value) + '$')} 1;")
            out.line("default 0;")
    out.line()


def _canary_sides(out: Writer, table: RouteTable, names: Names) -> None:
    if not names.arms:
        return
    out.comment("Canary sides: the caller is the strangler_caller cookie, else the client address. The")
    out.comment("candidate takes the first share of the hash, so raising the percent only adds callers.")
    with out.block("map $cookie_strangler_caller $strangler_caller"):
        out.line('"" $remote_addr;')
        out.line("default $cookie_strangler_caller;")
    for route in table.routes:
        if route.id not in names.arms:
            continue
        with out.block(f"split_clients {quoted('${strangler_caller}/' + route.id)} ${names.arms[route.id]}"):
            out.line(f"{share(route.percent)} {route.candidate};  # route {route.id!r}")
            if route.percent < 100:
                out.line(f"* {route.upstream};")
    out.line()


def share(percent: float) -> str:
    """`percent` as split_clients takes it (two decimals at most)."""
    # The proxy's points lie on a 0.01 grid (control/arms.py): a share rounded up to it is the same callers.
    hundredths = math.ceil(round(percent * 100, 6))
    return f"{hundredths / 100:g}%"


def _decisions(out: Writer, names: Names) -> None:
    if not names.dynamic:
        return
    out.comment("Where a location has to choose by method or header: the first line that matches wins,")
    out.comment("in the table's order (key: METHOD:one 0/1 flag per header filter).")
    for region in names.dynamic:
        out.comment(", ".join(location.directive() for location in region.locations))
        with out.block(f"map {quoted(names.decision_key())} {names.decision(region)}"):
            for step in region.steps[:-1]:
                out.line(f"{quoted(names.step_pattern(step))} {names.target(step)};  # {_describe(step)}")
            last = region.steps[-1]
            out.line(f"default {names.target(last)};  # {_describe(last)}")
    out.line()


def _describe(step: Step) -> str:
    if step.refuse:
        return f"route {step.route.id!r} is exclusive: 405"
    return f"route {step.route.id!r}"
