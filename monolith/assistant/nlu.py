"""What a shopper's message asks for: intent and slots, by rules over normalised text. Pure, no I/O.

`understand(text, today=...)` reads one message in three steps:

1. slots are cut out first (max price, then delivery date), so "under $30" never becomes search words;
2. small talk at the start ("hi", "thanks", "what can you do"), however many pieces, is cut off and
   remembered;
3. what is left decides, first rule wins: an ordinal ("the first one") picks a result; small talk with
   nothing to search for is small talk; "cheaper" with no products named is a follow-up; products, a
   category, a price or a date make a search; anything else falls back.

Rules are data (regexes, word sets): a new phrasing is usually one more word or alternative.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Intent(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    HELP = "help"
    SEARCH = "search"
    CHEAPER = "cheaper"
    PICK = "pick"
    POPULAR = "popular"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Understanding:
    """One message's intent and slots; a slot the message does not mention is empty or None."""

    intent: Intent
    words: tuple[str, ...] = ()
    category: str | None = None
    max_price_cents: int | None = None
    delivery_date: date | None = None
    pick: int | None = None  # index into the last results shown; -1 is "the last one"


# ---------------------------------------------------------------- vocabulary
CATEGORIES = ("chocolates", "flowers", "wine", "gifts", "tours", "hotels", "experiences")

_CATEGORY_WORDS: dict[str, str] = {
    word: category
    for category, words in {
        "chocolates": "chocolate chocolates truffle truffles praline pralines sweets candy",
        "flowers": "flower flowers rose roses tulip tulips lily lilies sunflower sunflowers bouquet bouquets",
        "wine": "wine wines champagne prosecco bordeaux bubbly",
        "gifts": "gift gifts present presents candle candles teddy hamper basket",
        "tours": "tour tours sightseeing cruise museum museums",
        "hotels": "hotel hotels room rooms hostel accommodation",
        "experiences": "experience experiences spa massage balloon",
    }.items()
    for word in words.split()
}
# "A gift box of chocolates" is chocolates: these words name the gifts category only when nothing else does.
_WEAK_CATEGORY_WORDS = frozenset({"gift", "gifts", "present", "presents"})

_STOP_WORDS = frozenset({
    "a", "an", "the", "i", "i'd", "i'm", "i'll", "i've", "id", "im", "me", "my", "we", "our", "you", "your", "it",
    "its", "this", "that", "these", "those", "some", "any",
    "like", "love", "want", "wanted", "need", "needs", "get", "got", "buy", "order", "purchase", "send", "deliver",
    "delivered", "delivery", "show", "find",
    "give", "have", "has", "would", "could", "can", "will", "may", "might", "should", "do", "does", "please", "thanks",
    "concierge",
    "of", "for", "to", "from", "with", "in", "on", "at", "by", "about", "and", "or", "but", "so", "just", "also", "too",
    "really", "very", "much", "more", "lot",
    "something", "anything", "looking", "look", "see", "box", "bunch", "bottle", "set", "kind", "sort", "few", "couple",
    "one", "ones", "option", "options",
    "item", "items", "stuff", "thing", "things", "nice", "lovely", "good", "great", "best", "beautiful", "special",
    "cheap", "cheaper", "cheapest", "price", "priced", "expensive", "less", "lower", "affordable", "next",
    "what", "how", "there", "are", "is", "am", "be",
})

_PRICE = re.compile(
    r"\b(?:under|below|less than|cheaper than|lower than|up to|no more than|at most|max(?:imum)?)\s*"
    r"[$€£]?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*(?:[$€£]|(?:dollars?|euros?|pounds?|bucks|usd|eur|gbp)\b)?"
)

# Above this a "max price" limits nothing, and would only overflow the database's integers.
_NO_LIMIT_CENTS = 1_000_000_000

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = "|".join(f"{month[:3]}(?:{month[3:]})?" for month in _MONTHS)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_LEAD = r"(?:(?:oh|ok|okay|great|perfect|awesome|cool|well)\s+)?"
_SMALL_TALK: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(rf"{_LEAD}(?:{pattern})\b"))
    for intent, pattern in (
        (Intent.HELP, r"help|what can you do|what do you (?:do|sell|offer)|what can i (?:ask|buy|order)"
                      r"|how does (?:this|it) work"),
        (Intent.THANKS, r"thanks|thank you|thx|cheers|much appreciated"),
        (Intent.GOODBYE, r"bye|goodbye|good bye|see you|see ya|farewell|that's all|that is all"),
        (Intent.GREETING, r"(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening))(?: there)?"
                          r"|how are you"),
    )
)

_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
             "fifth": 4, "5th": 4, "last": -1}
_PICK = re.compile(
    r"(?:(?:i'll|i will|i'd like to|i want to|let me|can i|could i)\s+)?"
    r"(?:(?:order|buy|take|have|get|choose|pick)\s+)?(?:the\s+)?"
    rf"({'|'.join(_ORDINALS)})(?:\s+(?:one|option|item|product))?(?:\s+(?:for|on|by|please))*"
)
_CHEAPER = re.compile(r"\b(?:cheaper|less expensive|lower price[sd]?|more affordable)\b")
# "What's popular?", "what are people searching for", "trending", "best sellers": what others look for.
_POPULAR = re.compile(r"\b(?:popular|trending|best ?sellers?|(?:people|others|everyone|everybody)\s+"
                      r"(?:(?:are|is)\s+)?(?:search(?:ing)?|looking|buy(?:ing)?)|top searches|what(?:'s|s| is)\s+hot)\b")
