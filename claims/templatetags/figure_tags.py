"""`{% figure_panel claim %}`: the claim's figure across articles, beside the claim.

For a casualty or arrest claim: the figure's timeline as an inline SVG chart drawn here on the
server (no script, no external asset), the reports behind it, the conflicting reports, and the
status reconciliation suggests for this claim. For any claim with a resolved speaker: the same
statement in other articles and the speaker's role-consistency flag.

Queries, whatever the size of the figure. On the claim page none for the figure: the page
reads its reports (and an attribution's other statements) with its own claims and hands them
over as `claim.panel_reads` (`claims.selectors.page_claim`, `PanelReads`), so the panel adds
only the speaker's role uses (one grouped query).
Rendered on its own: the figure, its claims (joined with article, outlet, speaker and credited
agency); for a speaker, their statements (one) and their roles (one). A figure with more than
PANEL_REPORTS_LIMIT reports is analysed on those published nearest the claim, and the panel
says so. Everything from articles is escaped by the template engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from claims import reconcile
from claims.models import Claim
from claims.permissions import CHANGE_FIGURE_PERMISSION, REVIEW_PERMISSION
from claims.selectors import figure_with_reports, panel_reads
from claims.services.figures import (
    report_for,
    role_flags_for,
    speaker_statement_groups,
)

register = template.Library()

# Chart geometry, in SVG user units (the chart scales to the panel's width).
WIDTH, HEIGHT = 560, 210
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 34
LABEL_EVERY_POINT_UP_TO = 12  # more points than this: label only the latest and the extremes
TONE_COLORS = {"disputed": "#7446c2", "verified": "#13794b", "plain": "#6b7385"}
# The panel analyses at most this many of a figure's reports, those nearest the claim in time
# (see _nearest_reports): 200 reports that all conflict take about 11-25 ms to analyse
# (20,000 pairs); 1,000 would take half a second.
PANEL_REPORTS_LIMIT = 200


@dataclass(frozen=True)
class Point:
    claim_id: int
    x: float
    y: float
    y_high: float | None  # a range's top; None for a single value
    open_ended: bool  # "more than", "at least": an arrow up
    label: str
    show_label: bool
    label_left: bool  # near the right edge: the label goes to the left of the point
    tone: str  # disputed | verified | plain
    color: str  # the tone's colour, for the SVG's stroke and fill
    current: bool
    title: str  # the tooltip: value, source, outlet, date

    def svg(self) -> SafeString:
        """The point's SVG, built here: a figure can have hundreds of points, and the same
        markup as template tags cost several times as much. format_html escapes every value."""
        c = self.color
        parts = [
            format_html(
                '<g class="point tone-{}{}" data-claim="{}"><title>{}</title>',
                self.tone,
                " current" if self.current else "",
                self.claim_id,
                self.title,
            )
        ]
        if self.y_high is not None:
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke-width="3" '
                    'stroke-linecap="round" stroke="{}"/>',
                    self.x,
                    self.y,
                    self.x,
                    self.y_high,
                    c,
                )
            )
        if self.open_ended:
            parts.append(
                format_html(
                    '<path d="M{} {} v-14 m-4 5 l4 -5 l4 5" fill="none" stroke-width="1.5" '
                    'stroke="{}"/>',
                    self.x,
                    self.y,
                    c,
                )
            )
        if self.current:
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="9" fill="none" stroke="#1f5eff" stroke-width="2"/>',
                    self.x,
                    self.y,
                )
            )
        parts.append(format_html('<circle cx="{}" cy="{}" r="5" fill="{}"/>', self.x, self.y, c))
        if self.show_label:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" dx="{}" dy="-8"{} fill="#1d2330">{}</text>',
                    self.x,
                    self.y,
                    -10 if self.label_left else 8,
                    mark_safe(' text-anchor="end"') if self.label_left else "",
                    self.label,
                )
            )
        parts.append(mark_safe("</g>"))
        return mark_safe("".join(parts))  # every part is escaped or constant


def _nice_ceiling(value: float) -> int:
    """A round number at or above `value` for the top of the axis (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)


def _day(dt: datetime | None) -> str:
    return f"{dt.day} {dt:%b %Y}" if dt else "undated"


# A date read from the text is a day, not a time; an import time is not the publisher's.
_BASIS_NOTES = {"dateline": "dateline", "text": "from the text", "imported": "import time"}


