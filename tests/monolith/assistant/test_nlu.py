"""Intent and slot parsing, as sentences; every test passes a fixed `today` instead of freezing time."""

from __future__ import annotations

from datetime import date

import pytest

from monolith.assistant.nlu import Intent, understand

TODAY = date(2026, 11, 24)  # a Tuesday


def parse(text: str):
    return understand(text, today=TODAY)


# ---------------------------------------------------------------- small talk
@pytest.mark.parametrize("text", ["hi", "Hello!", "hey there", "Good morning", "hi concierge"])
def test_greetings_are_greetings(text: str) -> None:
    assert parse(text).intent == Intent.GREETING


@pytest.mark.parametrize(("text", "intent"), [
    ("thanks", Intent.THANKS), ("Thank you so much!", Intent.THANKS), ("ok thanks", Intent.THANKS),
    ("bye", Intent.GOODBYE), ("Goodbye!", Intent.GOODBYE), ("see you", Intent.GOODBYE),
    ("help", Intent.HELP), ("What can you do?", Intent.HELP), ("what do you sell", Intent.HELP),
])
def test_thanks_goodbye_and_help_are_recognised(text: str, intent: Intent) -> None:
    assert parse(text).intent == intent


def test_greeting_followed_by_a_request_is_a_search() -> None:
    found = parse("Hello, I'd like some roses")
    assert (found.intent, found.words, found.category) == (Intent.SEARCH, ("roses",), "flowers")


@pytest.mark.parametrize("text", ["ok", "???", "", "I want", "please"])
def test_text_without_anything_to_search_falls_back(text: str) -> None:
    assert parse(text).intent == Intent.FALLBACK


# ---------------------------------------------------------------- search words and category
def test_box_of_chocolates_searches_chocolates_without_stop_words() -> None:
    found = parse("I'd like to buy a box of chocolates")
    assert (found.intent, found.words, found.category) == (Intent.SEARCH, ("chocolates",), "chocolates")


@pytest.mark.parametrize(("text", "category"), [
    ("roses", "flowers"), ("a tulip bouquet", "flowers"), ("a hotel room", "hotels"), ("a room for two", "hotels"),
    ("a bottle of champagne", "wine"), ("a city tour", "tours"), ("a spa day", "experiences"),
    ("a teddy bear", "gifts"), ("a present for my mum", "gifts"),
])
def test_category_synonyms_map_to_the_category(text: str, category: str) -> None:
    assert parse(text).category == category


def test_a_specific_category_word_beats_gift() -> None:
    assert parse("a gift box of chocolates").category == "chocolates"


def test_words_without_a_category_are_still_a_search() -> None:
    found = parse("a scented candle")
    assert (found.intent, found.words) == (Intent.SEARCH, ("scented", "candle"))


# ---------------------------------------------------------------- max price
@pytest.mark.parametrize("text", [
    "chocolates under $30", "chocolates for less than 30 dollars", "chocolates below €30",
    "chocolates cheaper than 30", "chocolates under 30$", "chocolates up to $30.00",
])
def test_under_thirty_dollars_sets_max_price(text: str) -> None:
    found = parse(text)
    assert (found.max_price_cents, found.words) == (3000, ("chocolates",))


def test_price_with_cents_and_thousands_is_exact() -> None:
    assert parse("a hotel under $1,024.5").max_price_cents == 102450


def test_a_price_alone_is_a_search() -> None:
    found = parse("anything under $20?")
    assert (found.intent, found.words, found.max_price_cents) == (Intent.SEARCH, (), 2000)


# ---------------------------------------------------------------- delivery date
@pytest.mark.parametrize(("text", "expected"), [
    ("roses for tomorrow", date(2026, 11, 25)),
    ("roses today", date(2026, 11, 24)),
    ("roses the day after tomorrow", date(2026, 11, 26)),
    ("roses in 3 days", date(2026, 11, 27)),
])
def test_relative_days_count_from_today(text: str, expected: date) -> None:
    assert parse(text).delivery_date == expected


def test_tomorrow_resolves_to_next_day() -> None:
    found = parse("roses for tomorrow")
    assert (found.delivery_date, found.words) == (date(2026, 11, 25), ("roses",))


@pytest.mark.parametrize(("text", "expected"), [
    ("flowers on friday", date(2026, 11, 27)), ("flowers next monday", date(2026, 11, 30)),
    ("flowers on wednesday", date(2026, 11, 25)),
])
def test_weekday_resolves_to_the_coming_one(text: str, expected: date) -> None:
    assert parse(text).delivery_date == expected


def test_todays_weekday_means_a_week_later() -> None:
    assert parse("flowers on tuesday").delivery_date == date(2026, 12, 1)


@pytest.mark.parametrize("text", ["wine on 2026-12-24", "wine for dec 24", "wine on December 24th",
                                  "wine for 24 dec", "wine on the 24th of december"])
def test_calendar_dates_resolve_to_that_day(text: str) -> None:
    found = parse(text)
    assert (found.delivery_date, found.words) == (date(2026, 12, 24), ("wine",))


def test_a_day_already_past_this_year_means_next_year() -> None:
    assert parse("wine for jan 5").delivery_date == date(2027, 1, 5)


@pytest.mark.parametrize("text", ["wine on 2020-01-01", "wine on feb 30", "wine on 2026-13-01"])
def test_past_or_impossible_dates_are_ignored(text: str) -> None:
    found = parse(text)
    assert (found.delivery_date, found.words) == (None, ("wine",))


def test_price_and_date_together_are_both_slots_and_not_words() -> None:
    found = parse("chocolates under $30 for tomorrow")
    assert (found.words, found.max_price_cents, found.delivery_date) == (("chocolates",), 3000, date(2026, 11, 25))


# ---------------------------------------------------------------- follow-ups
@pytest.mark.parametrize("text", ["cheaper", "something cheaper", "Anything cheaper?", "less expensive please"])
def test_something_cheaper_is_a_follow_up(text: str) -> None:
    assert parse(text).intent == Intent.CHEAPER


def test_cheaper_than_a_price_is_a_price_slot_not_a_follow_up() -> None:
    found = parse("cheaper than 25")
    assert (found.intent, found.max_price_cents) == (Intent.SEARCH, 2500)


@pytest.mark.parametrize(("text", "index"), [
    ("the first one", 0), ("order the second", 1), ("I'll take the third one please", 2), ("2nd", 1),
    ("the last one", -1),
])
def test_ordinals_pick_a_result(text: str, index: int) -> None:
    found = parse(text)
    assert (found.intent, found.pick) == (Intent.PICK, index)


def test_pick_with_a_date_keeps_the_date() -> None:
    found = parse("the first one for tomorrow")
    assert (found.intent, found.pick, found.delivery_date) == (Intent.PICK, 0, date(2026, 11, 25))


def test_an_absurd_price_is_no_limit() -> None:
    found = parse("wine under $99999999999999999999")
    assert (found.max_price_cents, found.words) == (None, ("wine",))


@pytest.mark.parametrize("text", ["What's popular?", "what is trending right now", "What are people searching for?",
                                  "best sellers", "what's hot today"])
def test_asking_what_is_popular_is_its_own_intent(text: str) -> None:
    assert parse(text).intent == Intent.POPULAR


@pytest.mark.parametrize("text", ["popular chocolates", "trending wine under $30"])
def test_popular_with_products_named_is_a_search(text: str) -> None:
    assert parse(text).intent == Intent.SEARCH
