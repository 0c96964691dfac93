"""Run every rule over a project and put the findings in the order they are read: by factor, file and line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from strangler_proxy.doctor.findings import Finding
from strangler_proxy.doctor.project import Project, load_project
from strangler_proxy.doctor.rule import Rule
from strangler_proxy.doctor.rules import RULES


def audit(path: Path, *, settings: str | None = None,
          rules: Sequence[Rule[Any]] = RULES) -> tuple[Project, list[Finding]]:
    """The project at `path` and what `rules` find in it; raises NotADjangoProject."""
    project = load_project(path, settings)
    findings = {finding for rule in rules for finding in rule.findings(project)}
    return project, sorted(findings, key=Finding.sort_key)