def published_display(dt: datetime | None, basis: str = "") -> str:
    """ "7 Jan 2022 08:30 UTC" in the site's time zone, with its zone; "7 Jan 2022 (from the
    text)" for a day read from the article; "… UTC (import time)" for an undated article."""
    if dt is None:
        return "undated"
    dt = localtime(dt)
    day = f"{dt.day} {dt:%b %Y}"
    when = day if basis in ("dateline", "text") else f"{day} {dt:%H:%M} {dt.tzname()}"
    return f"{when} ({_BASIS_NOTES[basis]})" if basis in _BASIS_NOTES else when


def chart(analysis: reconcile.FigureAnalysis, *, current_id: int) -> dict[str, Any] | None:
    """Coordinates for the timeline chart, or None when fewer than one dated report."""
    # A part ("including 40 in the capital") drawn beside the totals would read as a drop.
    entries = [
        e for e in analysis.timeline if e.report.published_at is not None and not e.report.part
    ]
    if not entries:
        return None
    times = [e.report.published_at.timestamp() for e in entries]  # type: ignore[union-attr]
    t0, t1 = min(times), max(times)
    top = _nice_ceiling(max(e.report.top for e in entries) * 1.1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(t: float) -> float:
        return round(LEFT + (plot_w / 2 if t1 == t0 else (t - t0) / (t1 - t0) * plot_w), 1)

    def y_of(v: float) -> float:
        return round(TOP + plot_h - v / top * plot_h, 1)

    keep = {r.claim_id for r in (analysis.latest, analysis.highest, analysis.lowest) if r}
    points: list[Point] = []
    labelled: list[tuple[float, float, str]] = []  # (x, y, text) of labels drawn so far
    for entry, t in zip(entries, times, strict=True):
        r = entry.report
        ranged = r.qualifier == "range" and r.value_high is not None
        x, y = x_of(t), y_of(r.value_low)
        # The same value drawn nearby already carries the label: repeating it only overlaps.
        show = (len(entries) <= LABEL_EVERY_POINT_UP_TO or r.claim_id in keep) and not any(
            text == r.display and abs(lx - x) < 40 and abs(ly - y) < 12 for lx, ly, text in labelled
        )
        if show:
            labelled.append((x, y, r.display))
        points.append(
            Point(
                claim_id=r.claim_id,
                x=x,
                y=y,
                y_high=y_of(r.value_high) if ranged else None,  # type: ignore[arg-type]
                open_ended=r.qualifier in ("more_than", "at_least") and r.value_high is None,
                label=r.display,
                show_label=show,
                label_left=x > WIDTH - RIGHT - 60,
                tone=entry.suggestion.status or "plain",
                color=TONE_COLORS.get(entry.suggestion.status or "plain", TONE_COLORS["plain"]),
                current=r.claim_id == current_id,
                title=f"{r.display} — {r.source_name}, {r.outlet_name or 'unknown outlet'}, "
                f"{_day(r.published_at)}",
            )
        )
    first, last = entries[0].report.published_at, entries[-1].report.published_at
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "baseline": y_of(0),
        "mid_y": y_of(top / 2),
        "top_label": f"{top:,}",
        "mid_label": f"{top / 2:,.0f}" if top % 2 == 0 else f"{top / 2:,.1f}",
        "first_day": _day(first),
        "last_day": _day(last) if last != first else "",
        "points": points,
        "description": "; ".join(p.title for p in points),
    }


def _nearest_reports(claims: list[Claim], claim_id: int) -> tuple[list[Claim], int]:
    """The figure's reports the panel analyses, and how many the figure has.

    At most PANEL_REPORTS_LIMIT: those published nearest this claim (the newest when it is
    undated or not among them). Conflicts are found between every pair of reports of the
    same moment, which is quadratic when a story has hundreds of reports in a day; the
    admin's figure page analyses them all.
    """
    total = len(claims)
    if total <= PANEL_REPORTS_LIMIT:
        return claims, total
    this = next((c for c in claims if c.pk == claim_id), None)
    at = this.article.published_at if this is not None else None
    if at is None:

        def distance(c: Claim) -> tuple[bool, float, int]:
            when = c.article.published_at
            return (when is None, -when.timestamp() if when else 0.0, -c.pk)

    else:

        def distance(c: Claim) -> tuple[bool, float, int]:
            when = c.article.published_at
            return (when is None, abs((when - at).total_seconds()) if when else 0.0, -c.pk)

    nearest = sorted(claims, key=distance)[:PANEL_REPORTS_LIMIT]
    return sorted(nearest, key=lambda c: c.pk), total


