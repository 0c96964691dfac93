"""The `strangler` command group and what every subcommand shares: the environment it reads."""

from __future__ import annotations

from pathlib import Path

import click
import environ


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--env-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Load variables from this file first; variables already set in the environment win.")
def strangler(env_file: Path | None) -> None:
    """Move a Django monolith to services one route at a time: the kit's command line."""
    if env_file is not None:
        environ.Env.read_env(env_file, overwrite=False)  # what is already exported wins


def register() -> None:
    """Add every subcommand (imported here so that `strangler --help` lists them all)."""
    from strangler_proxy.cli import control, data, deploy, doctor, export, inventory, keys, monolith, routes

    strangler.add_command(routes.check)
    strangler.add_command(export.export)
    strangler.add_command(keys.keys)
    strangler.add_command(doctor.doctor)
    strangler.add_command(monolith.init)
    strangler.add_command(monolith.proxy)
    strangler.add_command(inventory.inventory)
    strangler.add_command(deploy.deploy)
    strangler.add_command(data.data)
    for command in control.COMMANDS:
        strangler.add_command(command)


register()
