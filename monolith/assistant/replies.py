"""The messages the Concierge sends, in the contract's `Message` shape (concierge-swagger.json).

Every message gets a fresh uuid4 hex id and an ISO-8601 UTC timestamp. All wording lives here, so a
change of tone touches one file. Structured types sent: `product` (a card with an Order button) and
`checkout_form` (asks for the delivery details of the product being ordered).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from monolith.assistant.nlu import CATEGORIES, Intent
from monolith.catalog.gateway import ProductInfo

Message = dict[str, Any]

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
_PLURALS = {"wine": "wines"}  # category names that read wrongly after a number
_CATEGORY_LIST = f"{', '.join(CATEGORIES[:-1])} and {CATEGORIES[-1]}"
_EXAMPLES = '"a box of chocolates", "wine under $30" or "roses for tomorrow"'

SMALL_TALK: dict[Intent, str] = {
    Intent.GREETING: f"Hello! What can I find for you today? Try {_EXAMPLES}.",
    Intent.THANKS: "You're welcome! Is there anything else I can find for you?",
    Intent.GOODBYE: "Goodbye, and thank you for visiting. Come back any time!",
    Intent.HELP: (f"I can find and order {_CATEGORY_LIST}. Try {_EXAMPLES}. After a search, say "
                  '"something cheaper", or "order the first one" to pick a result.'),
    Intent.FALLBACK: f"Sorry, I didn't catch that. Try {_EXAMPLES}, or ask \"what can you do?\"",
}
NEED_A_SEARCH = f"Tell me what you are looking for first, for example {_EXAMPLES}."
NO_LONGER_AVAILABLE = "Sorry, that product is no longer available. Shall I search again?"


# ---------------------------------------------------------------- envelopes
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unstructured(text: str) -> Message:
    return {"type": "unstructured", "unstructured": {"id": uuid.uuid4().hex, "text": text, "timestamp": _now()}}


def structured(kind: str, text: str, payload: dict[str, Any]) -> Message:
    body = {"id": uuid.uuid4().hex, "type": kind, "text": text, "payload": payload, "timestamp": _now()}
    return {"type": "structured", "structured": body}


def product_card(product: ProductInfo, delivery_date: date | None) -> Message:
    """A product with an Order button; pressing it sends back an `action` with `clickAction: checkout`."""
    return structured("product", product.name, {
        "productId": product.id, "name": product.name, "description": product.description,
        "category": product.category, "price": product.price_display, "priceCents": product.price_cents,
        "currency": product.currency, "imageUrl": product.image_url, "buttonLabel": "Order",
        "clickAction": "checkout",
        "deliveryDate": delivery_date.isoformat() if delivery_date else None,
    })


def checkout_form(product: ProductInfo, delivery_date: date | None) -> Message:
    return structured("checkout_form", f"Delivery details for {product.name}", {
        "productId": product.id, "name": product.name, "price": product.price_display,
        "deliveryDate": delivery_date.isoformat() if delivery_date else None,
    })


# ---------------------------------------------------------------- texts
def money(cents: int, currency: str) -> str:
    """A price without cents when they are zero: "$30", "$24.50", "30 chf"."""
    amount = f"{cents // 100:,}.{cents % 100:02d}".removesuffix(".00")
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def _day(when: date, today: date) -> str:
    label = f"{when:%a} {when.day} {when:%b}"
    relative = {0: "today", 1: "tomorrow"}.get((when - today).days)
    return f"{relative} ({label})" if relative else f"on {label}"


def _things(count: int, category: str | None) -> str:
    if count == 1:
        return f"a match in {category}" if category else "an idea"
    noun = _PLURALS.get(category, category) if category else "ideas"
    return f"{count} {noun}"


def search_intro(*, products: list[ProductInfo], category: str | None, max_price_cents: int | None,
                 delivery_date: date | None, today: date, cheaper: bool = False) -> str:
    """ "Here are 3 chocolates under $30 I can deliver tomorrow (Tue 24 Nov):"; with `cheaper`, the price
    is read as "below the last cheapest" and said as "cheaper than $24". Prices are in the products' currency,
    since the shopper's "$" or "€" only says how much."""
    price, currency = "", products[0].currency
    if max_price_cents is not None:
        price = (f" cheaper than {money(max_price_cents + 1, currency)}" if cheaper
                 else f" under {money(max_price_cents, currency)}")
    when = f" I can deliver {_day(delivery_date, today)}" if delivery_date else ""
    return f"Here {'is' if len(products) == 1 else 'are'} {_things(len(products), category)}{price}{when}:"


def nothing_found(*, max_price_cents: int | None) -> str:
    price = " at that price" if max_price_cents is not None else ""
    return (f"Sorry, I couldn't find anything like that{price}. I can help with {_CATEGORY_LIST}; "
            f"try {_EXAMPLES}.")


def nothing_cheaper(*, cheapest: ProductInfo) -> str:
    return f"{cheapest.price_display} is already the lowest price I have for that. Shall I look for something else?"


def popular(terms: list[str]) -> str:
    """ "Lately people have been searching for chocolate, roses and prosecco. ..." """
    if not terms:
        return f"Nobody has searched for anything lately: you could be the first! Try {_EXAMPLES}."
    listed = terms[0] if len(terms) == 1 else f"{', '.join(terms[:-1])} and {terms[-1]}"
    return f"Lately people have been searching for {listed}. Shall I show you some? Just name one."


def pick_out_of_range(*, shown: int) -> str:
    return f"I showed you {shown} option{'s' if shown != 1 else ''}; say \"the first one\" up to \"the last one\"."


def checkout_prompt(product: ProductInfo, delivery_date: date | None, today: date) -> str:
    ask = "Where should I deliver it, and on which date?"
    if delivery_date:
        ask = f"Where should I deliver it? I have it down for delivery {_day(delivery_date, today)}."
    return f"Great choice: {product.name} ({product.price_display}). {ask}"
