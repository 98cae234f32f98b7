"""Parts of a count: "a national toll of 120, including 40 in the capital".

Pure: no ORM, no Django (see `claims.reconcile`).
"""

from __future__ import annotations

import re

# "including 40", "among them 12", "of whom 30", after a count earlier in the same sentence.
_PART_CUE = re.compile(
    r"\b(?:including|includes|among\s+them|among\s+whom|among\s+those|of\s+whom|of\s+them|"
    r"of\s+which)\s+(?:at\s+least\s+|more\s+than\s+|about\s+|nearly\s+|some\s+|around\s+)?"
    r"(?P<n>\d[\d,]*|[a-z]+(?:-[a-z]+)?)\b",
    re.IGNORECASE,
)
_COUNT_BEFORE = re.compile(r"\d|\b(?:dozens?|hundreds?|thousands?|a\s+hundred)\b", re.IGNORECASE)
# Written-out parts ("including twelve journalists"). Not claims.extraction.lexicon's: importing
# the extraction package loads spaCy, which reconciliation (run by the API) must not need.
UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}  # fmt: skip
_NUMBER_WORDS = {**UNITS, **TENS}


def _cue_value(text: str) -> int | None:
    text = text.lower().replace(",", "")
    if text.isdigit():
        return int(text)
    tens, _, unit = text.partition("-")  # "forty-two"
    if tens in _NUMBER_WORDS and (not unit or unit in UNITS):
        return _NUMBER_WORDS[tens] + UNITS.get(unit, 0)
    return None


def is_part(sentence: str, value: int) -> bool:
    """Whether the sentence gives `value` as a part of a count it gave first.

    "120 people were killed nationwide, including 40 in the capital": the 40 is the capital's
    share of the national toll, not a rival report of it. Limits: the part must follow the
    whole in one sentence after one of the cue words; "40 of them in the capital" as a
    separate sentence is not recognised (extraction already drops most "N of them").
    """
    for match in _PART_CUE.finditer(sentence):
        if _cue_value(match["n"]) == value and _COUNT_BEFORE.search(sentence[: match.start()]):
            return True
    return False
