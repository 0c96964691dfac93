"""`strangler keys`: API keys in the Redis at REDIS_URL, each tied to a plan of the route table.

A key is printed once, when it is made; Redis keeps only its digest. A key whose plan the table does not
offer is refused with 403 at the edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
import redis

from chassis.env import env_url
from strangler_proxy.cli.output import print_json, print_table
from strangler_proxy.limits.apikeys import api_key_add, api_key_list, api_key_revoke


@contextmanager
def _redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(env_url("REDIS_URL", schemes=("redis", "rediss")), decode_responses=True)
    try:
        yield client
    except redis.RedisError as error:
        raise click.ClickException(f"Redis at REDIS_URL: {error}") from None
    finally:
        client.close()


@click.group()
def keys() -> None:
    """Make, list and revoke API keys."""


@keys.command()
@click.option("--plan", required=True, help="A plan named in the route table, e.g. basic.")
def add(plan: str) -> None:
    """Make a key for PLAN and print it (shown only this once)."""
    with _redis() as client:
        click.echo(api_key_add(client, plan=plan))


@keys.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the keys' digests and plans as JSON.")
def list_keys(as_json: bool) -> None:
    """The digest and plan of every key (never the keys themselves)."""
    with _redis() as client:
        records = api_key_list(client)
    if as_json:
        print_json([{"digest": record.digest, "plan": record.plan} for record in records])
    else:
        print_table("API keys", ("digest", "plan"), [(record.digest, record.plan) for record in records])


@keys.command()
@click.argument("key", required=False)
@click.option("--digest", help="The key's digest, as `strangler keys list` shows it.")
def revoke(key: str | None, digest: str | None) -> None:
    """Delete a key, given itself or its digest."""
    if (key is None) == (digest is None):
        raise click.UsageError("give either KEY or --digest DIGEST")
    with _redis() as client:
        if not api_key_revoke(client, key=key, digest=digest):
            raise click.ClickException("no such key")
    click.echo("revoked")
