"""Fixtures of the assistant's API tests: the demo catalogue, a conversation of the test's own, a chat."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.test import Client

from monolith.assistant.conversation import conversation_key
from tests.monolith.assistant.chat import Say, post_nlu, text_message


@pytest.fixture
def catalog(db: None) -> None:
    """The demo catalogue, loaded as a release loads it."""
    call_command("load_demo_catalog", stdout=io.StringIO())


@pytest.fixture
def conversation_id(redis_client: redis.Redis) -> Iterator[str]:
    """A conversation id of this test's own; its Redis key is deleted afterwards."""
    value = uuid.uuid4().hex
    yield value
    redis_client.delete(conversation_key(value))


@pytest.fixture
def say(client: Client, conversation_id: str, catalog: None) -> Say:
    """Send texts in this test's conversation; returns the reply messages of a 200 response."""
    def send(*texts: str, client: Client = client) -> list[dict[str, Any]]:
        response = post_nlu(client, {"messages": [text_message(text) for text in texts]}, conversation_id)
        assert response.status_code == 200, response.content
        return response.json()["messages"]
    return send
