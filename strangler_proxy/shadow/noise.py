"""Which differences are the candidate's, and which are noise the primary makes against itself.

Diffy's method: a sampled share of shadowed reads also goes to the primary a second time. For every
field, the candidate's difference rate (its answers against the primary's) is set against the noise rate
(the primary's second answers against its first). A field is reported only when the candidate differs
more often than the noise by both thresholds: RELATIVE (20 % more) and ABSOLUTE (0.03 percentage
points), Diffy's defaults. Fields that differ often but no more than the noise are listed as noisy, with
both rates, so a person can confirm them as ignore rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

RELATIVE = 0.20
ABSOLUTE = 0.0003


@dataclass(frozen=True)
class FieldVerdict:
    path: str
    candidate_rate: float
    noise_rate: float
    reported: bool

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "candidate_rate": self.candidate_rate, "noise_rate": self.noise_rate,
                "reported": self.reported}


def verdicts(candidate_counts: Mapping[str, int], compared: int, noise_counts: Mapping[str, int],
             noise_samples: int, *, relative: float = RELATIVE, absolute: float = ABSOLUTE) -> list[FieldVerdict]:
    """One verdict per field that differed at all, most different first."""
    found = []
    for path in sorted(set(candidate_counts) | set(noise_counts)):
        candidate_rate = candidate_counts.get(path, 0) / compared if compared else 0.0
        noise_rate = noise_counts.get(path, 0) / noise_samples if noise_samples else 0.0
        excess = candidate_rate - noise_rate
        reported = excess > absolute and (noise_rate == 0 or excess / noise_rate > relative)
        found.append(FieldVerdict(path, candidate_rate, noise_rate, reported))
    return sorted(found, key=lambda verdict: (not verdict.reported, -verdict.candidate_rate, verdict.path))
