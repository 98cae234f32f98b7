"""Figures: numeric claims that measure the same thing, grouped across articles.

Writes: `figures_refresh_for_article` (called by the import inside each article's transaction),
and the editor operations `figure_merge`, `figure_split`, `figure_rename`,
`claim_move_to_figure` and `figure_accept_suggestions` (which changes statuses only through
`claims.services.claim_review`). The rules themselves live in `claims.reconcile`, as pure
functions; this module turns rows into records and writes the result.

Reads used by the admin, the API and the figure panel: `figure_analysis`,
`speaker_statement_groups`, `role_flags_for`. They compute at read time from the claims, so a
review, a move or a re-import is reflected at once and nothing derived is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.utils import timezone

from claims import reconcile
from claims.importers import dates
from claims.models import Actor, Article, Claim, Figure
from claims.selectors import (  # the reads this module's writes and analyses start from
    SPEAKER_STATEMENTS_LIMIT,
    figure_claims,
    figures_with_reports,
    speaker_statements,
)

# Key for `pg_advisory_xact_lock` around grouping ("CDFG": Claim Desk FiGures). Two import
# workers grouping reports of the same new event at once would each create the figure; the lock
# makes the second see the first's. SQLite already runs one writer at a time.
FIGURE_GROUPING_LOCK_KEY = 0x43444647
LABEL_MAX = Figure._meta.get_field("label").max_length
EVENT_MAX = Figure._meta.get_field("event").max_length

# Statements read for one speaker's panel: the newest this many. A prolific speaker's
# thousandth statement does not need the first to be found as "the same thing said again".


# An undated article's reports are compared with at most this many of the latest figures.
UNDATED_CANDIDATES = 100


class FigureError(Exception):
    """An editor operation that cannot be applied as asked; the message says why."""


# ---------------------------------------------------------------------------------------------
# Rows to records
# ---------------------------------------------------------------------------------------------


def _agency_names(claim: Claim) -> str:
    """ "Agence France-Presse, Reuters, The Associated Press": every agency the article's credit
    line names, by name (an outlet column showing only the first hid the other two)."""
    joined = getattr(claim, "origin_agency_names", None) or ""
    return ", ".join(sorted(filter(None, joined.split("\x1f"))))


def _origin(claim: Claim) -> tuple[str, str]:
    """(key, name) of the outlet a report comes from: the credited agency for agency copy.

    Reads the `with_origin` annotation; a claim without it costs a query for its agencies.
    """
    article = claim.article
    if hasattr(claim, "origin_agency_id"):
        if claim.origin_agency_id is not None:
            return f"{claim.origin_agency_id}", claim.origin_agency_name
        if claim.origin_outlet_id is not None:
            return f"{claim.origin_outlet_id}", claim.origin_outlet_name
        return "", ""
    if article.reprint_of_id:
        article = article.reprint_of
    if agencies := list(article.credited_agencies.all()):
        return f"{agencies[0].pk}", agencies[0].name
    if article.outlet_id:
        return f"{article.outlet_id}", article.outlet.name
    return "", ""


def speaker_key(claim: Claim) -> str:
    return speaker_key_of(claim.speaker_id, claim.speaker_text)


def speaker_key_of(speaker_id: int | None, speaker_text: str) -> str:
    """Who said it, as one key: "actor:12", "text:interior ministry", or "" when unattributed."""
    if speaker_id:
        return f"actor:{speaker_id}"
    text = " ".join(speaker_text.lower().split()).removeprefix("the ")
    return f"text:{text}" if text else ""


def report_for(claim: Claim, *, place: str = "") -> reconcile.Report:
    article = claim.article
    origin_key, origin_name = _origin(claim)
    return reconcile.Report(
        claim_id=claim.pk,
        kind=claim.kind,
        outcome=claim.outcome,
        value_low=claim.value_low if claim.value_low is not None else 0,
        value_high=claim.value_high,
        qualifier=claim.qualifier or Claim.Qualifier.EXACT,
        subject=claim.subject,
        published_at=article.published_at,
        published_basis=article.published_basis,
        speaker_key=speaker_key(claim),
        speaker_name=claim.speaker.name if claim.speaker_id else claim.speaker_text,
        outlet_key=origin_key,
        outlet_name=article.outlet.name
        if article.outlet_id
        else _agency_names(claim) or origin_name,
        article_id=article.pk,
        article_title=article.title,
        status=claim.status,
        place=place,
        part=reconcile.is_part(claim.sentence, claim.value_low or 0),
        value_for=value_for(claim.sentence, article.published_at),
    )


def value_for(sentence: str, published_at: datetime | None) -> datetime | None:
    """The moment a report's value is for, when its sentence names an earlier day."""
    if published_at is None:
        return None
    day = dates.day_in_sentence(sentence, published=published_at.date())
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def figure_analysis(figure: Figure) -> reconcile.FigureAnalysis:
    """The figure's timeline, extremes, corroborations, conflicts and suggestions.

    Uses `figure.report_claims` when the figure came from `figures_with_reports` (no query);
    otherwise one query.
    """
    claims = getattr(figure, "report_claims", None)
    if claims is None:
        claims = list(figure_claims().filter(figure=figure))
    return reconcile.analyse_figure(report_for(c) for c in claims)


