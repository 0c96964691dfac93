"""The monolith's web process as gunicorn runs it: start-up checks, JSON logs, graceful stop."""

import subprocess
import sys

import requests

from tests.support.databases import throwaway_database_url
from tests.support.processes import ROOT, ManagedProcess, process_env
from tests.support.waiting import free_port

GUNICORN = ["gunicorn", "-c", "python:chassis.gunicorn_conf", "monolith.concierge.wsgi"]
SOUND_KEY = "kR3v9-Qz_2mN8pLx4tYb7wHc1jFd6sGa0eUo5iTr-VnXqZyKp3LmW"
SOUND_IDENTITY_KEY = "Vq7-Lm2xR9_tKc4Hs8Wd1Np6Zb3Yf5Gj0Ae"


def _web_env(**overrides: str) -> dict[str, str]:
    return process_env(PORT=str(free_port()), WEB_CONCURRENCY="1", SERVICE_NAME="monolith", **overrides)


def _boot_failure_output(env: dict[str, str]) -> str:
    process = ManagedProcess(GUNICORN, env)
    assert process.finish(timeout=60) != 0
    return "\n".join(process.output())


def test_a_missing_secret_key_stops_start_up_naming_it():
    env = _web_env()
    env.pop("SECRET_KEY")
    assert "SECRET_KEY is not set; see .env.example" in _boot_failure_output(env)


def test_a_malformed_boolean_stops_start_up_naming_it():
    assert "DEBUG='maybe' is not a boolean" in _boot_failure_output(_web_env(DEBUG="maybe"))


def test_production_with_the_example_key_stops_start_up_with_the_check_id():
    env = _web_env(ENVIRONMENT="production", ALLOWED_HOSTS="shop.example.com",
                   SECRET_KEY="insecure-local-only-change-me-for-anything-shared")
    assert "chassis.E002" in _boot_failure_output(env)


def test_production_with_the_example_identity_key_stops_start_up_naming_the_variable():
    env = _web_env(ENVIRONMENT="production", ALLOWED_HOSTS="shop.example.com", SECRET_KEY=SOUND_KEY,
                   IDENTITY_SIGNING_KEYS=f"{SOUND_IDENTITY_KEY},insecure-local-only-identity-key-change-me-0123456789")
    output = _boot_failure_output(env)
    assert "chassis.E004" in output and "IDENTITY_SIGNING_KEYS" in output


def test_check_deploy_is_clean_in_a_sound_production_configuration(tmp_path):
    with throwaway_database_url(tmp_path) as database_url:
        env = process_env(ENVIRONMENT="production", SECRET_KEY=SOUND_KEY, ALLOWED_HOSTS="shop.example.com",
                          DEBUG="false", DATABASE_URL=database_url, IDENTITY_SIGNING_KEYS=SOUND_IDENTITY_KEY)
        env.pop("SECURE_SSL_REDIRECT", None)
        env.pop("SECURE_HSTS_SECONDS", None)
        command = [sys.executable, "-m", "monolith.manage", "check", "--deploy", "--fail-level", "WARNING"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_web_process_logs_json_with_request_ids_and_stops_gracefully(tmp_path):
    with throwaway_database_url(tmp_path) as database_url:
        env = _web_env(DATABASE_URL=database_url)
        process = ManagedProcess(GUNICORN, env)
        base = f"http://127.0.0.1:{env['PORT']}"
        try:
            process.wait_for_http(f"{base}/healthz")
            response = requests.get(f"{base}/healthz", headers={"X-Request-ID": "probe-1234567890"}, timeout=5)
        finally:
            exit_code = process.stop(timeout=30)
    assert response.headers["X-Request-ID"] == "probe-1234567890"
    assert exit_code == 0
    lines = process.json_lines()  # raises if any line is not JSON
    access = [line for line in lines if line["logger"] == "gunicorn.access" and line["request_id"] == "probe-1234567890"]
    assert access and access[0]["status"] == 200 and access[0]["path"] == "/healthz"
    assert all(line["service"] == "monolith" for line in lines)
    assert any("Shutting down" in line["message"] or "Handling signal" in line["message"] for line in lines)
