"""The assistant's one service: answer a batch of incoming messages within a conversation.

Each message is turned into replies by a handler chosen by its intent; handlers read and update the
`Conversation` (last search and results, delivery date, pending order), which is loaded from Redis once
per batch and saved once after it. The catalogue is reached only through `monolith.catalog.gateway`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from django.utils import timezone

from monolith.assistant import nlu, replies
from monolith.assistant.conversation import Conversation, PendingOrder, Search, conversation_get, conversation_save
from monolith.assistant.nlu import Intent, Understanding
from monolith.assistant.replies import Message
from monolith.catalog import gateway
from monolith.catalog.gateway import ProductInfo

RESULTS_SHOWN = 5
# How many popular search terms the assistant names.
POPULAR_SHOWN = 3

Handler = Callable[[Understanding, Conversation, date], list[Message]]


def conversation_reply(*, conversation_id: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replies to `messages`, answered in order and concatenated.

    `messages` must already be validated (the API's input serializer): each is an `unstructured` text or a
    `structured` `action` whose `productId` exists. Raises `ConversationStoreUnavailable` when Redis is down.
    """
    conversation = conversation_get(conversation_id=conversation_id)
    today = timezone.localdate()
    answers = [reply for message in messages for reply in _answer(message, conversation, today)]
    conversation_save(conversation_id=conversation_id, conversation=conversation)
    return answers


def _answer(message: dict[str, Any], conversation: Conversation, today: date) -> list[Message]:
    if message["type"] == "structured":  # the only structured message accepted is pressing Order
        return _order(message["structured"]["payload"]["productId"], conversation, today)
    understanding = nlu.understand(message["unstructured"]["text"], today=today)
    if understanding.delivery_date:
        conversation.delivery_date = understanding.delivery_date
    return _HANDLERS.get(understanding.intent, _small_talk)(understanding, conversation, today)


def _small_talk(understanding: Understanding, conversation: Conversation, today: date) -> list[Message]:
    return [replies.unstructured(replies.SMALL_TALK[understanding.intent])]


# ---------------------------------------------------------------- searching
def _find(search: Search) -> list[ProductInfo]:
    """Products for `search`; when its words match nothing, whatever its category has at that price."""
    found = gateway.search_products(words=list(search.words), category=search.category,
                                    max_price_cents=search.max_price_cents, limit=RESULTS_SHOWN)
    if found or not (search.words and search.category):
        return found
    return gateway.search_products(words=[], category=search.category, max_price_cents=search.max_price_cents,
                                   limit=RESULTS_SHOWN)


def _search(understanding: Understanding, conversation: Conversation, today: date) -> list[Message]:
    search = Search(understanding.words, understanding.category, understanding.max_price_cents)
    if not (search.words or search.category) and conversation.last_search:
        # A price or a date on its own ("under $20", "for friday") refines the last search.
        last = conversation.last_search
        price = search.max_price_cents if search.max_price_cents is not None else last.max_price_cents
        search = replace(last, max_price_cents=price)
    products = _find(search)
    if not products:
        return [replies.unstructured(replies.nothing_found(max_price_cents=search.max_price_cents))]
    return _show(search, products, conversation, today)


def _cheaper(understanding: Understanding, conversation: Conversation, today: date) -> list[Message]:
    cheapest = _cheapest(conversation.last_product_ids)
    if conversation.last_search is None or cheapest is None:
        return [replies.unstructured(replies.NEED_A_SEARCH)]
    search = replace(conversation.last_search, max_price_cents=cheapest.price_cents - 1)
    products = _find(search)
    if not products:
        return [replies.unstructured(replies.nothing_cheaper(cheapest=cheapest))]
    return _show(search, products, conversation, today, cheaper=True)


def _show(search: Search, products: list[ProductInfo], conversation: Conversation, today: date, *,
          cheaper: bool = False) -> list[Message]:
    """One line of introduction, then a card per product; remembers both for the follow-ups."""
    conversation.last_search = search
    conversation.last_product_ids = [product.id for product in products]
    when = conversation.delivery_date
    intro = replies.search_intro(products=products, category=search.category, cheaper=cheaper,
                                 max_price_cents=search.max_price_cents, delivery_date=when, today=today)
    return [replies.unstructured(intro), *(replies.product_card(product, when) for product in products)]


def _cheapest(product_ids: list[str]) -> ProductInfo | None:
    products = [product for product in map(gateway.get_product, product_ids) if product]
    return min(products, key=lambda product: product.price_cents, default=None)


# ---------------------------------------------------------------- ordering
def _pick(understanding: Understanding, conversation: Conversation, today: date) -> list[Message]:
    """ "The second one": pressing Order on that card of the last results."""
    shown, index = conversation.last_product_ids, understanding.pick or 0
    if not shown:
        return [replies.unstructured(replies.NEED_A_SEARCH)]
    if not -len(shown) <= index < len(shown):
        return [replies.unstructured(replies.pick_out_of_range(shown=len(shown)))]
    return _order(shown[index], conversation, today)


def _order(product_id: str, conversation: Conversation, today: date) -> list[Message]:
    """Remember the product as the pending order and ask for the delivery details."""
    product = gateway.get_product(product_id)
    if product is None:  # a result shown earlier may have left the catalogue since
        return [replies.unstructured(replies.NO_LONGER_AVAILABLE)]
    when = conversation.delivery_date
    conversation.pending_order = PendingOrder(product_id=product.id, delivery_date=when)
    return [replies.unstructured(replies.checkout_prompt(product, when, today)), replies.checkout_form(product, when)]


def _popular(understanding: Understanding, conversation: Conversation, today: date) -> list[Message]:
    """What others searched for lately, as the catalogue counted it."""
    terms = [term for term, _count in gateway.popular_searches(limit=POPULAR_SHOWN)]
    return [replies.unstructured(replies.popular(terms))]


_HANDLERS: dict[Intent, Handler] = {Intent.SEARCH: _search, Intent.CHEAPER: _cheaper, Intent.PICK: _pick,
                                    Intent.POPULAR: _popular}
