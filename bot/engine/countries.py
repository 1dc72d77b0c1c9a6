"""Countries: their names from ISO 3166, and the adjectives English makes of them.

"Do Indonesian state institutions have to keep their data at home?" is answered by a paragraph
that says "in Indonesia". The synonyms file lists the adjectives that English forms irregularly
("French", "Dutch", "Swiss"); the regular ones ("Indonesian", "Korean", "Vietnamese",
"Pakistani") are made here for every country, so an article about a country nobody listed
still answers questions that use its adjective.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.engine.text import tokenize

#: a made adjective is kept only when English uses it this often (wordfreq Zipf): "Indonesian"
#: is 3.9, "Chinaese" 0
ADJECTIVE_ZIPF = 2.0
#: bump when the rules below change: the groups are saved in the snapshot
ADJECTIVES_VERSION = "2"
#: made forms that mostly mean something else: "Dominican" is of the Dominican Republic, not Dominica
_NOT_ADJECTIVES = frozenset({"dominican"})


@lru_cache(maxsize=1)
def iso3166_names() -> tuple[str, ...]:
    """The country names of ISO 3166 as the IANA time zone data ships them ("Kenya", "Saudi
    Arabia", "Korea (South)"); empty when that data is missing."""
    try:
        from importlib.resources import files

        table = files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    except (ImportError, OSError, ValueError):
        return ()
    return tuple(
        line.split("\t", 1)[1].strip() for line in table.splitlines() if not line.startswith("#") and "\t" in line
    )


def _one_word_names() -> list[str]:
    """"Kenya", and "Korea" of "Korea (South)"."""
    out = []
    for name in iso3166_names():
        if re.fullmatch(r"[A-Z][a-z]+", name):
            out.append(name.lower())
        elif m := re.fullmatch(r"([A-Z][a-z]+) \([A-Z][a-z]+\)", name):
            out.append(m[1].lower())
    return list(dict.fromkeys(out))


def _adjectives(country: str) -> list[str]:
    """The regular ways English makes an adjective of a country's name."""
    out = [country + "n", country + "an", country + "ese", country + "ian", country + "i"]
    if country.endswith("a"):
        out += [country[:-1] + "ese", country[:-1] + "an"]  # China -> Chinese, Malta -> Maltese
    if country.endswith(("y", "e", "o")):
        out += [country[:-1] + "ian", country[:-1] + "an"]  # Italy -> Italian, Mexico -> Mexican
    return out


@lru_cache(maxsize=1)
def made_adjectives() -> dict[str, str]:
    """adjective -> country, in lower case, for the adjectives made and kept."""
    from bot.engine.speller import zipf

    best: dict[str, str] = {}
    for country in _one_word_names():
        for adjective in _adjectives(country):
            if adjective != country and adjective not in _NOT_ADJECTIVES and zipf(adjective) >= ADJECTIVE_ZIPF:
                # "Nigerian" is made from Niger and from Nigeria: the longer name is the one meant
                if adjective not in best or len(country) > len(best[adjective]):
                    best[adjective] = country
                break
    return best


@lru_cache(maxsize=1)
def adjective_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Alias groups of a country and its adjective, as index terms: (("indonesia",), ("indonesian",))."""
    groups = []
    for adjective, country in sorted(made_adjectives().items()):
        a, c = tuple(tokenize(adjective)), tuple(tokenize(country))
        if a and c and a != c:
            groups.append((c, a))
    return tuple(groups)


#: time zone cities that are also everyday words or people's names
_NOT_PLACES = frozenset({"center", "christmas", "easter", "oral", "wake", "reunion", "stanley", "phoenix"})


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Places in lower case: the countries of ISO 3166 and their adjectives, and the cities of the
    time zone database's zone table ("dublin", "tokyo", "new york"; not its aliases such as
    "Australia/ACT", nor Antarctica's stations, named after people). Empty without tzdata, which
    `pyproject.toml` requires but a stripped install may lack."""
    try:
        from importlib.resources import files

        table = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ImportError, OSError, ValueError):
        table = ""
    zones = [line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")
             and line.count("\t") >= 2]
    cities = {z.rsplit("/", 1)[1].replace("_", " ").lower() for z in zones if not z.startswith("Antarctica/")}
    countries = {name.lower() for name in iso3166_names()} | set(_one_word_names())
    adjectives = {adjective[0] for _, adjective in adjective_groups()}
    return frozenset((cities - _NOT_PLACES) | countries | adjectives)


@lru_cache(maxsize=1)
def place_terms() -> frozenset[tuple[str, ...]]:
    """`place_names` as index terms: ("dublin",), ("new", "york"), ("franc",)."""
    return frozenset(t for t in (tuple(tokenize(name)) for name in place_names()) if t)
