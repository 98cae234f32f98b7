"""Numbers in news text: "26", "3,800", "1.2 million", "twenty-six", "two dozen", "dozens".

A quantity is found on the tokens of an already-parsed sentence; its qualifier ("more than",
"at least", "between ... and ...") comes from the words right before it. Dates, ages, money,
percentages and times are left out using the entity recogniser's labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from claims.extraction.lexicon import (
    QUALIFIER_MAX_LEN,
    QUALIFIERS,
    SCALES,
    TENS,
    UNITS,
    VAGUE,
)

# Entity labels whose numbers are never head counts.
_NOT_COUNTS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL", "QUANTITY"})
_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th")
# Words after a clock time: "14.05 GMT", "2:14 a.m.", "0600 local time" is read by the recogniser.
CLOCK_WORDS = frozenset({"gmt", "utc", "bst", "cet", "cest", "est", "edt", "et", "pst", "pdt",
                         "ist", "jst", "msk", "eat", "wat", "cat", "a.m", "p.m", "am", "pm",
                         "hrs", "hours", "h"})  # fmt: skip
TIME_NOUNS = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "decade",
                        "century", "season", "night", "morning", "evening", "term", "time"})  # fmt: skip
_MAX_HEADCOUNT = 10_000_000_000
# "tens of thousands" = at least 10 x 2,000; "hundreds of thousands" = at least 100 x 2,000.
_VAGUE_MULTIPLIERS = {"tens": 10, "dozens": 12, "hundreds": 100, "thousands": 1_000}
_RANGE_LINKS = frozenset({"to", "-", "–", "—", "or"})


@dataclass(frozen=True, slots=True)
class Quantity:
    low: int
    high: int | None
    qualifier: str
    head: Token  # the number token the parse hangs the count on
    start: int  # token index of the first number token (not the qualifier)
    end: int  # token index after the last number token


def _is_number_word(token: Token) -> bool:
    text = token.lower_
    if text in VAGUE or text == "dozen" or text in SCALES:
        return True
    if text in UNITS or text in TENS:
        return True
    cleaned = text.replace(",", "")
    if cleaned.replace(".", "", 1).isdigit():
        return not text.endswith(_ORDINAL_SUFFIXES)
    return False


def _counted_head(token: Token) -> Token:
    """The word a number token finally modifies, through "10 and 20", "1.2 million"."""
    current = token
    for _ in range(4):
        if current.dep_ in ("conj", "quantmod", "compound", "prep", "pobj", "cc") or (
            current.head.like_num and current.head.i != current.i
        ):
            current = current.head
        else:
            break
    return current.head if current.dep_ == "nummod" else current


def _is_count_token(token: Token) -> bool:
    if not _is_number_word(token):
        return False  # most tokens: the cheap test first
    if token.ent_type_ == "DATE":
        # The recogniser calls "Between 10 and 20 soldiers" and "the toll stands at 31" dates:
        # trust it only when the number counts a unit of time, sits in a longer date ("March
        # 15", "48 hours") or looks like a year.
        head = _counted_head(token)
        counts_noun = head.i != token.i and head.pos_ == "NOUN"
        if counts_noun and head.lemma_.lower() in TIME_NOUNS:
            return False
        lone = token.ent_iob_ == "B" and (
            token.i + 1 >= len(token.doc) or token.doc[token.i + 1].ent_iob_ != "I"
        )
        year_like = token.text.isdigit() and len(token.text) == 4
        if not counts_noun and (not lone or year_like) and not _bare_range(token):
            return False
    elif token.ent_type_ in _NOT_COUNTS:
        return False
    # "75-year-old": an age even when the recogniser misses it.
    doc = token.doc
    if token.i + 1 < len(doc) and doc[token.i + 1].lower_.strip(".") in CLOCK_WORDS:
        return False  # "14.05 GMT", "2:14 a.m.": a time of day in a live report
    if (
        token.dep_ == "appos"
        and token.head.pos_ in ("PROPN", "NOUN")
        and token.i > 0
        and doc[token.i - 1].text == ","
        and not any(c.dep_ in ("prep", "nummod", "compound") for c in token.children)
    ):
        return False  # "Richard Vance, 61, was taken into custody": an age after a name
    if (
        token.i + 2 < len(doc)
        and doc[token.i + 1].text == "-"
        and doc[token.i + 2].lower_
        in (
            "year",
            "years",
            "month",
        )
    ):
        return False
    return _is_number_word(token)


def _bare_range(token: Token) -> bool:
    """ "put the toll at between 40 and 45", tagged a date: nothing in it says when (no month,
    no year, no unit of time), so it is a range of numbers."""
    doc = token.doc
    start, end = token.i, token.i + 1  # the entity around the token (doc.ents is costly)
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    for word in doc[start:end]:
        if word.lower_ in ("between", "and", "to", "-", "–"):
            continue
        if not word.text.replace(",", "").isdigit() or len(word.text) == 4:
            return False
    return True


def _value(tokens: list[Token]) -> tuple[int, bool] | None:
    """The value of number tokens ("1.2", "million") and whether it was a vague plural."""
    total = 0.0
    current = 0.0
    seen = False
    for token in tokens:
        text = token.lower_.replace(",", "")
        if text in VAGUE:
            return int(max(current, 1) * VAGUE[text]), True
        if text.replace(".", "", 1).isdigit():
            current += float(text)
        elif text in UNITS:
            current += UNITS[text]
        elif text in TENS:
            current += TENS[text]
        elif text == "dozen":
            current = max(current, 1) * 12
        elif text == "hundred":
            current = max(current, 1) * 100
        elif text in SCALES:
            total += max(current, 1) * SCALES[text]
            current = 0
        else:
            continue
        seen = True
    if not seen:
        return None
    return round(total + current), False


def _qualifier_before(sent: Span, start: int) -> tuple[str, int] | None:
    doc = sent.doc
    for size in range(QUALIFIER_MAX_LEN, 0, -1):
        first = start - size
        if first < sent.start:
            continue
        words = tuple(doc[i].lower_ for i in range(first, start))
        if words in QUALIFIERS:
            return QUALIFIERS[words], first
    return None


def _number_runs(sent: Span) -> list[list[Token]]:
    """Adjacent number tokens, with the hyphen of "twenty-six" kept inside the run."""
    runs: list[list[Token]] = []
    run: list[Token] = []
    for token in sent:
        if _is_count_token(token):
            run.append(token)
            continue
        doc = token.doc
        hyphen_compound = (
            token.text == "-"
            and run
            and run[-1].lower_ in TENS
            and token.i + 1 < sent.end
            and doc[token.i + 1].lower_ in UNITS
        )
        # "one hundred and sixty-four": the "and" of a written-out number.
        and_in_number = (
            token.lower_ == "and"
            and run
            and run[-1].lower_ in ("hundred", "thousand", "million")
            and token.i + 1 < sent.end
            and (doc[token.i + 1].lower_ in UNITS or doc[token.i + 1].lower_ in TENS)
        )
        if hyphen_compound or and_in_number:
            continue
        if run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


# Long: one left-to-right pass over the sentence's number runs, in which a range uses up
# the next run (`skip_next`) and each filter reads the words around the current run.
def find_quantities(sent: Span) -> list[Quantity]:
    """Every head count in the sentence, with its qualifier."""
    doc = sent.doc
    runs = _number_runs(sent)
    quantities: list[Quantity] = []
    skip_next = False
    for n, run in enumerate(runs):
        if skip_next:
            skip_next = False
            continue
        parsed = _value(run)
        if parsed is None:
            continue
        low, vague = parsed
        if low > _MAX_HEADCOUNT:
            continue  # more people than live on Earth: not a head count (and would not fit)
        start, end = run[0].i, run[-1].i + 1
        # "one of the foreigners": a member of a set, not a count; "two of them": a part of a
        # count already given.
        partitive = end + 1 < sent.end and doc[end].lower_ == "of"
        # "hundreds of thousands", "tens of thousands": one vague amount, read at the second word.
        if partitive and vague and doc[end + 1].lower_ in VAGUE:
            continue
        if start - 2 >= sent.start and doc[start - 1].lower_ == "of" and vague:
            multiplier = _VAGUE_MULTIPLIERS.get(doc[start - 2].lower_)
            if multiplier:
                low *= multiplier
                start -= 2
        # But "12 of them remain in custody" states a figure of its own: the part is the
        # subject of its own clause, which says what happened to it.
        own_clause = run[-1].dep_ in ("nsubj", "nsubjpass") and run[-1].head.pos_ in ("VERB", "AUX")
        # "three of those deaths": "those" as a determiner names what is counted.
        those_noun = (
            partitive
            and doc[end + 1].lower_ == "those"
            and end + 2 < sent.end
            and doc[end + 2].pos_ in ("NOUN", "ADJ")
            and doc[end + 1].dep_ == "det"
        )
        if partitive and (
            run[-1].lower_ == "one"
            or (
                doc[end + 1].lower_ in ("them", "those", "whom", "us")
                and not own_clause
                and not those_noun
            )
        ):
            continue
        # "No one was killed", "none of the 12": a denial, not a count.
        if start > sent.start and doc[start - 1].lower_ in ("no", "none", "zero"):
            continue
        high: int | None = low
        qualifier = "exact"
        # Ranges: "10 to 20", "10-20", "two or three", "between 10 and 20".
        following = runs[n + 1] if n + 1 < len(runs) else None
        if following and following[0].i == end + 1:
            link = doc[end].lower_
            between = start > sent.start and doc[start - 1].lower_ == "between"
            if link in _RANGE_LINKS or (link == "and" and between):
                other = _value(following)
                if other is not None and other[0] > low:
                    high = other[0]
                    qualifier = "range"
                    end = following[-1].i + 1
                    skip_next = True
        if qualifier != "range":
            # "more than a hundred", "nearly a dozen": the qualifier stands before the article.
            article = start > sent.start and doc[start - 1].lower_ in ("a", "an")
            found = _qualifier_before(sent, start - 1 if article else start)
            if found is not None:
                qualifier = found[0]
            elif vague:
                qualifier = "about"
            elif end + 1 < sent.end and doc[end].lower_ == "or" and doc[end + 1].lower_ == "more":
                qualifier = "at_least"
            if vague or qualifier in ("more_than", "at_least"):
                high = None
        tokens = [doc[i] for i in range(start, end)]
        head = next((t for t in tokens if not start <= t.head.i < end), tokens[-1])
        quantities.append(Quantity(low, high, qualifier, head, start, end))
    return quantities