# ---------------------------------------------------------------------------------------------
# Grouping on import
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRefreshResult:
    assigned: int = 0  # claims put into existing figures
    created: int = 0  # figures created


def figures_refresh_for_article(*, article: Article) -> FigureRefreshResult:
    """Assign the article's ungrouped figure claims to figures, creating figures as needed.

    Only claims without a figure are grouped: a claim an editor moved stays where it was put,
    and re-importing an article regroups nothing. At most seven queries, however many claims and
    figures: the ungrouped claims; the lock (PostgreSQL); candidate figures; new figures; the
    claims' figure; the touched figures' dates; whether anyone subscribed to `figure.conflict`
    (two more when someone did: see `_conflicts_announce`).
    """
    with transaction.atomic(savepoint=False):
        claims = _ungrouped_figure_claims(article)
        if not claims:
            return FigureRefreshResult()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FIGURE_GROUPING_LOCK_KEY])

        reports = [_grouping_report(claim, article) for claim in claims]
        figures = _candidate_figures(article, reports)
        grouping = reconcile.group_reports(
            reports,
            [
                reconcile.FigureRecord(
                    f.pk, f.kind, f.outcome, f.subject_kind, f.place, f.date_start, f.date_end
                )
                for f in figures.values()
            ],
        )

        now = timezone.now()
        created = _figures_create(grouping.new)
        figure_of = dict(grouping.assigned)
        for new, figure in zip(grouping.new, created, strict=True):
            figure_of.update(dict.fromkeys(new.claim_ids, figure.pk))
        _claims_assign(figure_of, now=now)
        touched = [figures[pk] for pk in set(grouping.assigned.values())]
        _figures_stretch(touched, grouping.extended, now=now)
        _conflicts_announce(figure_ids=set(figure_of.values()), claim_ids=set(figure_of))
        return FigureRefreshResult(assigned=len(grouping.assigned), created=len(created))


def _ungrouped_figure_claims(article: Article) -> list[Claim]:
    """The article's current figure claims not in a figure yet, with the fields grouping reads."""
    return list(
        article.claims.figures()
        .current()
        .filter(figure__isnull=True)
        .only(
            "id",
            "kind",
            "outcome",
            "subject",
            "sentence",
            "value_low",
            "value_high",
            "qualifier",
            "speaker_id",
            "speaker_text",
            "article_id",
        )
    )


def _grouping_report(claim: Claim, article: Article) -> reconcile.Report:
    """The claim as grouping sees it: what it measures, when, and where (derived from the text)."""
    place = reconcile.derive_place(sentence=claim.sentence, title=article.title, body=article.body)
    return reconcile.Report(
        claim_id=claim.pk,
        kind=claim.kind,
        outcome=claim.outcome,
        value_low=claim.value_low or 0,
        value_high=claim.value_high,
        qualifier=claim.qualifier,
        subject=claim.subject,
        published_at=article.published_at,
        place=place,
    )


