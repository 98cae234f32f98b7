"""Does a claim repeat an earlier one? The features and the rule, over plain values.

`same` may copy a verdict, so it asks for the same statement: the same speaker (or the same story
reprinted) and nearly the same words, or for a figure the same measure, value and source.
`similar` is only a suggestion for the editor: a paraphrase by the same speaker, the same value
for the same measure from another source.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache

from claims.matching.text import content_words, jaccard, negations, words
from claims.reconcile import measure_outcome, subject_kind


class Relation(StrEnum):
    SAME = "same"
    SIMILAR = "similar"


@dataclass(frozen=True)
class ClaimFacts:
    """What matching reads of a claim."""

    id: int
    kind: str
    article_id: int
    story_id: int  # the article, or the earliest article it reprints
    text: str  # what is claimed: an attribution's content, else the sentence
    sentence: str = ""  # the whole sentence: "X denied that ..." is in it, not in the content
    speaker_key: str = ""  # "actor:12", "text:the interior ministry", or ""
    speaker_name: str = ""
    speaker_role: str = ""  # "general secretary of the nurses' union", from the claim or the actor
    source_key: str = ""  # who stands behind a figure: speaker, else outlet, else story
    value_low: int | None = None
    value_high: int | None = None
    qualifier: str = ""
    outcome: str = ""
    subject: str = ""
    figure_id: int | None = None
    place: str = ""


def printed_anywhere(claim: ClaimFacts) -> tuple:
    """Everything `compare` reads of a claim but where it was printed (id, article, story):
    copies of one story bring the same claim many times, and it need be compared only once."""
    return (
        claim.kind, claim.text, claim.sentence, claim.speaker_key, claim.speaker_name,
        claim.speaker_role, claim.source_key, claim.value_low, claim.value_high,
        claim.qualifier, claim.outcome, claim.subject, claim.figure_id, claim.place,
    )  # fmt: skip


@dataclass(frozen=True)
class Match:
    relation: Relation
    score: float  # 0-1, for ranking; `same` scores above every `similar`
    reason: str


# Why two copies of one story match: stated once, because the latest-matches index leaves these
# rows out (a story's copies are found through the story, and a story printed a thousand times
# would fill every original's latest matches with its own copies).
REPRINTED_SENTENCE = "the same sentence in a reprint"
REPRINTED_FIGURE = "the same figure in a reprint"
REPRINT_REASONS = (REPRINTED_SENTENCE, REPRINTED_FIGURE)

# Word-sequence similarity (difflib ratio over words) from which two statements by one speaker
# are the same statement: a repeated quote with "he said" moved or a clause trimmed stays above it.
SAME_WORDING = 0.8
# In a reprint the sentence may be cut harder and still be the same claim of the same story.
SAME_WORDING_REPRINT = 0.6
# Content-word overlap from which one speaker's two statements are on the same point.
SIMILAR_CONTENT = 0.3


def compare(new: ClaimFacts, old: ClaimFacts) -> Match | None:
    if new.kind != old.kind or new.id == old.id:
        return None
    if new.kind == "attribution":
        return _compare_statements(new, old)
    return _compare_figures(new, old)


def wording(a: str, b: str) -> float:
    """Similarity of two texts as sequences of words, 0-1.

    Under 0.5 the cheap bound (the words shared, in any order: `quick_ratio`, never below the
    real ratio) is returned instead: every rule's threshold is above it, and it saves the
    matching of sequences for most candidates.
    """
    wa, wb = words(a), words(b)
    if not wa and not wb:
        return 0.0
    if wa == wb:  # what the ratio of two equal sequences is, without matching them
        return 1.0
    ca, cb = _counts(a), _counts(b)
    if len(ca) > len(cb):
        ca, cb = cb, ca
    bound = 2 * sum(min(n, cb.get(w, 0)) for w, n in ca.items()) / (len(wa) + len(wb))
    if bound < 0.5:
        return bound
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


@lru_cache(maxsize=8192)
def _counts(text: str) -> dict[str, int]:
    return Counter(words(text))


def reprinted(new: ClaimFacts, old: ClaimFacts) -> bool:
    return new.story_id == old.story_id and new.article_id != old.article_id


def speakers_agree(new: ClaimFacts, old: ClaimFacts) -> bool | None:
    """True for one speaker, False for two, None when either is not known."""
    if not new.speaker_key or not old.speaker_key:
        return None
    if new.speaker_key == old.speaker_key:
        return True
    if new.speaker_key.startswith("actor:") != old.speaker_key.startswith("actor:"):
        return _description_fits(new, old)
    # "Varga" and "Ilse Varga" (two actors when one article gave only the surname), "the
    # ministry" and "the transport ministry": the shorter name is inside the longer.
    a, b = set(content_words(new.speaker_name)), set(content_words(old.speaker_name))
    return bool(a and b) and (a <= b or b <= a or jaccard(a, b) >= 0.5)


# Words that say what someone is, not who: "the union leader" is told apart by "union".
_GENERIC_ROLE = frozenset(
    {"leader", "spokesman", "spokeswoman", "spokesperson", "official", "officials", "chair",
     "head", "chief", "senior", "deputy", "member", "representative", "source", "sources"}
)  # fmt: skip


def _description_fits(new: ClaimFacts, old: ClaimFacts) -> bool | None:
    """A named speaker against a description ("Helena Varga" and "the union leader"): the same
    person when the description's telling words are in the named one's role, another when the
    role is known and shares none of them, not known otherwise."""
    named, described = (new, old) if new.speaker_key.startswith("actor:") else (old, new)
    telling = {_bare(w) for w in content_words(described.speaker_name)} - _GENERIC_ROLE
    role = {_bare(w) for w in content_words(named.speaker_role)}
    own = {_bare(w) for w in content_words(named.speaker_name)}
    # "union" and "union's", "nurses" and "nurse": compare without the plural and possessive s.
    # Every telling word must be in the role or the name ("the ministry" and "Justice
    # Ministry"): "the police union" is not "police spokesman".
    if telling and telling <= role | own:
        return True
    return False if telling and role else None


def _bare(word: str) -> str:
    return word.removesuffix("'s").removesuffix("s")


_NOT_PLACES = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
     "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december", "the", "a", "an", "he", "she", "it", "they", "we", "i", "but",
     "in", "on", "at", "after", "as", "his", "her", "their", "our", "its"}
)  # fmt: skip
# Not the first word of the sentence, of a quotation or after a full stop: those are capitalised
# whatever they are.
_CAPITALISED = re.compile(
    r"(?<![.!?:\u201c\u2018\"']\s)(?<![\u201c\u2018\"'(])(?<!^)\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b"
)


def proper_names(text: str, *, besides: str = "") -> frozenset[str]:
    """Capitalised words inside a sentence (places, bodies, people), minus the speaker's name:
    "killed in Bresk district" and "killed in Tarnel district" name two places."""
    own = {w.lower() for w in words(besides)}
    return frozenset(_capitalised(text) - own - _NOT_PLACES)


@lru_cache(maxsize=8192)
def _capitalised(text: str) -> frozenset[str]:
    return frozenset(m.group().lower() for m in _CAPITALISED.finditer(text))


def names_differ(new: ClaimFacts, old: ClaimFacts) -> bool:
    """Both claims name someone or somewhere, and none of the same: two events, not one."""
    a = proper_names(new.sentence, besides=f"{new.speaker_name} {new.speaker_role}")
    b = proper_names(old.sentence, besides=f"{old.speaker_name} {old.speaker_role}")
    return bool(a) and bool(b) and not (a & b)


def _compare_statements(new: ClaimFacts, old: ClaimFacts) -> Match | None:
    same_speaker = speakers_agree(new, old)
    if same_speaker is False:
        return None  # the same words from another mouth are another statement
    if negations(new.sentence or new.text) != negations(old.sentence or old.text):
        return None  # "X denied that ..." is not "...", nor the reverse
    if _numbers(new.text) and _numbers(old.text) and _numbers(new.text) != _numbers(old.text):
        return None  # "41 people were killed", then "57": a new statement, not a repeat
    ratio = wording(new.text, old.text)
    if reprinted(new, old) and ratio >= SAME_WORDING_REPRINT:
        return Match(Relation.SAME, 0.6 + 0.4 * ratio, REPRINTED_SENTENCE)
    if names_differ(new, old):
        return None
    if same_speaker and ratio >= SAME_WORDING:
        return Match(Relation.SAME, 0.6 + 0.4 * ratio, "the same words from the same speaker")
    overlap = jaccard(content_words(new.text), content_words(old.text))
    if same_speaker and overlap >= SIMILAR_CONTENT:
        return Match(Relation.SIMILAR, 0.2 + 0.4 * max(ratio, overlap), "same speaker, same point")
    if same_speaker is None and ratio >= SAME_WORDING:
        return Match(Relation.SIMILAR, 0.2 + 0.4 * ratio, "the same words, speaker not known")
    return None


def _same_measure(new: ClaimFacts, old: ClaimFacts) -> bool:
    """The measure as figures define it (claims/reconcile/): arrested and detained are one,
    "protesters" and "people" one kind of subject, police and soldiers another."""
    if measure_outcome(new.kind, new.outcome) != measure_outcome(old.kind, old.outcome):
        return False
    if new.place and old.place and new.place != old.place:
        return False
    # "The death toll rose to 57" has no subject: it does not contradict "57 people".
    if not new.subject or not old.subject:
        return True
    return subject_kind(new.subject) == subject_kind(old.subject)


def _same_source(new: ClaimFacts, old: ClaimFacts) -> bool:
    if new.speaker_key and old.speaker_key:
        return bool(speakers_agree(new, old))
    return bool(new.source_key) and new.source_key == old.source_key


def context_overlap(new: ClaimFacts, old: ClaimFacts) -> float:
    """Shared words of two figure sentences beyond the figure itself: the event, the place.

    "12 people were killed when a bus left the road" and "A landslide killed 12 people" share
    only the number, the outcome and the subject: another event with the same toll.
    """
    figure = {str(new.value_low), str(new.value_high), *content_words(new.subject)}
    figure |= {new.outcome, *_OUTCOME_WORDS.get(new.outcome, ())}
    a = {w for w in content_words(new.text) if w not in figure}
    b = {w for w in content_words(old.text) if w not in figure}
    return jaccard(a, b)


_OUTCOME_WORDS = {
    "killed": ("killing", "kill", "dead", "died", "deaths", "death", "toll"),
    "injured": ("injuring", "wounded", "injuries", "hurt"),
    "arrested": ("arrests", "arrest", "arresting", "detained", "custody"),
    "detained": ("detentions", "detaining", "arrested", "custody", "held"),
    "missing": ("missing",),
}
# Shared context from which two reports of one value from different sources are one measure.
SIMILAR_CONTEXT = 0.15


def _numbers(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if w[0].isdigit())


def topic_words(claim: ClaimFacts) -> set[str]:
    """What a claim is about, with its speaker's last name: what a text search would look for."""
    found = set(content_words(claim.text))
    if names := content_words(claim.speaker_name):
        found.add(names[-1])
    return found


def _compare_figures(new: ClaimFacts, old: ClaimFacts) -> Match | None:
    if new.value_low != old.value_low or not _same_measure(new, old):
        return None  # a revised toll (41, then 57) is news, not a repeat
    ratio = wording(new.text, old.text)
    if reprinted(new, old) and ratio >= SAME_WORDING_REPRINT:
        return Match(Relation.SAME, 0.6 + 0.4 * ratio, REPRINTED_FIGURE)
    if names_differ(new, old):
        return None  # 12 killed in Bresk district, 12 in Tarnel district
    exact = (new.value_high, new.qualifier) == (old.value_high, old.qualifier)
    if exact and _same_source(new, old):
        return Match(Relation.SAME, 0.6 + 0.4 * ratio, "the same figure from the same source")
    context = context_overlap(new, old)
    if context >= SIMILAR_CONTEXT:
        return Match(
            Relation.SIMILAR, 0.2 + 0.4 * max(ratio, context), "the same value, same measure"
        )
    return None
