"""The record reconciliation works on (`Report`, one figure claim) and what a figure measures.

Pure: no ORM, no Django (see `claims.reconcile`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

ABOUT_TOLERANCE = 0.2  # "about 200" is compatible with 160..240

CASUALTY, ARREST = "casualty", "arrest"
GENERIC_SUBJECT = "people"


@dataclass(frozen=True, slots=True)
class Report:
    """One figure claim as reconciliation sees it."""

    claim_id: int
    kind: str  # casualty | arrest
    outcome: str
    value_low: int
    value_high: int | None = None  # None: open-ended, as on Claim
    qualifier: str = "exact"
    subject: str = ""
    published_at: datetime | None = None
    # How the article's date was found (Article.PublishedBasis): "text" and "dateline" give a
    # day, not a time; "imported" is the import time of an article that gives no date.
    published_basis: str = ""
    speaker_key: str = ""  # "actor:12", or "text:the interior ministry"; "" when unattributed
    speaker_name: str = ""
    outlet_key: str = ""  # the originating outlet: the credited agency when there is one
    outlet_name: str = ""
    article_id: int | None = None
    article_title: str = ""
    status: str = "unreviewed"
    place: str = ""  # only used when grouping
    # A part of a count its sentence gives ("120 killed, including 40 in the capital": the 40):
    # shown with the figure, never compared with its totals. See `is_part`.
    part: bool = False
    # The moment the value is for when the sentence names an earlier day than the article's
    # ("one person was killed on Wednesday" in Friday's report); None: its publication.
    value_for: datetime | None = None

    @property
    def moment(self) -> datetime | None:
        """When the value was true: the day its sentence names, else its publication."""
        return self.value_for or self.published_at

    @property
    def source_key(self) -> str:
        """Who stands behind the number: the speaker, else the originating outlet, else the article."""
        if self.speaker_key:
            return self.speaker_key
        if self.outlet_key:
            return f"outlet:{self.outlet_key}"
        return f"article:{self.article_id}"

    @property
    def source_name(self) -> str:
        return self.speaker_name or self.outlet_name or self.article_title or "unattributed"

    @property
    def value_key(self) -> tuple[int, int | None]:
        return (self.value_low, self.value_high)

    @property
    def display(self) -> str:
        return value_display(self.value_low, self.value_high, self.qualifier)

    @property
    def bounds(self) -> tuple[float, float]:
        """The range of true values the report allows."""
        low, high, q = self.value_low, self.value_high, self.qualifier
        inf = float("inf")
        if q == "more_than":
            return (low + 1, inf if high is None else high)
        if q == "at_least":
            return (low, inf if high is None else high)
        if q == "about":
            top = low if high is None else high
            return (low * (1 - ABOUT_TOLERANCE), top * (1 + ABOUT_TOLERANCE))
        if q == "up_to":
            return (0, low if high is None else high)
        if q == "fewer_than":
            return (0, max(low - 1, 0))
        if q == "range":
            return (low, inf if high is None else high)
        return (low, low if high is None else high)

    @property
    def top(self) -> int:
        """The largest number the report states (for "highest" and the chart)."""
        return self.value_low if self.value_high is None else self.value_high


QUALIFIER_WORDS = {
    "more_than": "more than",
    "at_least": "at least",
    "about": "about",
    "up_to": "up to",
    "fewer_than": "fewer than",
}


def value_display(low: int, high: int | None, qualifier: str) -> str:
    """The value as an editor reads it; the same wording as `Claim.figure_display`."""
    if qualifier == "range" and high is not None:
        return f"{low:,}–{high:,}"
    if qualifier in QUALIFIER_WORDS:
        return f"{QUALIFIER_WORDS[qualifier]} {low:,}"
    return f"{low:,}"


# ---------------------------------------------------------------------------------------------
# What a figure measures
# ---------------------------------------------------------------------------------------------

# A word, as reconciliation reads subjects here and statements and roles (`statements`).
WORD = re.compile(r"[A-Za-zÀ-ÿ'’-]+")
_LEADING_NOISE = {
    "a", "an", "the", "some", "at", "least", "more", "than", "about", "nearly", "around",
    "over", "up", "to", "fewer", "other", "another", "further", "additional", "several",
    "many", "dozens", "hundreds", "thousands", "of", "and", "were", "people's",
}  # fmt: skip
_PREPOSITIONS = {
    "of",
    "in",
    "at",
    "from",
    "on",
    "near",
    "during",
    "after",
    "with",
    "who",
    "including",
}
# Words news copy uses for the same group of victims are one kind of subject, "people": one
# report says "26 protesters", the next "164 dead", the next "225 people". Security forces are
# counted apart (tolls are reported for each side), and so is any other group ("miners",
# "children", "journalists"), which keeps a mine blast out of a protest toll.
_PEOPLE = {"people", "person", "persons", "individual", "protester", "protestor", "demonstrator",
           "civilian", "resident", "rioter", "victim", "dead", "body", "bodies"}  # fmt: skip
_SECURITY = {"officer", "police", "policeman", "policemen", "soldier", "troop", "serviceman",
             "servicemen", "guard", "guardsman", "force", "personnel"}  # fmt: skip
SECURITY_SUBJECT = "security forces"
# "18 law enforcement officials", "security officers", "police personnel": a modifier naming the
# forces makes the head noun ("officials", "members", "staff") a security-force count too.
_SECURITY_MODIFIERS = {"enforcement", "security", "police", "military"}
_PLURALS = {"child": "children", "man": "men", "woman": "women"}


def subject_kind(subject: str) -> str:
    """The kind of subject a figure counts: "protesters", "people", or a named person.

    Extraction gives a noun phrase ("26 protesters", "members of the opposition", "Karim
    Massimov"); the head noun, singular/plural and a few synonyms are folded together so the
    same group is recognised across articles. Empty means the text did not say: "people".
    """
    words = WORD.findall(subject)
    if not words:
        return GENERIC_SUBJECT
    # A named person ("Karim Massimov") is their own figure: capitalised words, no common noun.
    if len(words) >= 2 and all(w[0].isupper() for w in words):
        return " ".join(words)
    while words and words[0].lower() in _LEADING_NOISE:
        words = words[1:]
    # "members of the security forces": the group is after "members of".
    if len(words) > 2 and words[0].lower() in {"members", "member"} and words[1].lower() == "of":
        words = [w for w in words[2:] if w.lower() != "the"]
    head: list[str] = []
    for w in words:
        if w.lower() in _PREPOSITIONS:
            break
        head.append(w.lower())
    if not head:
        return GENERIC_SUBJECT
    noun = head[-1]
    singular = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    if noun in _PEOPLE or singular in _PEOPLE:
        return GENERIC_SUBJECT
    if noun in _SECURITY or singular in _SECURITY or _SECURITY_MODIFIERS & set(head[:-1]):
        return SECURITY_SUBJECT
    if noun in _PLURALS:
        return _PLURALS[noun]
    return noun if noun.endswith("s") or noun in _PLURALS.values() else f"{noun}s"


def is_named_person(kind: str) -> bool:
    """Subject kinds of groups are lower-case nouns; a named person's is their capitalised name."""
    return kind[:1].isupper()


def measure_outcome(kind: str, outcome: str) -> str:
    """Arrested and detained are one measure: articles use the words for the same count."""
    if kind == ARREST:
        return "arrested"
    return outcome or "killed"


OUTCOME_LABELS = {
    "killed": "killed",
    "injured": "injured",
    "missing": "missing",
    "arrested": "arrested or detained",
}


def figure_label(*, subject: str, outcome: str, place: str, day: date | None) -> str:
    """A figure's name until an editor renames it: "Protesters killed — Kazakhstan, from 6 Jan 2022"."""
    what = f"{subject[:1].upper()}{subject[1:]} {OUTCOME_LABELS.get(outcome, outcome)}"
    where = [place] if place else []
    if day is not None:
        where.append(f"from {day.day} {day:%b %Y}")
    return f"{what} — {', '.join(where)}" if where else what
