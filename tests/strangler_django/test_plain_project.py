"""The app in a plain Django project: no DRF, no kit settings; only INSTALLED_APPS and one include()."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "plain-project-test-key-" + "k" * 40

SETTINGS = f"""
SECRET_KEY = "plain-project-secret-key-" + "s" * 40
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "strangler_django"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}}
ROOT_URLCONF = "plain_urls"
ALLOWED_HOSTS = ["testserver"]
IDENTITY_SIGNING_KEYS = ["{KEY}"]
"""
URLS = """
from django.urls import include, path

urlpatterns = [path("", include("strangler_django.urls"))]
"""
SCRIPT = f"""
import json
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from chassis.identity import INTERNAL_META_KEY, sign_internal

call_command("migrate", verbosity=0)
ada = User.objects.create_user("ada", "ada@example.com", "x")
client = Client()
client.force_login(ada)
proof = {{INTERNAL_META_KEY: sign_internal(keys=["{KEY}"])}}
session = client.get("/internal/identity", **proof).json()
token = Client().get("/internal/identity", HTTP_AUTHORIZATION="Token " + "0" * 40, **proof).json()
print(json.dumps({{"session": session, "token": token}}))
"""


def _run(tmp_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "plain_settings.py").write_text(SETTINGS)
    (tmp_path / "plain_urls.py").write_text(URLS)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "plain_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    return subprocess.run([sys.executable, *command], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def test_sessions_are_answered_and_tokens_are_anonymous_without_drf(tmp_path):
    (tmp_path / "ask.py").write_text(SCRIPT)
    done = _run(tmp_path, "ask.py")
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers["session"] == {"user_id": "1", "username": "ada", "email": "ada@example.com"}
    assert answers["token"] == {"user_id": None}


def test_the_plain_project_passes_its_checks_and_lists_its_urls(tmp_path):
    assert _run(tmp_path, "-m", "django", "check").returncode == 0
    done = _run(tmp_path, "-m", "django", "strangler_urls")
    assert json.loads(done.stdout) == [{"pattern": "/internal/identity", "name": "internal-identity",
                                        "view": "strangler_django.views.identity_view"}]
