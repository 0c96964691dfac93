"""What a fault run measured, each timing beside the bound a reader holds it to; nothing here fails a test.

How fast a fault heals depends on the machine (its cores, what else runs on it), so the fault tests assert
only what must hold anywhere (every order ends, nobody is charged twice, nothing is lost) and record their
timings here. conftest.py hands each test a `RunFigures` and prints them all in pytest's terminal summary:

    figures.outcome = findings.summary()
    figures.seconds("last acceptance to every order finished", took, bound=45.0)
    figures.count("worker kills", kills)

gives, at the end of the run,

    test_a_worker_killed_every_two_seconds_loses_no_order_and_charges_nobody_twice
        40 accepted: 40 confirmed; 0 problem(s)
        last acceptance to every order finished              12.3 s    (bound 45 s)
        worker kills                                         11
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

NAME_WIDTH = 52
NEVER = "never"  # a timing whose event did not happen (math.inf)


@dataclass(frozen=True)
class Figure:
    """One thing measured; `bound_seconds`, for a timing, is the most a reader expects of it."""

    name: str
    value: float | int | str
    unit: str = ""
    bound_seconds: float | None = None

    @property
    def over_bound(self) -> bool:
        return self.bound_seconds is not None and isinstance(self.value, float) and self.value > self.bound_seconds

    def line(self) -> str:
        shown = _shown(self.value)
        if self.unit and shown != NEVER:
            shown += f" {self.unit}"
        text = f"{self.name:<{NAME_WIDTH}} {shown}"
        if self.bound_seconds is None:
            return text
        over = ", over it" if self.over_bound else ""
        return f"{text:<{NAME_WIDTH + 10}} (bound {self.bound_seconds:g} s{over})"


@dataclass
class RunFigures:
    """The figures of one fault test's run, in the order it took them, and the audit's summary."""

    test: str
    outcome: str = ""
    figures: list[Figure] = field(default_factory=list)

    def seconds(self, name: str, value: float, *, bound: float) -> None:
        """A timing in seconds (math.inf: the thing never happened), shown beside `bound`."""
        self.figures.append(Figure(name, float(value), "s", bound))

    def count(self, name: str, value: int | str) -> None:
        self.figures.append(Figure(name, value))

    def lines(self) -> list[str]:
        """The test's name, then its outcome and each figure indented under it."""
        body = ([self.outcome] if self.outcome else []) + [figure.line() for figure in self.figures]
        return [self.test, *(f"    {line}" for line in body)]


def _shown(value: float | int | str) -> str:
    if isinstance(value, float):
        return NEVER if math.isinf(value) else f"{value:.1f}"
    return str(value)