def _candidate_figures(article: Article, reports: Sequence[reconcile.Report]) -> dict[int, Figure]:
    """The stored figures these reports could join, by id: same measure and place, near in time."""
    window = timedelta(days=reconcile.WINDOW_DAYS)
    day = article.published_at.date() if article.published_at else None
    # The lookup index is (kind, outcome, place): all three are filtered.
    candidates = Figure.objects.filter(
        kind__in={r.kind for r in reports},
        outcome__in={reconcile.measure_outcome(r.kind, r.outcome) for r in reports},
        place__in={r.place for r in reports},
    ).order_by()
    if day is not None:
        # Figures whose dates come within the window of this article's day (or undated).
        # Clamped: a date at the calendar's end ("9999-12-31") has no day after it.
        latest = min(day, date.max - window) + window
        earliest = max(day, date.min + window) - window
        candidates = candidates.filter(
            Q(date_start__isnull=True) | Q(date_start__lte=latest, date_end__gte=earliest)
        )
    else:
        # An undated article joins the most recent matching figures; years of them need
        # not all be read.
        candidates = candidates.order_by("-date_end", "-id")[:UNDATED_CANDIDATES]
    return {f.pk: f for f in candidates}


def _figures_create(new: Sequence[reconcile.NewFigure]) -> list[Figure]:
    """Create the new figures grouping asks for, in one INSERT."""
    return Figure.objects.bulk_create(
        [
            Figure(
                label=figure.label[:LABEL_MAX],
                kind=figure.kind,
                outcome=figure.outcome,
                subject_kind=figure.subject_kind[:100],
                place=figure.place[:200],
                date_start=figure.date_start,
                date_end=figure.date_end,
            )
            for figure in new
        ]
    )


def _claims_assign(figure_of: Mapping[int, int], *, now: datetime) -> None:
    """Put each claim (by id) into its figure (by id)."""
    # One UPDATE with a CASE per figure (not per claim, as bulk_update would build): an
    # article's claims go to a handful of figures.
    members: dict[int, list[int]] = {}
    for claim_id, figure_id in figure_of.items():
        members.setdefault(figure_id, []).append(claim_id)
    Claim.objects.filter(pk__in=figure_of).update(
        figure_id=Case(*(When(pk__in=ids, then=Value(fid)) for fid, ids in members.items())),
        updated_at=now,
    )


def _figures_stretch(
    touched: Sequence[Figure],
    extended: Mapping[int, tuple[date | None, date | None]],
    *,
    now: datetime,
) -> None:
    """Save the stored figures that took reports, with new dates (and label) where they grew."""
    for figure in touched:
        if figure.pk in extended:
            figure.date_start, figure.date_end = extended[figure.pk]
            if not figure.edited_by_editor:
                # An automatic label names the first day; an editor's label is theirs.
                figure.label = reconcile.figure_label(
                    subject=figure.subject_kind,
                    outcome=figure.outcome,
                    place=figure.place,
                    day=figure.date_start,
                )[:LABEL_MAX]
        figure.updated_at = now
    if touched:
        Figure.objects.bulk_update(touched, ["date_start", "date_end", "label", "updated_at"])


def _conflicts_announce(*, figure_ids: set[int], claim_ids: set[int]) -> None:
    """Emit `figure.conflict` for each conflict these just-grouped claims brought into a figure.

    A conflict is a figure and two reports that cannot both be true (the pairs behind
    `reconcile.analyse_figure`'s conflicts; whether two reports conflict depends on those two
    alone). The claims had no figure until this refresh, so every pair with one of them is new,
    and a pair of older reports was announced when the later one joined: a refresh that groups
    nothing announces nothing. One query without a subscription to the event, three with one
    (subscriptions, figures, their reports).
    """
    from claims.services import webhooks  # webhooks imports nothing from here; no cycle

    if not figure_ids or not webhooks.event_wanted(webhooks.Event.FIGURE_CONFLICT):
        return
    for figure in figures_with_reports(Figure.objects.filter(pk__in=figure_ids).order_by("id")):
        analysis = figure_analysis(figure)
        report_of = {e.report.claim_id: e.report for e in analysis.timeline}
        announced: set[frozenset[int]] = set()
        for entry in analysis.timeline:
            if entry.report.claim_id not in claim_ids:
                continue
            for other_id in entry.conflicts_with:
                pair = frozenset((entry.report.claim_id, other_id))
                if pair in announced:
                    continue
                announced.add(pair)
                first, second = sorted((entry.report, report_of[other_id]), key=_in_time_order)
                webhooks.figure_conflict(
                    figure_id=figure.pk,
                    label=figure.label,
                    reports=(first, second),
                    claim_id=max(pair & claim_ids),
                )


