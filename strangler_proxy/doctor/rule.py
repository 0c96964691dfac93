"""A rule is data: its id, its factor, why it matters and the fix, the files it reads and a check over one file.

    Rule(id="debug-literal", factor=Factor.CONFIG, why=..., fix=...,
         sources=settings_files, check=debug_literal)

`check(file, project)` yields a `Spot` (line, message) for each problem in that file; the project is there
for what a check needs beyond the file (the other settings of the deployable, `.env.example`, an index).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from strangler_proxy.doctor.findings import Factor, Finding, Spot
from strangler_proxy.doctor.project import Project
from strangler_proxy.doctor.sources import EnvExample, Procfile, PythonFile


class Source(Protocol):
    @property
    def rel(self) -> str: ...


S = TypeVar("S", bound=Source)


@dataclass(frozen=True)
class Rule(Generic[S]):
    id: str
    factor: Factor
    why: str
    fix: str
    sources: Callable[[Project], Iterable[S]]
    check: Callable[[S, Project], Iterable[Spot]]

    def findings(self, project: Project) -> Iterator[Finding]:
        for source in self.sources(project):
            for spot in self.check(source, project):
                yield Finding(factor=self.factor, file=source.rel, line=spot.line, rule=self.id,
                              message=spot.message, why=self.why, fix=self.fix)


def settings_files(project: Project) -> tuple[PythonFile, ...]:
    return project.settings


def code_files(project: Project) -> tuple[PythonFile, ...]:
    return project.files


def procfile(project: Project) -> tuple[Procfile]:
    return (project.procfile,)


def env_example(project: Project) -> tuple[EnvExample]:
    return (project.env_example,)
