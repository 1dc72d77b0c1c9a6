"""Countries' regular adjectives, made from ISO 3166's names (bot.engine.countries)."""

from __future__ import annotations

from bot.engine import countries
from bot.engine.speller import zipf
from bot.engine.text import tokenize


def _pairs() -> dict[str, str]:
    return {adjective[0]: country[0] for country, adjective in countries.adjective_groups()}


def test_regular_adjectives_are_made_for_countries_nobody_listed() -> None:
    pairs = _pairs()
    for adjective, country in [("Indonesian", "Indonesia"), ("Korean", "Korea"), ("Vietnamese", "Vietnam"),
                               ("Chinese", "China"), ("Italian", "Italy"), ("Pakistani", "Pakistan"),
                               ("Mexican", "Mexico"), ("Brazilian", "Brazil")]:
        assert pairs[tokenize(adjective)[0]] == tokenize(country)[0], adjective


def test_a_made_word_english_does_not_use_is_left_out() -> None:
    made = set(_pairs())
    junk = {tokenize(w)[0] for w in ("Chinan", "Japann", "Kenyaese", "Norwayan", "Argentinan", "Afghanistann")}
    assert not made & junk
    # ... so every made adjective is a word English uses
    assert all(zipf(a) >= countries.ADJECTIVE_ZIPF for a in countries.made_adjectives())


def test_a_form_that_mostly_means_something_else_is_left_out() -> None:
    assert tokenize("Dominican")[0] not in _pairs()


def test_places_are_countries_their_adjectives_and_cities_not_everyday_words_or_names() -> None:
    places = countries.place_names()
    assert {"dublin", "tokyo", "new york", "indonesia", "indonesian"} <= places
    assert not places & {"act", "center", "easter", "davis", "south"}


def test_an_adjective_two_names_make_goes_to_the_longer() -> None:
    # "Nigerian" is of Nigeria, not of Niger
    assert _pairs()[tokenize("Nigerian")[0]] == tokenize("Nigeria")[0]
