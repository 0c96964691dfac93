"""The API key command line, run as an operator would: add prints a key once, list and revoke."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from strangler_proxy.limits.apikeys import api_key_digest


def keys(*arguments: str, redis_url: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "REDIS_URL": redis_url or os.environ["REDIS_URL"]}
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "keys", *arguments], env=environment,
                          capture_output=True, text=True, timeout=60)


def test_add_prints_a_new_key_whose_digest_maps_to_the_plan(redis_client):
    added = keys("add", "--plan", "basic")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("sk_") and len(key) > 40
    assert redis_client.get(f"strangler:apikey:{api_key_digest(key)}") == "basic"
    assert key not in "".join(redis_client.keys("strangler:apikey:*"))


def test_list_shows_digests_and_plans_never_keys():
    basic = keys("add", "--plan", "basic").stdout.strip()
    premium = keys("add", "--plan", "premium").stdout.strip()
    listed = keys("list")
    assert listed.returncode == 0
    assert rows(listed.stdout) == [[api_key_digest(basic), "basic"], [api_key_digest(premium), "premium"]]
    assert basic not in listed.stdout and premium not in listed.stdout
    as_json = json.loads(keys("list", "--json").stdout)
    assert as_json == [{"digest": api_key_digest(basic), "plan": "basic"},
                       {"digest": api_key_digest(premium), "plan": "premium"}]


def rows(printed: str) -> list[list[str]]:
    """The table's rows under its DIGEST/PLAN heading, each split into cells."""
    lines = printed.splitlines()
    heading = next(number for number, line in enumerate(lines) if line.split() == ["DIGEST", "PLAN"])
    return [line.split() for line in lines[heading + 1:]]


def test_revoke_by_key_removes_it(redis_client):
    key = keys("add", "--plan", "basic").stdout.strip()
    revoked = keys("revoke", key)
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "revoked")
    assert redis_client.get(f"strangler:apikey:{api_key_digest(key)}") is None
    assert rows(keys("list").stdout) == []


def test_revoke_by_digest_removes_it(redis_client):
    key = keys("add", "--plan", "premium").stdout.strip()
    assert keys("revoke", "--digest", api_key_digest(key)).returncode == 0
    assert redis_client.get(f"strangler:apikey:{api_key_digest(key)}") is None


def test_revoking_an_unknown_key_fails_and_says_so():
    revoked = keys("revoke", "sk_never_issued")
    assert revoked.returncode == 1
    assert "no such key" in revoked.stderr


def test_add_needs_a_plan():
    assert keys("add").returncode == 2


def test_an_unreachable_redis_is_reported_not_a_traceback():
    failed = keys("list", redis_url="redis://127.0.0.1:1/0")
    assert failed.returncode == 1
    assert failed.stderr.startswith("Error: Redis at REDIS_URL") and "Traceback" not in failed.stderr