# Words a question about what is popular may have beyond the stop-words; with any other, it is a search.
_POPULAR_WORDS = frozenset({"popular", "trending", "bestseller", "bestsellers", "sellers", "seller", "people",
                            "others", "everyone", "everybody", "searching", "search", "searches", "buying",
                            "right", "now", "today", "lately", "most", "top", "hot", "here", "what's", "whats"})


# ---------------------------------------------------------------- dates
def _weekday_after(today: date, weekday: int) -> date:
    """The first `weekday` after today: said on a Friday, "friday" means a week later."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_day(match: re.Match[str], today: date) -> date | None:
    """A day without a year: this year's, or next year's once this year's has passed."""
    month, day = [name[:3] for name in _MONTHS].index(match["month"][:3]) + 1, int(match["day"])
    found = _calendar_date(today.year, month, day)
    return found if found is None or found >= today else _calendar_date(today.year + 1, month, day)


def _iso_date(match: re.Match[str], today: date) -> date | None:
    return _calendar_date(int(match[1]), int(match[2]), int(match[3]))


Resolve = Callable[[re.Match[str], date], "date | None"]
_DATE_RULES: tuple[tuple[re.Pattern[str], Resolve], ...] = (
    (re.compile(r"\b(?:the )?day after tomorrow\b"), lambda m, today: today + timedelta(days=2)),
    (re.compile(r"\btomorrow\b"), lambda m, today: today + timedelta(days=1)),
    (re.compile(r"\b(?:today|tonight)\b"), lambda m, today: today),
    (re.compile(r"\bin (\d{1,2}) days?\b"), lambda m, today: today + timedelta(days=int(m[1]))),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso_date),
    (re.compile(rf"\b(?P<month>{_MONTH})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"), _month_day),
    (re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month>{_MONTH})\b"), _month_day),
    (re.compile(rf"\b(?:this |next )?({'|'.join(_WEEKDAYS)})\b"),
     lambda m, today: _weekday_after(today, _WEEKDAYS.index(m[1]))),
)


# ---------------------------------------------------------------- slots
def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[:match.start()]} {text[match.end():]}"


def cut_price(text: str) -> tuple[int | None, str]:
    """The max price in cents ("under $30", "below €50") and the text without it; currency is ignored,
    and an absurdly high price is no limit."""
    match = _PRICE.search(text)
    if match is None:
        return None, text
    cents = int(match[1].replace(",", "")) * 100 + int((match[2] or "0").ljust(2, "0"))
    return (cents if cents <= _NO_LIMIT_CENTS else None), _cut(text, match)


def cut_date(text: str, *, today: date) -> tuple[date | None, str]:
    """The delivery date and the text without it; a date that is invalid or already past counts as none."""
    for pattern, resolve in _DATE_RULES:
        match = pattern.search(text)
        if match:
            found = resolve(match, today)
            return (found if found is not None and found >= today else None), _cut(text, match)
    return None, text


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def search_words(text: str) -> tuple[str, ...]:
    """The words worth searching for: no stop-words, numbers or one- and two-letter scraps."""
    kept = [word for word in _tokens(text) if word not in _STOP_WORDS and len(word) > 2 and not word.isdigit()]
    return tuple(dict.fromkeys(kept))


def category_of(text: str) -> str | None:
    """The category the first category word names, preferring specific words to "gift"/"present"."""
    words = [word for word in _tokens(text) if word in _CATEGORY_WORDS]
    strong = [word for word in words if word not in _WEAK_CATEGORY_WORDS]
    chosen = (strong or words or [None])[0]
    return _CATEGORY_WORDS[chosen] if chosen else None


def _cut_small_talk(text: str) -> tuple[Intent | None, str]:
    """All the small talk at the start ("hi there, good morning"): the last piece's intent, so "hi, what
    can you do" asks for help, and the text after it."""
    found: Intent | None = None
    while text:
        match = next(((intent, m) for intent, pattern in _SMALL_TALK if (m := pattern.match(text))), None)
        if match is None:
            break
        found, text = match[0], text[match[1].end():].strip()
    return found, text


# ---------------------------------------------------------------- intent
def understand(text: str, *, today: date) -> Understanding:
    """Intent and slots of one message; `today` anchors relative dates ("tomorrow", "on friday")."""
    max_price_cents, text = cut_price(normalise(text))
    delivery_date, text = cut_date(text, today=today)
    small_talk, rest = _cut_small_talk(" ".join(_tokens(text)))
    slots = Understanding(Intent.SEARCH, words=search_words(rest), category=category_of(rest),
                          max_price_cents=max_price_cents, delivery_date=delivery_date)
    return _classify(rest, small_talk, slots)


def _classify(rest: str, small_talk: Intent | None, slots: Understanding) -> Understanding:
    pick = _PICK.fullmatch(rest)
    asks_for_products = bool(slots.words or slots.category or slots.max_price_cents is not None)
    if pick:
        return Understanding(Intent.PICK, delivery_date=slots.delivery_date, pick=_ORDINALS[pick[1]])
    if small_talk and not asks_for_products:
        return Understanding(small_talk)
    if _POPULAR.search(rest) and set(slots.words) <= _POPULAR_WORDS and slots.max_price_cents is None:
        return Understanding(Intent.POPULAR, delivery_date=slots.delivery_date)
    if _CHEAPER.search(rest) and not (slots.words or slots.category):
        return Understanding(Intent.CHEAPER, delivery_date=slots.delivery_date)
    if asks_for_products or slots.delivery_date:
        return slots
    return Understanding(Intent.FALLBACK)
