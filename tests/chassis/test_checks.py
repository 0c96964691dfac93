from django.core.checks import run_checks


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
             "SECRET_KEY": "kR3v9-Qz_2mN8pLx4tYb7wHc1jFd6sGa0eUo5iTr-VnXqZyKp3LmW"}
    assert _ids(sound, settings) == set()
