"""Figures: grouping reports into figures, and analysing one figure's reports.

Pure: no ORM, no Django (see `claims.reconcile` for the rules in an editor's words).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from claims.reconcile.reports import (
    GENERIC_SUBJECT,
    Report,
    figure_label,
    is_named_person,
    measure_outcome,
    subject_kind,
)

WINDOW_DAYS = 10  # an evolving toll is re-reported within days; a week's gap is common
MOMENT_HOURS = 24  # a lower count within a day of a higher one contradicts it (tolls only rise)
# Two counts reported within a few hours describe the same moment; further apart, a higher later
# count is the toll rising ("12 killed" on Thursday, "25" on Friday), not a rival figure.
SAME_MOMENT_HOURS = 6
CORROBORATION_MIN_SOURCES = 2


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


_EXISTING = object()  # `_Candidate.started_by` of a figure already stored


@dataclass
class _Candidate:
    key: int | NewFigure  # an existing figure's id, or a figure made earlier in this batch
    kind: str
    outcome: str
    subject_kind: str
    place: str
    date_start: date | None
    date_end: date | None
    # The article whose report started the figure in this batch (None when the batch gives no
    # article ids: the import groups one article at a time); EXISTING for a stored figure.
    started_by: object = None

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
        _Candidate(
            f.id, f.kind, f.outcome, f.subject_kind, f.place, f.date_start, f.date_end, _EXISTING
        )
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
            and groups[0].started_by != report.article_id
        ):
            # A named person's figure ("Karim Massimov arrested") never takes a group's count,
            # and nor does a group the same article counted apart: "three women were arrested
            # for the fire" beside "414 people arrested" are two counts, not one.
            chosen = groups[0]
        else:
            chosen = None
        if chosen is None:
            new = NewFigure(report.kind, outcome, subject, report.place, day, day)
            result.new.append(new)
            chosen = _Candidate(
                new, report.kind, outcome, subject, report.place, None, None, report.article_id
            )
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


PART_REASON = "A part of a larger count in the same sentence: not compared with the totals."


def _overlap(a: Report, b: Report) -> bool:
    (a_low, a_high), (b_low, b_high) = a.bounds, b.bounds
    return a_low <= b_high and b_low <= a_high


def _day(dt: datetime | None) -> str:
    return f"{dt.day} {dt:%b %Y}" if dt else "undated"


def _moment(conflict: Conflict) -> str:
    start, end = _day(conflict.start), _day(conflict.end)
    return start if start == end else f"{start} to {end}"


def conflict_reason(conflict: Conflict) -> str:
    """Why the conflict's reports disagree, with the moment each report's reason names."""
    return (
        f"{' vs '.join(conflict.values)}: different sources give values that cannot all be "
        f"true for the same moment ({_moment(conflict)})."
    )


def analyse_figure(
    reports: Iterable[Report], *, moment_hours: int = MOMENT_HOURS
) -> FigureAnalysis:
    """Everything an editor wants to know about one figure's reports."""
    ordered = sorted(reports, key=lambda r: (r.published_at is None, r.published_at, r.claim_id))
    if not ordered:
        return FigureAnalysis((), None, None, None, (), ())
    # Parts ("including 40 in the capital") are listed, never weighed against the totals.
    totals = [r for r in ordered if not r.part] or ordered
    corroborations = _corroborations(ordered)
    pairs = _conflicting_pairs(ordered, moment_hours=moment_hours)
    conflicts = _conflicts(ordered, pairs)

    dated_totals = [r for r in totals if r.published_at is not None]
    latest = (
        max(dated_totals, key=lambda r: (r.published_at, r.claim_id))
        if dated_totals
        else totals[-1]
    )
    return FigureAnalysis(
        timeline=_timeline(ordered, pairs, corroborations, conflicts),
        latest=latest,
        highest=max(totals, key=lambda r: (r.top, r.claim_id)),
        lowest=min(totals, key=lambda r: (r.value_low, r.claim_id)),
        corroborations=tuple(corroborations),
        conflicts=tuple(conflicts),
    )


def _corroborations(ordered: Sequence[Report]) -> list[Corroboration]:
    """Each value the totals give, lowest first, with the independent sources that give it."""
    by_value: dict[tuple[int, int | None], list[Report]] = defaultdict(list)
    for r in ordered:
        if not r.part:
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


def _conflicting_pairs(ordered: Sequence[Report], *, moment_hours: int) -> dict[int, set[int]]:
    """For each report, the reports from other sources at the same moment that cannot both be
    true with it (by claim id; parts and undated reports have none)."""
    # Every report of a fast-moving story can fall in one window, so this compares up to n²/2
    # pairs: each report's source and bounds are worked out once, not once per pair (at a few
    # hundred reports the properties were most of the claim page's time).
    window = timedelta(hours=moment_hours)
    same_moment = timedelta(hours=min(SAME_MOMENT_HOURS, moment_hours))
    dated = [r for r in ordered if r.published_at is not None]
    # Compared at the moment each value is for: Friday's report of Wednesday's dead is set
    # against Wednesday's reports, not Friday's.
    points = sorted(
        ((r.claim_id, r.moment, r.source_key, *r.bounds) for r in dated if not r.part),
        key=lambda p: (p[1], p[0]),
    )
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


def _conflicts(ordered: Sequence[Report], pairs: dict[int, set[int]]) -> list[Conflict]:
    """The conflicting pairs joined into conflicts (connected components), in time order."""
    by_id = {r.claim_id: r for r in ordered}
    conflicts = []
    seen: set[int] = set()
    for r in ordered:
        if r.published_at is None or r.claim_id not in pairs or r.claim_id in seen:
            continue
        component, stack = set(), [r.claim_id]
        while stack:
            cid = stack.pop()
            if cid in component:
                continue
            component.add(cid)
            stack.extend(pairs[cid] - component)
        seen |= component
        members = sorted((by_id[c] for c in component), key=lambda m: (m.moment, m.claim_id))
        values = sorted({m.value_key: m for m in members}.values(), key=lambda m: m.bounds)
        conflicts.append(
            Conflict(
                start=members[0].moment,  # type: ignore[arg-type]
                end=members[-1].moment,  # type: ignore[arg-type]
                claim_ids=tuple(m.claim_id for m in members),
                values=tuple(m.display for m in values),
            )
        )
    return conflicts


def _timeline(
    ordered: Sequence[Report],
    pairs: dict[int, set[int]],
    corroborations: Sequence[Corroboration],
    conflicts: Sequence[Conflict],
) -> tuple[TimelineEntry, ...]:
    """Each report with who corroborates it, what it conflicts with, and the status to suggest."""
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
        if r.part:
            timeline.append(TimelineEntry(r, (), (), Suggestion(None, PART_REASON)))
            continue
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
