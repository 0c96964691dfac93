"""The app's start-up checks: it refuses to start without the proxy's keys or its Redis."""

from __future__ import annotations

from strangler_django.checks import check_proxy_settings


def test_the_kits_settings_pass():
    assert check_proxy_settings() == []


def test_no_signing_keys_is_an_error_with_its_hint(settings):
    settings.IDENTITY_SIGNING_KEYS = []
    [error] = check_proxy_settings()
    assert error.id == "strangler_django.E001" and "IDENTITY_SIGNING_KEYS" in error.hint


def test_no_redis_anywhere_is_an_error(settings, monkeypatch):
    del settings.REDIS_URL
    monkeypatch.delenv("REDIS_URL")
    assert [error.id for error in check_proxy_settings()] == ["strangler_django.E002"]
