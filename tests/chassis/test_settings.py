"""Every Django deployable's settings module, read as its process reads it: the kit's shared settings,
production-safe when ENVIRONMENT is unset."""

import json
import subprocess
import sys

import pytest

from tests.support.processes import ROOT, process_env

DEPLOYABLES = ["monolith.concierge.settings", "extracted.checkout.settings", "extracted.notifications.settings"]
SHARED = ["SERVICE_NAME", "ENVIRONMENT", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASES",
          "REDIS_URL", "HEALTH_CHECK_TIMEOUT", "DEFAULT_AUTO_FIELD", "USE_TZ", "TIME_ZONE", "LANGUAGE_CODE",
          "LOGGING_CONFIG", "LOGGING", "DATA_UPLOAD_MAX_MEMORY_SIZE", "CSRF_FAILURE_VIEW", "REST_FRAMEWORK",
          "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "SECURE_HSTS_SECONDS",
          "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
          "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS"]
READ = ("import importlib, json, sys; module = importlib.import_module(sys.argv[1]); "
        "print(json.dumps({name: getattr(module, name, '<unset>') for name in sys.argv[2:]}, default=repr))")


def _settings(module: str, **env: str) -> dict:
    environment = process_env(CATALOG_URL="http://127.0.0.1:1", **env)
    for name in ("ENVIRONMENT", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS", "DEBUG"):
        if name not in env:
            environment.pop(name, None)
    result = subprocess.run([sys.executable, "-c", READ, module, *SHARED], env=environment, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("module", DEPLOYABLES)
def test_with_environment_unset_a_deployable_is_production_safe(module):
    settings = _settings(module, ALLOWED_HOSTS="shop.example.com")
    assert "<unset>" not in settings.values(), [name for name, value in settings.items() if value == "<unset>"]
    assert settings["ENVIRONMENT"] == "production" and settings["DEBUG"] is False
    assert settings["SECURE_SSL_REDIRECT"] is True and settings["SECURE_HSTS_SECONDS"] == 31536000
    assert settings["SECURE_HSTS_PRELOAD"] is True and settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$", r"^readyz$"]
    assert settings["REST_FRAMEWORK"]["DEFAULT_PARSER_CLASSES"] == ["chassis.parsers.JSONParser"]
    assert settings["SERVICE_NAME"] == module.split(".")[-2].replace("concierge", "monolith")


@pytest.mark.parametrize("module", DEPLOYABLES)
def test_in_development_a_deployable_answers_locally_over_plain_http(module):
    settings = _settings(module, ENVIRONMENT="development")
    assert settings["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert settings["SECURE_SSL_REDIRECT"] is False and settings["SECURE_HSTS_SECONDS"] == 0
    assert settings["SESSION_COOKIE_SECURE"] is False and settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 64 * 1024
