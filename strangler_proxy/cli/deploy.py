"""`strangler deploy ...`: the same build on compose, Heroku-style and ECS, derived from the Procfile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from strangler_deploy.compose import render_compose
from strangler_deploy.ecs.cli import ecs
from strangler_deploy.environment import Variable, read_documented, read_env_example
from strangler_deploy.files import Rendered, stale_files, write_files
from strangler_deploy.heroku import REQUIREMENTS, render_app_json
from strangler_deploy.procfile import Process, ProcfileError, read_procfile
from strangler_deploy.requirements import LockError, read_lock, render_requirements, runtime_dependencies
from strangler_proxy.cli.output import print_json, print_line

_ROOT = click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
                     show_default=True, help="The checkout holding the Procfile, .env.example and requirements.lock.")
_CHECK = click.option("--check", is_flag=True,
                      help="Write nothing; exit 1 naming each file that is missing or differs from what is rendered.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the files written (or stale) as JSON.")


@click.group()
def deploy() -> None:
    """Render (and apply) deployment files for every process of the Procfile."""


@deploy.group()
def compose() -> None:
    """docker/compose.yml: every process of the Procfile on the one image, with PostgreSQL and Redis."""


@deploy.group()
def heroku() -> None:
    """app.json and requirements.txt: one Heroku app with every process type."""


def render_command(render: Callable[[Path], Rendered], *, out_default: str, writes: str, doc: str) -> click.Command:
    """A `render` subcommand: ROOT's files in, `render(root)`'s files written to --out or checked."""

    @click.command("render", help=doc)
    @_ROOT
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                  help=f"The folder to write {writes} to (default: ROOT{'/' + out_default if out_default else ''}).")
    @_CHECK
    @_JSON
    def command(root: Path, out: Path | None, check: bool, as_json: bool) -> None:
        _render(lambda: render(root), out or root / out_default, check, as_json)

    return command


def _compose_files(root: Path) -> Rendered:
    return render_compose(*_inputs(root))


def _heroku_files(root: Path) -> Rendered:
    requirements = render_requirements(runtime_dependencies(root / "pyproject.toml"), read_lock(root / "requirements.lock"))
    documented = read_documented(root / ".env.example")
    return {**render_app_json(*_inputs(root), documented), REQUIREMENTS: requirements}


compose.add_command(render_command(
    _compose_files, out_default="docker", writes="compose.yml and postgres-init.sql",
    doc="Write docker/compose.yml (and the script creating each service's database) from the Procfile and "
        ".env.example."))
heroku.add_command(render_command(
    _heroku_files, out_default="", writes="app.json and requirements.txt",
    doc="Write app.json (formation, add-ons, config vars) from the Procfile and .env.example, and requirements.txt "
        "(what Heroku's Python buildpack and the image install) from requirements.lock."))


def _inputs(root: Path) -> tuple[list[Process], list[Variable]]:
    return read_procfile(root / "Procfile"), read_env_example(root / ".env.example")


def _render(render: Callable[[], Rendered], out: Path, check: bool, as_json: bool) -> None:
    """Render, then write the files or (with --check) compare them; every failure is a clear error."""
    try:
        files = render()
    except (OSError, ProcfileError, LockError) as error:
        raise click.ClickException(str(error)) from None
    paths = stale_files(out, files) if check else write_files(out, files)
    if as_json:
        print_json({"check" if check else "written": [str(path) for path in paths]})
    elif check:
        for path in paths:
            print_line(f"stale: {path} (run the same command without --check)")
    else:
        for path in paths:
            print_line(f"wrote {path}")
    if check and paths:
        raise SystemExit(1)


deploy.add_command(ecs)
