"""The notifications service's admin on its web process: staff see the events taken on and what was
sent for each; a user who is not staff is sent back to the log-in page."""

from __future__ import annotations

import uuid

import pytest

from tests.extracted.admin_login import create_users, logged_in
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port

CHANGELISTS = ["notifications/processedevent/", "notifications/delivery/"]
GUNICORN = ["gunicorn", "-c", "python:chassis.gunicorn_conf", "extracted.notifications.wsgi"]


@pytest.fixture(scope="module")
def admin(notifications_database):
    """The web process on the service's database, with a staff user and a customer of its own."""
    tag, port = uuid.uuid4().hex[:8], free_port()
    env = process_env(DATABASE_URL=notifications_database, SERVICE_NAME="notifications", PORT=str(port),
                      WEB_CONCURRENCY="1")
    create_users("extracted.notifications.manage", env, tag)
    web = ManagedProcess(GUNICORN, env)
    try:
        web.wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        yield f"http://127.0.0.1:{port}/admin/notifications/", tag
    finally:
        web.stop()


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_staff_user_sees_each_changelist(admin, changelist):
    url, tag = admin
    session = logged_in(url, f"staff-{tag}", csrf_cookie="notifications_csrftoken")
    assert session.get(url + changelist, timeout=10, allow_redirects=False).status_code == 200


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_a_user_who_is_not_staff_is_refused(admin, changelist):
    url, tag = admin
    session = logged_in(url, f"customer-{tag}", csrf_cookie="notifications_csrftoken")
    response = session.get(url + changelist, timeout=10, allow_redirects=False)
    assert response.status_code == 302 and "/admin/notifications/login/" in response.headers["Location"]
