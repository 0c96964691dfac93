"""The chat page as the server renders it: greeting, ideas to start with, templates, and only its own files."""

import html
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from monolith.web.views import GREETING, SUGGESTIONS

SCRIPTS = ("web/pictures.js", "web/messages.js", "web/order.js", "web/chat.js")


@pytest.fixture
def page(client, db) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_greets_and_offers_ideas_to_start_with(page):
    text = html.unescape(page)
    assert f'<li class="message bot">{GREETING}</li>' in text
    for suggestion in SUGGESTIONS:
        assert f'<button type="button" class="chip">{suggestion}</button>' in text


def test_the_page_sets_the_csrf_cookie_its_scripts_send(client, db):
    assert "csrftoken" in client.get("/").cookies


def test_the_page_carries_the_templates_its_scripts_fill(page):
    for template in ("product-card", "checkout-form", "order-outcome"):
        assert f'<template id="{template}">' in page


def test_the_scripts_load_in_order_and_exist(page):
    loaded = re.findall(r'<script src="/static/(web/[\w.-]+\.js)" defer>', page)
    assert tuple(loaded) == SCRIPTS
    assert all(finders.find(script) for script in SCRIPTS)


def test_the_page_fetches_nothing_from_other_hosts(page):
    """Pictures are drawn in the page; no font, image or script comes from the network elsewhere."""
    assert not re.search(r'(src|href)="(https?:)?//', page)
    for script in SCRIPTS:
        source = Path(finders.find(script)).read_text()
        assert re.findall(r"https?://[\w./-]+", source) in ([], ["http://www.w3.org/2000/svg"]), script


def test_the_login_page_still_renders_with_the_shared_layout(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'class="brand"' in response.content and b'class="auth"' in response.content
