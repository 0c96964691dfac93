import secrets

import pytest
from django.core.checks import run_checks

from chassis.keys import key_weakness

SOUND_IDENTITY_KEY = "Vq7-Lm2xR9_tKc4Hs8Wd1Np6Zb3Yf5Gj0Ae"
EXAMPLE_IDENTITY_KEYS = ["insecure-local-only-identity-key-change-me-0123456789",  # .env.example
                         "insecure-local-only-identity-key"]  # tests/settings.py


def _ids(settings_overrides, settings) -> set[str]:
    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    return {message.id for message in run_checks() if message.id.startswith("chassis.")}


def test_development_allows_a_weak_key_and_debug(settings):
    assert _ids({"ENVIRONMENT": "development", "DEBUG": True, "SECRET_KEY": "short"}, settings) == set()


def test_production_refuses_debug(settings):
    assert "chassis.E001" in _ids({"ENVIRONMENT": "production", "DEBUG": True}, settings)


def test_production_refuses_the_example_secret_key(settings):
    example = "insecure-local-only-change-me-for-anything-shared"
    assert "chassis.E002" in _ids({"ENVIRONMENT": "production", "SECRET_KEY": example}, settings)


def test_production_refuses_a_key_of_one_repeated_character(settings):
    assert "chassis.E002" in _ids({"ENVIRONMENT": "production", "SECRET_KEY": "a" * 64}, settings)


def test_production_refuses_empty_allowed_hosts(settings):
    assert "chassis.E003" in _ids({"ENVIRONMENT": "production", "ALLOWED_HOSTS": []}, settings)


def test_a_sound_production_configuration_passes(settings):
    sound = {"ENVIRONMENT": "production", "DEBUG": False, "ALLOWED_HOSTS": ["shop.example.com"],
             "SECRET_KEY": "kR3v9-Qz_2mN8pLx4tYb7wHc1jFd6sGa0eUo5iTr-VnXqZyKp3LmW",
             "IDENTITY_SIGNING_KEYS": [SOUND_IDENTITY_KEY, SOUND_IDENTITY_KEY[::-1]]}
    assert _ids(sound, settings) == set()


@pytest.mark.parametrize("example", EXAMPLE_IDENTITY_KEYS)
def test_production_refuses_an_example_identity_signing_key(settings, example):
    assert "chassis.E004" in _ids({"ENVIRONMENT": "production", "IDENTITY_SIGNING_KEYS": [example]}, settings)


@pytest.mark.parametrize("weak", ["Vq7-Lm2xR9_tKc4Hs8Wd1", "ab" * 20, "x" * 64])
def test_production_refuses_a_short_or_low_variety_identity_signing_key(settings, weak):
    assert "chassis.E004" in _ids({"ENVIRONMENT": "production", "IDENTITY_SIGNING_KEYS": [weak]}, settings)


def test_production_refuses_an_example_key_anywhere_in_the_identity_key_list(settings):
    keys = [SOUND_IDENTITY_KEY, EXAMPLE_IDENTITY_KEYS[0]]
    assert "chassis.E004" in _ids({"ENVIRONMENT": "production", "IDENTITY_SIGNING_KEYS": keys}, settings)


def test_the_identity_key_error_names_the_weak_key_by_position_not_by_value(settings):
    settings.ENVIRONMENT, settings.IDENTITY_SIGNING_KEYS = "production", [SOUND_IDENTITY_KEY, EXAMPLE_IDENTITY_KEYS[1]]
    error = next(message for message in run_checks() if message.id == "chassis.E004")
    assert "key 2 of 2 is a known example value" in error.msg and EXAMPLE_IDENTITY_KEYS[1] not in error.msg
    assert "IDENTITY_SIGNING_KEYS" in error.hint


def test_development_allows_the_example_identity_signing_key(settings):
    assert _ids({"ENVIRONMENT": "development", "IDENTITY_SIGNING_KEYS": EXAMPLE_IDENTITY_KEYS}, settings) == set()


def test_a_freshly_generated_key_is_not_weak():
    assert key_weakness(secrets.token_urlsafe(48), min_length=32) is None
