"""`POST /v1/nlu` through Django's test client, with the demo catalogue and the real Redis."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from monolith.assistant import conversation
from monolith.assistant.conversation import conversation_key
from tests.monolith.assistant.chat import Say, order_action, post_nlu, structured_of, text_message, texts_of

CHOCOLATES = {"chocolate-truffles", "dark-chocolate-assortment", "milk-chocolate-hearts", "praline-selection"}


def stored(redis_client: redis.Redis, conversation_id: str) -> dict[str, Any]:
    return json.loads(redis_client.get(conversation_key(conversation_id)))


# ---------------------------------------------------------------- small talk
def test_greeting_is_answered_with_a_greeting(say: Say) -> None:
    replies = say("Hi there")
    assert len(replies) == 1
    assert texts_of(replies)[0].startswith("Hello!")


def test_unrecognised_text_gets_a_polite_suggestion(say: Say) -> None:
    [text] = texts_of(say("ok"))
    assert "Try" in text and "what can you do" in text


def test_reply_messages_have_uuid_hex_ids_and_utc_timestamps(say: Say) -> None:
    replies = say("hello", "a box of chocolates")
    bodies = [message[message["type"]] for message in replies]
    assert all(re.fullmatch(r"[0-9a-f]{32}", body["id"]) for body in bodies)
    assert len({body["id"] for body in bodies}) == len(bodies)
    assert all(datetime.fromisoformat(body["timestamp"]).utcoffset() == timedelta(0) for body in bodies)


# ---------------------------------------------------------------- search
def test_box_of_chocolates_returns_order_cards_of_chocolates(say: Say) -> None:
    replies = say("I'd like to buy a box of chocolates")
    cards = structured_of(replies, "product")
    assert replies[0]["type"] == "unstructured" and texts_of(replies)[0].startswith("Here are 4 chocolates")
    assert {card["payload"]["productId"] for card in cards} == CHOCOLATES
    for card in cards:
        payload = card["payload"]
        assert card["text"] == payload["name"]
        assert payload["price"].startswith("$") and payload["imageUrl"].endswith(".svg")
        assert (payload["buttonLabel"], payload["clickAction"]) == ("Order", "checkout")
        assert payload["deliveryDate"] is None


def test_roses_for_tomorrow_carry_tomorrow_as_delivery_date(say: Say) -> None:
    replies = say("roses for tomorrow")
    tomorrow = timezone.localdate() + timedelta(days=1)
    [card] = structured_of(replies, "product")
    assert card["payload"]["productId"] == "red-roses-dozen"
    assert card["payload"]["deliveryDate"] == tomorrow.isoformat()
    assert "I can deliver tomorrow" in texts_of(replies)[0]


def test_chocolates_under_twenty_dollars_cost_at_most_2000_cents(say: Say) -> None:
    replies = say("chocolates under $20")
    cards = structured_of(replies, "product")
    assert cards and all(card["payload"]["priceCents"] <= 2000 for card in cards)
    assert "under $20" in texts_of(replies)[0]


def test_unknown_words_fall_back_to_the_category(say: Say) -> None:
    cards = structured_of(say("some chartreuse flowers"), "product")
    assert len(cards) == 4


def test_nothing_found_names_the_categories(say: Say) -> None:
    replies = say("a unicorn")
    assert structured_of(replies, "product") == []
    assert "chocolates, flowers, wine" in texts_of(replies)[0]


def test_several_messages_are_answered_in_order(say: Say) -> None:
    replies = say("hello", "wine under $17", "thanks")
    assert [message["type"] for message in replies] == ["unstructured", "unstructured", "structured", "unstructured"]
    assert structured_of(replies, "product")[0]["payload"]["productId"] == "pinot-grigio"


# ---------------------------------------------------------------- state in redis
def test_search_results_are_kept_in_redis(say: Say, conversation_id: str, redis_client: redis.Redis) -> None:
    say("chocolates under $30")
    state = stored(redis_client, conversation_id)
    assert state["last_product_ids"] == ["milk-chocolate-hearts", "chocolate-truffles", "dark-chocolate-assortment"]
    assert 0 < redis_client.ttl(conversation_key(conversation_id)) <= 3600


def test_something_cheaper_in_a_new_client_continues_the_conversation(say: Say) -> None:
    """The follow-up reaches a client (as if another process) that shares only the conversation id."""
    say("a bottle of wine under $40")  # pinot grigio, prosecco, bordeaux: the cheapest is $16.50
    replies = say("something cheaper", client=Client())
    assert structured_of(replies, "product") == [] and "$16.50 is already the lowest" in texts_of(replies)[0]


def test_something_cheaper_shows_the_category_below_the_cheapest_shown(say: Say) -> None:
    say("pralines")  # only the praline selection, at $39
    replies = say("something cheaper", client=Client())
    cards = [card["payload"]["productId"] for card in structured_of(replies, "product")]
    assert cards == ["milk-chocolate-hearts", "chocolate-truffles", "dark-chocolate-assortment"]
    assert texts_of(replies)[0] == "Here are 3 chocolates cheaper than $39:"


def test_cheaper_without_a_search_asks_for_one(say: Say) -> None:
    assert texts_of(say("something cheaper"))[0].startswith("Tell me what you are looking for")


# ---------------------------------------------------------------- ordering
def test_pressing_order_stores_the_pending_order_and_asks_for_delivery(
        client: Client, say: Say, conversation_id: str, redis_client: redis.Redis) -> None:
    say("roses for tomorrow")
    response = post_nlu(client, {"messages": [order_action("red-roses-dozen")]}, conversation_id)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    [form] = structured_of(response.json()["messages"], "checkout_form")
    assert form["payload"] == {"productId": "red-roses-dozen", "name": "A dozen red roses", "price": "$49.00",
                               "deliveryDate": tomorrow}
    assert "Where should I deliver it?" in texts_of(response.json()["messages"])[0]
    assert stored(redis_client, conversation_id)["pending_order"] == {"product_id": "red-roses-dozen",
                                                                      "delivery_date": tomorrow}


def test_the_second_one_orders_the_second_result(say: Say, conversation_id: str, redis_client: redis.Redis) -> None:
    say("I'd like chocolates")
    [form] = structured_of(say("order the second one", client=Client()), "checkout_form")
    assert (form["payload"]["productId"], form["payload"]["deliveryDate"]) == ("chocolate-truffles", None)
    assert stored(redis_client, conversation_id)["pending_order"]["product_id"] == "chocolate-truffles"


def test_picking_beyond_the_results_says_how_many_there_were(say: Say) -> None:
    say("roses")
    assert texts_of(say("the third one"))[0].startswith("I showed you 1 option;")


# ---------------------------------------------------------------- conversation ids
def test_anonymous_shopper_without_header_gets_a_session_conversation(
        client: Client, catalog: None, redis_client: redis.Redis) -> None:
    response = post_nlu(client, {"messages": [text_message("wine")]})
    key = conversation_key(f"session:{client.session.session_key}")
    try:
        assert response.status_code == 200 and redis_client.exists(key)
    finally:
        redis_client.delete(key)


def test_logged_in_user_conversation_is_keyed_by_user(
        client: Client, catalog: None, redis_client: redis.Redis) -> None:
    user_model = get_user_model()
    user = user_model.objects.create(**{user_model.USERNAME_FIELD: f"{uuid.uuid4().hex}@example.com"})
    client.force_login(user)
    key = conversation_key(f"user:{user.pk}")
    try:
        assert post_nlu(client, {"messages": [text_message("wine")]}).status_code == 200
        assert redis_client.exists(key)
    finally:
        redis_client.delete(key)


def test_redis_down_gives_503_in_the_error_shape(say: Say, monkeypatch: pytest.MonkeyPatch, client: Client,
                                                 conversation_id: str) -> None:
    monkeypatch.setattr(conversation, "_client", redis.Redis.from_url("redis://127.0.0.1:1/0"))
    response = post_nlu(client, {"messages": [text_message("hi")]}, conversation_id)
    assert response.status_code == 503 and response.json()["code"] == 503


# ---------------------------------------------------------------- bad input
def _text(text: Any) -> dict[str, Any]:
    return {"type": "unstructured", "unstructured": {"text": text}}


BAD_BODIES: dict[str, Any] = {
    "malformed json": '{"messages": [',
    "body not an object": "[1, 2]",
    "messages missing": {},
    "messages not a list": {"messages": "hi"},
    "messages empty": {"messages": []},
    "more than 20 messages": {"messages": [_text("hi")] * 21},
    "message not an object": {"messages": ["hi"]},
    "message without type": {"messages": [{"unstructured": {"text": "hi"}}]},
    "unknown message type": {"messages": [{"type": "x", "x": {}}]},
    "unstructured body missing": {"messages": [{"type": "unstructured"}]},
    "text missing": {"messages": [{"type": "unstructured", "unstructured": {}}]},
    "text not a string": {"messages": [_text(123)]},
    "text too long": {"messages": [_text("a" * 1001)]},
    "unknown structured type": {"messages": [{"type": "structured", "structured": {"type": "poke", "payload": {}}}]},
    "unknown click action": {"messages": [{"type": "structured", "structured": {
        "type": "action", "payload": {"clickAction": "dance", "productId": "prosecco"}}}]},
    "unknown product id": {"messages": [order_action("no-such-product")]},
    "good message then bad one": {"messages": [_text("chocolates"), {"type": "x"}]},
}


def new_conversation_keys(redis_client: redis.Redis, keys_before: set[str]) -> set[str]:
    """Keys written since keys_before was taken. Other tests' conversations expire meanwhile (they carry
    a TTL), so a key gone is no sign of a write; only a key that was not there before is."""
    return set(redis_client.scan_iter("concierge:conversation:*")) - keys_before


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_gives_400_in_the_error_shape_and_writes_nothing(
        client: Client, catalog: None, conversation_id: str, redis_client: redis.Redis, body: Any) -> None:
    keys_before = set(redis_client.scan_iter("concierge:conversation:*"))
    response = post_nlu(client, body, conversation_id)
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == 400 and isinstance(error["message"], str) and error["message"]
    assert not redis_client.exists(conversation_key(conversation_id))
    assert new_conversation_keys(redis_client, keys_before) == set()


def test_unknown_message_type_is_named_in_the_error(client: Client, catalog: None, conversation_id: str) -> None:
    response = post_nlu(client, {"messages": [{"type": "x"}]}, conversation_id)
    assert "unknown message type 'x'; expected unstructured or structured" in response.json()["message"]


@pytest.mark.parametrize("header", ["short", "a" * 65, "has space in it", "user:12345678", ""])
def test_bad_conversation_header_gives_400_and_writes_nothing(
        client: Client, catalog: None, redis_client: redis.Redis, header: str) -> None:
    keys_before = set(redis_client.scan_iter("concierge:conversation:*"))
    response = post_nlu(client, {"messages": [text_message("hi")]}, header)
    assert response.status_code == 400 and response.json()["code"] == 400
    assert new_conversation_keys(redis_client, keys_before) == set()


def test_what_is_popular_names_the_most_searched_terms_in_both_modes(catalog_mode, client, conversation_id,
                                                                     redis_client):
    """Someone else searched for a made-up word many times, then the shopper asks what is popular."""
    word, other = f"zq{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    for _ in range(40):
        post_nlu(client, {"messages": [text_message(f"{word} please")]}, other)
    redis_client.delete(conversation_key(other))
    response = post_nlu(client, {"messages": [text_message("What's popular?")]}, conversation_id)
    reply = response.json()["messages"][0]["unstructured"]["text"]
    assert response.status_code == 200
    assert reply.startswith("Lately people have been searching for") and word in reply


def test_a_search_in_the_chat_finds_the_same_products_in_both_modes(catalog_mode, client, conversation_id):
    response = post_nlu(client, {"messages": [text_message("a box of chocolates under $25")]}, conversation_id)
    cards = [m["structured"]["payload"] for m in response.json()["messages"] if m["type"] == "structured"]
    assert cards and {card["productId"] for card in cards} <= {"chocolate-truffles", "milk-chocolate-hearts",
                                                               "praline-selection", "dark-chocolate-assortment"}
    assert all(card["priceCents"] <= 2500 for card in cards)