def _figure_context(claim: Claim, user: Any) -> dict[str, Any] | None:
    if not claim.figure_id:
        return None
    reads = panel_reads(claim)
    if reads is not None and reads.reports is not None:
        figure, report_claims = claim.figure, reads.reports  # read with the page's claims
    else:
        figure = figure_with_reports(claim.figure_id)
        if figure is None:
            return None
        report_claims = figure.report_claims
    reports, total = _nearest_reports(report_claims, claim.pk)
    analysis = reconcile.analyse_figure(report_for(c) for c in reports)
    by_id = {e.report.claim_id: e for e in analysis.timeline}
    conflicts = []
    for c in analysis.conflicts:
        # One line per value, with who gave it and where: "164 (Health Ministry: Daily Ledger,
        # Northern Courier) vs more than 200 (Democratic Choice: Northern Courier)".
        values: dict[str, dict[str, list[str]]] = {}
        for report in sorted((by_id[i].report for i in c.claim_ids), key=lambda r: r.bounds):
            sources = values.setdefault(report.display, {})
            outlets = sources.setdefault(report.source_name, [])
            if report.outlet_name and report.outlet_name not in outlets:
                outlets.append(report.outlet_name)
        conflicts.append({"start": c.start, "values": values})
    return {
        "figure": figure,
        "total": total,  # reports in the figure; more than the analysis has when capped
        "analysis": analysis,
        "rows": _report_rows(analysis),
        "entry": by_id.get(claim.pk),
        "chart": chart(analysis, current_id=claim.pk),
        "conflicts": conflicts,
        "can_change": bool(user and user.has_perm(CHANGE_FIGURE_PERMISSION)),
        "can_review": bool(user and user.has_perm(REVIEW_PERMISSION)),
    }


@dataclass(frozen=True)
class ReportRow:
    """One line of the panel's reports table, worked out here rather than in the template: a
    figure can have hundreds of reports, and a template tag or filter per cell adds up."""

    claim_id: int
    url: str
    published: str
    value: str
    conflicting: bool
    source: str
    outlet: str
    status: str
    suggested: str  # the suggested status's label when it differs from the status, else ""


def _report_rows(analysis: reconcile.FigureAnalysis) -> list[ReportRow]:
    # The claim URL reversed once and filled in per row: reverse() was most of a row's cost.
    before, after = reverse("claims:claim", args=[0]).rsplit("0", 1)
    rows = []
    for e in analysis.timeline:
        r, suggested = e.report, e.suggestion.status
        rows.append(
            ReportRow(
                claim_id=r.claim_id,
                url=f"{before}{r.claim_id}{after}#claim-sentence",
                published=published_display(r.published_at, r.published_basis),
                value=f"{r.display} (part of a larger count)" if r.part else r.display,
                conflicting=bool(e.conflicts_with),
                source=r.source_name,
                outlet=r.outlet_name or "—",
                status=status_label(r.status),
                suggested=status_label(suggested) if suggested and suggested != r.status else "",
            )
        )
    return rows


def _speaker_context(claim: Claim) -> dict[str, Any] | None:
    if not claim.speaker_id:
        return None
    flags = role_flags_for([claim.speaker_id])
    group = None
    if claim.kind == Claim.Kind.ATTRIBUTION:
        reads = panel_reads(claim)
        groups = speaker_statement_groups(
            claim.speaker_id, claims=reads.statements if reads is not None else None
        )
        group = next((g for g in groups if claim.pk in g.claim_ids), None)
    if not flags and (group is None or len(group.claim_ids) < 2):
        return None
    return {
        "role_flag": flags[0] if flags else None,
        "group": group,
        "others": [i for i in group.claim_ids if i != claim.pk] if group else [],
    }


@register.filter
def status_label(status: str) -> str:
    """ "disputed" -> "Disputed", as the rest of the review UI names statuses."""
    try:
        return Claim.Status(status).label
    except ValueError:
        return status


@register.simple_tag(takes_context=True)
def figure_panel(context: template.Context, claim: Claim) -> SafeString | str:
    """The figure and speaker panel for one claim; empty when there is nothing to show."""
    request = context.get("request")
    user = getattr(request, "user", None)
    figure = _figure_context(claim, user)
    speaker = _speaker_context(claim)
    if figure is None and speaker is None:
        return ""
    return render_to_string(
        "claims/figures/panel.html",
        {"claim": claim, "fig": figure, "speaker": speaker, "request": request},
    )