def _in_time_order(report: reconcile.Report) -> tuple:
    return (report.published_at is None, report.published_at, report.claim_id)


# ---------------------------------------------------------------------------------------------
# Editor operations
# ---------------------------------------------------------------------------------------------


def _refit_dates(figures: Iterable[Figure]) -> list[Figure]:
    """Set each figure's dates from its claims' articles; delete figures left with no claims.

    Returns the figures that remain. Two queries: the dates, the deletion.
    """
    figures = list(figures)
    spans = {
        row["figure"]: row
        for row in Claim.objects.filter(figure__in=figures)
        .values("figure")
        .annotate(
            n=Count("id"),
            first=Min("article__published_at"),
            last=Max("article__published_at"),
        )
    }
    empty = [f.pk for f in figures if f.pk not in spans]
    if empty:
        Figure.objects.filter(pk__in=empty).delete()
    kept = []
    now = timezone.now()
    for figure in figures:
        span = spans.get(figure.pk)
        if span is None:
            continue
        figure.date_start = span["first"].date() if span["first"] else None
        figure.date_end = span["last"].date() if span["last"] else None
        figure.updated_at = now
        kept.append(figure)
    return kept


def _locked(figures: Iterable[Figure | int]) -> list[Figure]:
    ids = [f.pk if isinstance(f, Figure) else int(f) for f in figures]
    # Row locks (PostgreSQL) so two editors merging the same figures cannot interleave.
    return list(Figure.objects.select_for_update().filter(pk__in=ids).order_by("id"))


def _lock_one(figure: Figure) -> Figure:
    locked = _locked([figure])
    if not locked:
        raise FigureError(f"Figure {figure.pk} no longer exists.")
    return locked[0]


