"""`strangler deploy ...`: the same build on compose, Heroku-style and ECS, derived from the Procfile."""

from __future__ import annotations

import click


@click.group()
def deploy() -> None:
    """Render (and apply) deployment files for every process of the Procfile."""
