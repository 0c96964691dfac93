"""`strangler doctor PATH`: audit a Django project against the twelve factors without running any of it."""

from __future__ import annotations

import sys
from itertools import groupby
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from strangler_proxy.cli.output import print_json, print_line
from strangler_proxy.doctor import RULES, Finding, NotADjangoProject, audit
from strangler_proxy.doctor.project import Project

# output.print_table keeps every cell on one line; why and fix are sentences, so this table wraps them.
_console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--settings", metavar="MODULE",
              help="The settings module, dotted from PATH (default: what manage.py names, else settings.py or a "
                   "settings/ package).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON list.")
def doctor(path: Path, settings: str | None, as_json: bool) -> None:
    """Audit the Django project at PATH (default: here) against the twelve factors, reading its files only.

    Prints each finding with its factor, file:line, why it matters and the fix. Exit status 0 with no
    findings, 1 with findings, 2 when PATH is not a Django project.
    """
    try:
        project, findings = audit(path, settings=settings)
    except NotADjangoProject as error:
        click.echo(f"strangler doctor: {error}", err=True)
        raise SystemExit(2) from None
    for rel in project.unreadable:
        click.echo(f"strangler doctor: not audited, not Python this interpreter parses: {rel}", err=True)
    if as_json:
        print_json([finding.as_dict() for finding in findings])
    else:
        print_findings(project, findings)
    raise SystemExit(1 if findings else 0)


def print_findings(project: Project, findings: list[Finding]) -> None:
    settings = ", ".join(file.rel for file in project.settings)
    print_line(f"{project.root}: {len(project.files)} Python files, settings {settings}; {len(RULES)} rules")
    for factor, group in groupby(findings, key=lambda finding: finding.factor):
        table = Table(title=str(factor), title_justify="left", box=None, pad_edge=False, show_edge=False,
                      show_lines=True)
        table.add_column("WHERE", no_wrap=True)
        for column, ratio in (("WHAT", 2), ("WHY", 3), ("FIX", 3)):
            table.add_column(column, ratio=ratio, overflow="fold")
        for finding in group:
            table.add_row(finding.where, finding.message, finding.why, finding.fix)
        _console.print(table)
    count = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}" if findings else "no findings"
    print_line(count)
