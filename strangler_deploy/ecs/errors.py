"""What can go wrong rendering or applying an ECS deployment (the hierarchy is drawn in __init__)."""

from __future__ import annotations


class EcsError(Exception):
    """Base class: the message is for the operator and names what to fix."""


class ConfigurationError(EcsError):
    """The inputs cannot make a correct deployment: every problem, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ApplyError(EcsError):
    """AWS refused a call or could not be reached."""


class ReleaseFailed(ApplyError):
    """The release task stopped with a non-zero exit code, or did not stop in time."""
