"""Logging in to a running service's Django admin as a person would, for the services' admin tests."""

from __future__ import annotations

import re
import subprocess
import sys

import requests

from tests.support.processes import ROOT

PASSWORD = "Ledger-Clerk-1987!"
CREATE_USERS = ("from django.contrib.auth.models import User; "
                "User.objects.create_user('staff-{tag}', password='{password}', is_staff=True, is_superuser=True); "
                "User.objects.create_user('customer-{tag}', password='{password}')")


def create_users(manage_module: str, env: dict[str, str], tag: str) -> None:
    """`staff-<tag>` (staff) and `customer-<tag>` (not staff), through the service's own manage.py."""
    code = CREATE_USERS.format(tag=tag, password=PASSWORD)
    result = subprocess.run([sys.executable, "-m", manage_module, "shell", "-c", code], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def logged_in(admin_url: str, username: str, *, csrf_cookie: str) -> requests.Session:
    """A session that posted the admin's log-in form (whether or not the admin let it in)."""
    session = requests.Session()
    form = session.get(f"{admin_url}login/", timeout=10)
    assert form.status_code == 200, form.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    session.post(f"{admin_url}login/", timeout=10, allow_redirects=False,
                 data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD,
                       "next": admin_url}, headers={"Referer": f"{admin_url}login/"})
    assert session.cookies.get(csrf_cookie), "the admin should set its own CSRF cookie"
    return session
