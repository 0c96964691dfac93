"""Manage API keys in the Redis at REDIS_URL.

    python -m strangler_proxy.limits.keys add --plan basic     prints the new key (shown only this once)
    python -m strangler_proxy.limits.keys revoke KEY           or: revoke --digest DIGEST
    python -m strangler_proxy.limits.keys list                 digest and plan of every key

Plans are named in the route table (`RouteTable.plans`); a key whose plan the table does not offer is
refused with 403 at the edge.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import redis

from chassis.env import env_url
from strangler_proxy.limits.apikeys import api_key_add, api_key_list, api_key_revoke


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    client = redis.Redis.from_url(env_url("REDIS_URL", schemes=("redis", "rediss")), decode_responses=True)
    try:
        return arguments.command(client, arguments)
    except redis.RedisError as exc:
        print(f"error: Redis at REDIS_URL: {exc}", file=sys.stderr)
        return 1
    finally:
        client.close()


def _add(client: redis.Redis, arguments: argparse.Namespace) -> int:
    print(api_key_add(client, plan=arguments.plan))
    return 0


def _revoke(client: redis.Redis, arguments: argparse.Namespace) -> int:
    if (arguments.key is None) == (arguments.digest is None):
        print("error: give either KEY or --digest DIGEST", file=sys.stderr)
        return 2
    if not api_key_revoke(client, key=arguments.key, digest=arguments.digest):
        print("error: no such key", file=sys.stderr)
        return 1
    print("revoked")
    return 0


def _list(client: redis.Redis, arguments: argparse.Namespace) -> int:
    for record in api_key_list(client):
        print(f"{record.digest}  {record.plan}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m strangler_proxy.limits.keys", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True, metavar="{add,revoke,list}")
    add = commands.add_parser("add", help="make a key for a plan and print it once")
    add.add_argument("--plan", required=True, help="a plan named in the route table, e.g. basic")
    add.set_defaults(command=_add)
    revoke = commands.add_parser("revoke", help="delete a key, given itself or its digest")
    revoke.add_argument("key", nargs="?")
    revoke.add_argument("--digest", help="the key's digest, as `list` shows it")
    revoke.set_defaults(command=_revoke)
    commands.add_parser("list", help="digest and plan of every key").set_defaults(command=_list)
    return parser


if __name__ == "__main__":
    sys.exit(main())
