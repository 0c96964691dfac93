"""The proxy's start-up in production: it refuses to sign identities with a weak or example key."""

from __future__ import annotations

import pytest

from chassis.env import ConfigError
from strangler_proxy.identity.config import signing_keys
from tests.strangler_proxy.conftest import proxy_routes
from tests.strangler_proxy.upstreams.processes import start_failing_proxy, start_proxy

SOUND_KEY = "Vq7-Lm2xR9_tKc4Hs8Wd1Np6Zb3Yf5Gj0Ae"
ENV_EXAMPLE_KEY = "insecure-local-only-identity-key-change-me-0123456789"
NO_UPSTREAMS = {"ECHO_URL": "http://127.0.0.1:1", "RAW_URL": "http://127.0.0.1:2"}


def test_the_proxy_refuses_to_start_in_production_with_the_example_key_naming_the_variable(tmp_path):
    process = start_failing_proxy(tmp_path, proxy_routes(), ENVIRONMENT="production",
                                  IDENTITY_SIGNING_KEYS=f"{SOUND_KEY},{ENV_EXAMPLE_KEY}", **NO_UPSTREAMS)
    assert process.popen.returncode != 0
    refusals = [line["message"] for line in process.json_lines() if "IDENTITY_SIGNING_KEYS" in line["message"]]
    assert refusals and "key 2 of 2 is a known example value" in refusals[0]
    assert ENV_EXAMPLE_KEY not in "\n".join(process.output())


def test_the_proxy_starts_in_production_with_sound_keys(tmp_path):
    proxy = start_proxy(tmp_path, proxy_routes(), ENVIRONMENT="production",
                        IDENTITY_SIGNING_KEYS=f"{SOUND_KEY},{SOUND_KEY[::-1]}", **NO_UPSTREAMS)
    assert proxy.stop() == 0


@pytest.mark.parametrize("weak", [ENV_EXAMPLE_KEY, "insecure-local-only-identity-key", "ab" * 20])
def test_production_refuses_a_weak_or_example_signing_key(monkeypatch, weak):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("IDENTITY_SIGNING_KEYS", weak)
    with pytest.raises(ConfigError, match="IDENTITY_SIGNING_KEYS has a weak or example key in production"):
        signing_keys()


def test_development_accepts_the_example_key(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("IDENTITY_SIGNING_KEYS", ENV_EXAMPLE_KEY)
    assert signing_keys() == (ENV_EXAMPLE_KEY,)


def test_an_unset_environment_counts_as_production(monkeypatch):
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    monkeypatch.setenv("IDENTITY_SIGNING_KEYS", ENV_EXAMPLE_KEY)
    with pytest.raises(ConfigError, match="IDENTITY_SIGNING_KEYS"):
        signing_keys()


def test_an_unknown_environment_stops_start_up_naming_it(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "staging")
    monkeypatch.setenv("IDENTITY_SIGNING_KEYS", SOUND_KEY)
    with pytest.raises(ConfigError, match="ENVIRONMENT='staging'"):
        signing_keys()
