"""What the doctor reports: a finding names its factor, where it is, what is wrong, why it matters and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Factor(StrEnum):
    """The twelve factors the doctor checks, in the order twelve-factor numbers them."""

    CONFIG = "III. Config"
    BACKING_SERVICES = "IV. Backing services"
    BUILD_RELEASE_RUN = "V. Build, release, run"
    PROCESSES = "VI. Processes"
    PORT_BINDING = "VII. Port binding"
    CONCURRENCY = "VIII. Concurrency"
    LOGS = "XI. Logs"

    @property
    def order(self) -> int:
        return list(Factor).index(self)


@dataclass(frozen=True)
class Spot:
    """Where a rule saw its problem in one file (no line: the file as a whole, or a file that is missing)."""

    line: int | None
    message: str


@dataclass(frozen=True)
class Finding:
    factor: Factor
    file: str
    line: int | None
    rule: str
    message: str
    why: str
    fix: str

    @property
    def where(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def sort_key(self) -> tuple[int, str, int, str]:
        return self.factor.order, self.file, self.line or 0, self.rule

    def as_dict(self) -> dict[str, object]:
        return {"factor": str(self.factor), "file": self.file, "line": self.line, "rule": self.rule,
                "message": self.message, "why": self.why, "fix": self.fix}