def _clean_label(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise FigureError("A figure needs a label.")
    if len(label) > LABEL_MAX:
        raise FigureError(
            f"A label can be at most {LABEL_MAX} characters; this one has {len(label)}."
        )
    return label


@transaction.atomic
def figure_merge(
    *, figures: Sequence[Figure | int], into: Figure | int | None = None, label: str = ""
) -> Figure:
    """Move every claim of `figures` into one of them (`into`, else the oldest); delete the rest."""
    locked = _locked(list(figures) + ([into] if into is not None else []))
    if len(locked) < 2:
        raise FigureError("Choose at least two figures to merge.")
    measures = {(f.kind, f.outcome) for f in locked}
    if len(measures) > 1:
        raise FigureError(
            "Only figures that count the same outcome can be merged; these count "
            + ", ".join(sorted(f"{k} ({o})" for k, o in measures))
            + "."
        )
    into_id = into.pk if isinstance(into, Figure) else into
    target = next((f for f in locked if f.pk == into_id), locked[0])
    others = [f.pk for f in locked if f.pk != target.pk]
    Claim.objects.filter(figure__in=others).update(figure=target, updated_at=timezone.now())
    Figure.objects.filter(pk__in=others).delete()
    if label:
        target.label = _clean_label(label)
    target.edited_by_editor = True
    _refit_dates([target])
    target.save()
    return target


@transaction.atomic
def figure_split(*, figure: Figure, claims: Iterable[Claim | int], label: str = "") -> Figure:
    """Move `claims` out of `figure` into a new figure measuring the same thing; return it."""
    figure = _lock_one(figure)
    ids = {c.pk if isinstance(c, Claim) else int(c) for c in claims}
    if not ids:
        raise FigureError("Choose the claims to split off.")
    members = set(figure.claims.values_list("id", flat=True))
    strangers = sorted(ids - members)
    if strangers:
        raise FigureError(f"Claims {strangers} are not in figure “{figure.label}”.")
    if ids == members:
        raise FigureError(
            "Splitting off every claim would leave the figure empty; rename it instead."
        )
    new = Figure.objects.create(
        label=_clean_label(label or f"{figure.label} (split)"[:LABEL_MAX]),
        kind=figure.kind,
        outcome=figure.outcome,
        subject_kind=figure.subject_kind,
        place=figure.place,
        edited_by_editor=True,
    )
    Claim.objects.filter(pk__in=ids).update(figure=new, updated_at=timezone.now())
    figure.edited_by_editor = True
    for f in _refit_dates([figure, new]):
        f.save()
    return new


@transaction.atomic
def figure_rename(*, figure: Figure, label: str, event: str | None = None) -> Figure:
    """Give the figure an editor's label (and event name); automatic grouping keeps them."""
    figure.label = _clean_label(label)
    if event is not None:
        event = " ".join(event.split())
        if len(event) > EVENT_MAX:
            raise FigureError(f"An event name can be at most {EVENT_MAX} characters.")
        figure.event = event
    figure.edited_by_editor = True
    figure.save(update_fields=["label", "event", "edited_by_editor", "updated_at"])
    return figure


@transaction.atomic
def claim_move_to_figure(*, claims: Iterable[Claim | int], figure: Figure) -> int:
    """Move claims into `figure`; figures they leave empty are deleted. Returns how many moved."""
    figure = _lock_one(figure)
    ids = {c.pk if isinstance(c, Claim) else int(c) for c in claims}
    rows = list(Claim.objects.filter(pk__in=ids).only("id", "kind", "outcome", "figure_id"))
    missing = sorted(ids - {c.pk for c in rows})
    if missing:
        raise FigureError(f"Claims {missing} do not exist.")
    for claim in rows:
        if claim.kind != figure.kind or (
            reconcile.measure_outcome(claim.kind, claim.outcome) != figure.outcome
        ):
            raise FigureError(
                f"Claim {claim.pk} counts {claim.get_kind_display().lower()} "
                f"({claim.outcome or 'no outcome'}); figure “{figure.label}” counts "
                f"{figure.get_kind_display().lower()} ({figure.outcome})."
            )
    sources = {c.figure_id for c in rows if c.figure_id and c.figure_id != figure.pk}
    Claim.objects.filter(pk__in=ids).update(figure=figure, updated_at=timezone.now())
    figure.edited_by_editor = True
    touched = [*_locked(sources), figure]
    for f in _refit_dates(touched):
        if f.pk in sources:
            f.edited_by_editor = True
        f.save()
    return len(rows)


@dataclass
class AcceptResult:
    changed: list[Claim] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (claim id, why)


@transaction.atomic
def figure_accept_suggestions(
    *,
    figure: Figure,
    by: AbstractBaseUser,
    claim_ids: Iterable[int] | None = None,
    expected: Mapping[int, str] | None = None,
) -> AcceptResult:
    """Apply the figure's suggested statuses to its unreviewed claims, through `claim_review`.

    A claim an editor already decided keeps that decision: a suggestion never overrides one.
    All or nothing: if `claim_review` refuses one claim (permission, a colleague's concurrent
    decision), nothing is changed and its error propagates.

    `expected` maps claim ids to the suggestion the editor was shown: a claim whose suggestion
    has changed since (a new report arrived) is skipped rather than given a status the editor
    never saw. It also limits the claims, like `claim_ids`.
    """
    from claims.services import claim_review  # the review service owns every status change

    wanted = None if claim_ids is None else set(claim_ids)
    if expected is not None:
        wanted = set(expected) if wanted is None else wanted & set(expected)
    claims = {c.pk: c for c in figure_claims().filter(figure=figure)}
    analysis = reconcile.analyse_figure(report_for(c) for c in claims.values())
    result = AcceptResult()
    for entry in analysis.timeline:
        claim = claims[entry.report.claim_id]
        if wanted is not None and claim.pk not in wanted:
            continue
        suggestion = entry.suggestion
        if suggestion.status is None:
            result.skipped.append((claim.pk, "no suggestion"))
        elif expected is not None and expected.get(claim.pk) != suggestion.status:
            result.skipped.append(
                (claim.pk, f"the suggestion changed to {suggestion.status} since it was shown")
            )
        elif claim.status != Claim.Status.UNREVIEWED:
            result.skipped.append((claim.pk, f"already reviewed ({claim.get_status_display()})"))
        else:
            result.changed.append(
                claim_review(
                    claim=claim,
                    status=suggestion.status,
                    by=by,
                    note=f"Suggested by figure “{figure.label}”: {suggestion.reason}",
                    expected_version=claim.version,
                )
            )
    return result


# ---------------------------------------------------------------------------------------------
# Attributions: statements and roles
# ---------------------------------------------------------------------------------------------


def statement_for(claim: Claim) -> reconcile.Statement:
    origin_key, _ = _origin(claim)
    return reconcile.Statement(
        claim_id=claim.pk,
        speaker_key=speaker_key(claim),
        speaker_name=claim.speaker.name if claim.speaker_id else claim.speaker_text,
        content=claim.content or claim.sentence,
        article_id=claim.article_id,
        outlet_key=origin_key,
        outlet_name=claim.article.outlet.name if claim.article.outlet_id else "",
        published_at=claim.article.published_at,
        direct=claim.direct,
    )


def speaker_statement_groups(
    actor: Actor | int, *, claims: Iterable[Claim] | None = None
) -> list[reconcile.StatementGroup]:
    """One speaker's statements grouped by what they say.

    One query, or none when `claims` (the newest SPEAKER_STATEMENTS_LIMIT of
    `speaker_statements(actor)`) were already read with the rest of a page.
    """
    if claims is None:
        claims = speaker_statements(actor)[:SPEAKER_STATEMENTS_LIMIT]
    return reconcile.group_statements(statement_for(c) for c in claims)


def role_flags_for(actors: Iterable[Actor | int] | None = None) -> list[reconcile.RoleFlag]:
    """Role-consistency flags, for the given actors or for all. One grouped query."""
    return reconcile.role_flags(_role_uses(actors))


def role_checks_for(actors: Iterable[Actor | int]) -> dict[int, dict[str, Any]]:
    """Each actor's role check for API clients: the roles articles gave them, with the
    articles; the known role; whether the roles can all be right, and if not, why.

    Actors no article gave a role are left out. Two queries whatever the number of actors: the
    grouped role uses, and the articles behind them.
    """
    ids = [a.pk if isinstance(a, Actor) else int(a) for a in actors]
    if not ids:
        return {}
    uses = _role_uses(ids)
    if not uses:
        return {}
    flags = {f.actor_id: f for f in reconcile.role_flags(uses)}
    articles: dict[tuple[int, str], dict[int, str]] = {}
    rows = (
        Claim.objects.filter(speaker__in=ids)
        .exclude(speaker_role="")
        .values_list("speaker_id", "speaker_role", "article_id", "article__title")
        .order_by("article_id")
        .distinct()
    )
    for actor_id, role, article_id, title in rows:
        articles.setdefault((actor_id, role), {})[article_id] = title
    checks: dict[int, dict[str, Any]] = {}
    for use in uses:
        flag = flags.get(use.actor_id)
        check = checks.setdefault(
            use.actor_id,
            {
                "known_role": use.known_role,
                "consistent": flag is None,
                "reason": flag.reason if flag else "",
                "roles": [],
            },
        )
        check["roles"].append(
            {
                "role": use.role,
                "claims": use.count,
                "conflicting": bool(flag) and use.role.strip() in flag.conflicting,
                "articles": [
                    {"id": i, "title": t}
                    for i, t in articles.get((use.actor_id, use.role), {}).items()
                ],
            }
        )
    for check in checks.values():
        check["roles"].sort(key=lambda r: (-r["claims"], r["role"]))
    return checks


def _role_uses(actors: Iterable[Actor | int] | None) -> list[reconcile.RoleUse]:
    rows = (
        Claim.objects.filter(speaker__isnull=False)
        .exclude(speaker_role="")
        .values("speaker_id", "speaker__name", "speaker__known_role", "speaker_role")
        .annotate(n=Count("id"), example=Min("id"))
        .order_by()
    )
    if actors is not None:
        rows = rows.filter(speaker__in=[a.pk if isinstance(a, Actor) else a for a in actors])
    return [
        reconcile.RoleUse(
            actor_id=row["speaker_id"],
            actor_name=row["speaker__name"],
            known_role=row["speaker__known_role"],
            role=row["speaker_role"],
            count=row["n"],
            example_claim_id=row["example"],
        )
        for row in rows
    ]
