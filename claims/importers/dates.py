"""When an article was written, from what it says, for articles whose input gives no date.

A wire story's dateline ("ALMATY, Jan 7 (Reuters) -"), a full date in the text ("January 7,
2022" in a photo caption), a day and month ("on January 7"), or a weekday ("on Friday") read
against a known day. The import uses this only when the input has no date of its own (a
`Published:` header, a page's metadata, a feed's date); when it finds nothing either, the
article is dated by its import time. Which of these was used is stored with the article
(`Article.published_basis`), so an editor can tell a publisher's date from a guess.

Pure functions: no Django, no ORM. Limits, stated honestly: only English month and weekday
names; a text-derived date has no time of day (midnight UTC); the latest date the text states
is taken as the day of writing, so a story that only mentions an earlier day is dated too early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# How an article's date was found; the values of `Article.PublishedBasis`.
HEADER = "header"  # the input's own date field: the text format's Published:, JSONL "published"
METADATA = "metadata"  # an HTML page's metadata (article:published_time, ...) or a feed's date
DATELINE = "dateline"  # "ALMATY, Jan 7 (Reuters) -"
TEXT = "text"  # a date or weekday the text states
IMPORTED = "imported"  # nothing said when: the time it was imported

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# "January 7, 2022", "Jan. 7 2022", "7 January 2022"; the year is optional for _DAY_MONTH.
_FULL_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+{_DAY},?\s+{_YEAR}|{_DAY.replace('day>', 'day2>')}\s+"
    rf"{_MONTH.replace('month>', 'month2>')},?\s+{_YEAR.replace('year>', 'year2>')})\b",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    rf"\b(?:on|since|from|as of)\s+(?:{_MONTH}\s+{_DAY}|{_DAY.replace('day>', 'day2>')}\s+"
    rf"{_MONTH.replace('month>', 'month2>')})\b(?![,\s]*(?:19|20)\d\d)",
    re.IGNORECASE,
)
# A dateline opens the first paragraph: a place in capitals, then a day, then an agency or dash.
_DATELINE = re.compile(
    rf"^\s*[A-Z][A-Z .'’-]{{1,40}}(?:,\s*[A-Za-z .'’-]{{2,30}})?,\s+"
    rf"(?:{_MONTH}\s+{_DAY}|{_DAY.replace('day>', 'day2>')}\s+{_MONTH.replace('month>', 'month2>')})"
    rf"(?:,?\s+{_YEAR})?\s*(?:\([^)\n]{{2,40}}\)\s*)?[-–—:]",
    re.IGNORECASE,
)
# "on Friday", "early Friday", "Friday night"; never "Friday's meeting" (often the next one).
_WEEKDAY = re.compile(
    r"\b(?P<before>on|early|late|since|until|by|next|last|this|coming)?\s*"
    r"(?P<weekday>" + "|".join(WEEKDAYS) + r")\b(?P<after>['’]s)?",
    re.IGNORECASE,
)
# A sentence looking ahead: its dates are when something will happen, not when it was written.
_FUTURE = re.compile(
    r"\b(?:will|would|shall|is to|are to|due|scheduled|expected to|plans? to|planned|"
    r"next|until|upcoming|deadline)\b",
    re.IGNORECASE,
)
# Quotations, within one paragraph ("in March 2019," he recalled): a speaker's past, not today.
_QUOTED = re.compile(r"“[^”\n]*”|\"[^\"\n]*\"|«[^»\n]*»")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])|\n+")


@dataclass(frozen=True, slots=True)
class FoundDate:
    """The day an article was written, how it was found, and the words it came from."""

    moment: datetime  # aware, UTC midnight of the day
    basis: str  # DATELINE | TEXT
    evidence: str


def find_date(title: str, body: str, *, today: date) -> FoundDate | None:
    """The day the article says it was written, or None when it does not say.

    `today` (the import's day) resolves what the text leaves open: the year of "January 7",
    the week of "on Friday"; nothing later than `today` is returned. The title is not read:
    a headline's date ("Protests of 2 January ...") is the event's, not the article's.
    """
    del title
    full = _latest(_full_dates(body, today=today))
    dateline = _dateline(body, year_hint=full[0].year if full else None, today=today)
    if dateline is not None:
        return FoundDate(_midnight(dateline[0]), DATELINE, dateline[1])
    found = full or _latest(_day_months(body, today=today)) or _latest(_weekdays(body, today=today))
    return FoundDate(_midnight(found[0]), TEXT, found[1]) if found else None


_Found = tuple[date, str]  # a day, and the words it was read from


def _latest(found: list[_Found]) -> _Found | None:
    return max(found, key=lambda f: f[0], default=None)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _sentences(body: str) -> list[str]:
    """The body's sentences with quotations blanked and looking-ahead sentences dropped."""
    sentences = _SENTENCE.split(_QUOTED.sub(" ", body))
    return [s for s in sentences if s.strip() and not _FUTURE.search(s)]


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # "February 30"
        return None


def _fields(match: re.Match[str]) -> tuple[int, int]:
    month = match["month"] or match["month2"]
    return MONTHS[month.lower().rstrip(".")], int(match["day"] or match["day2"])


def _on_or_before(month: int, day: int, *, year: int | None, today: date) -> date | None:
    """The date of a day and month: in `year` when known, else the latest one up to `today`."""
    if year is not None:
        return _day(year, month, day)
    for candidate_year in (today.year, today.year - 1):
        found = _day(candidate_year, month, day)
        if found is not None and found <= today:
            return found
    return None


def _full_dates(body: str, *, today: date) -> list[_Found]:
    """ "January 7, 2022", "7 January 2022": every one up to `today`."""
    found = []
    for sentence in _sentences(body):
        for match in _FULL_DATE.finditer(sentence):
            day = _day(int(match["year"] or match["year2"]), *_fields(match))
            if day is not None and day <= today:
                found.append((day, match[0]))
    return found


def _dateline(body: str, *, year_hint: int | None, today: date) -> _Found | None:
    """ "ALMATY, Jan 7 (Reuters) -" opening the first paragraph; its year, else the text's."""
    match = _DATELINE.match(body.lstrip().split("\n", 1)[0])
    if match is None:
        return None
    year = int(match["year"]) if match["year"] else year_hint
    day = _on_or_before(*_fields(match), year=year, today=today)
    return (day, match[0].strip(" -–—:")) if day is not None else None


def _day_months(body: str, *, today: date) -> list[_Found]:
    """ "on January 7", "since 6 January": the latest such day up to `today`."""
    found = []
    for sentence in _sentences(body):
        for match in _DAY_MONTH.finditer(sentence):
            day = _on_or_before(*_fields(match), year=None, today=today)
            if day is not None:
                found.append((day, match[0]))
    return found


def _weekdays(body: str, *, today: date) -> list[_Found]:
    """ "on Friday", "late Thursday": each as the last such day up to `today`."""
    found = []
    for sentence in _sentences(body):
        for match in _WEEKDAY.finditer(sentence):
            before = (match["before"] or "").lower()
            if match["after"] or before in {"until", "by", "next", "coming", "this"}:
                continue  # "Friday's meeting", "by Friday", "next Friday": maybe still to come
            back = (today.weekday() - WEEKDAYS.index(match["weekday"].lower())) % 7
            if before == "last" and back == 0:
                back = 7
            found.append((today - timedelta(days=back), match[0].strip()))
    return found


_YESTERDAY = re.compile(r"\byesterday\b", re.IGNORECASE)


def day_in_sentence(sentence: str, *, published: date) -> date | None:
    """The earlier day a sentence says its count is for, or None for the day of publication.

    "one person was killed on Wednesday" in an article of Friday 28 September: Wednesday 26.
    The weekday is read as the last such day up to the publication (the rules of `find_date`:
    never in a quotation, nor in a sentence looking ahead, nor "Friday's"); "yesterday" is the
    day before. A sentence naming several days gives None: which count is for which is unclear.
    """
    days = {d for d, _ in _weekdays(sentence, today=published)}
    if not days and _YESTERDAY.search(_QUOTED.sub(" ", sentence)):
        days = {published - timedelta(days=1)}
    if len(days) != 1:
        return None
    (day,) = days
    return day if day < published else None
