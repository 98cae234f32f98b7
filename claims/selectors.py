"""The reads: the queries behind the review UI's pages, the API and the figure panel.

Every view and endpoint reads claims, articles, figures and changes through a function here (or
a `ClaimQuerySet` method in models.py), so a join, a column list or an index-friendly filter is
changed in one place, and the query counts pinned in tests say what each page costs. Writes live
in claims.services; the services' own reads of rows they are about to change stay with them.

What the figure panel (claims.templatetags.figure_tags) takes from the claim page, instead of
querying, is one documented object: `PanelReads`, attached to the claim by `page_claim`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404

from claims.api.pagination import PageQuerySet
from claims.matching.diff import word_diff
from claims.models import Actor, Article, Claim, ClaimMatch, Evidence, Figure, Outlet, StatusChange
from claims.schema import (
    CLAIM_COLUMNS,
    CLAIM_DETAIL_EXTRA,
    EVIDENCE_COLUMNS,
    HISTORY_COLUMNS,
    STATUS_CHANGE_COLUMNS,
)

if TYPE_CHECKING:  # the queue's filters are a form; only their type is needed here
    from claims.forms import QueueFilterForm

# Statements read for one speaker's panel: the newest this many. A prolific speaker's
# thousandth statement does not need the first to be found as "the same thing said again".
SPEAKER_STATEMENTS_LIMIT = 500


# --- API claim rows: `.values()` shaped by the database ----------------------------------------


class IsoTimestamp(Func):
    """A date-time column as the API writes it ("2026-11-25T03:19:00Z"), formatted by the database.

    Why: turning 300 timestamps per page into `datetime` objects in Python (psycopg's parser and
    Django's time-zone loader) cost more CPU than the rest of the query; the database formats
    them in C. The text is exactly what orjson and DRF write: UTC, a "Z", microseconds only
    when there are any. Other databases get the plain column (a `datetime`, same JSON).
    """

    output_field = TextField()

    def __init__(self, column: str) -> None:
        super().__init__(column, output_field=TextField())

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # No formatting in SQL here: the value stays a `datetime`, written by the renderer.
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return super().as_sql(
            compiler,
            connection,
            template="replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '.000000Z', 'Z')",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # Django stores "2026-11-25 03:19:00[.123456]" (naive UTC, microseconds only when set).
        return super().as_sql(
            compiler,
            connection,
            template="replace(%(expressions)s, ' ', 'T') || 'Z'",
            **extra_context,
        )


# CLAIM_COLUMNS as ClaimSerializer reads them: the date-times already formatted and the hedges
# as JSON text, both done by the database (see IsoTimestamp). `claims.api.claimreview` still reads
# CLAIM_COLUMNS rows, with `datetime` values.
_FORMATTED_COLUMNS = ("status_changed_at", "updated_at", "article__published_at", "hedges")
CLAIM_ROW_FIELDS: tuple[str, ...] = tuple(c for c in CLAIM_COLUMNS if c not in _FORMATTED_COLUMNS)


def claim_rows(queryset: QuerySet, *extra: str) -> QuerySet:
    """The claims of `queryset` as rows for ClaimSerializer (plus `extra` columns)."""
    return queryset.values(
        *CLAIM_ROW_FIELDS,
        *extra,
        status_changed_at_iso=IsoTimestamp("status_changed_at"),
        updated_at_iso=IsoTimestamp("updated_at"),
        published_at_iso=IsoTimestamp("article__published_at"),
        # Decoded by orjson in to_representation: Django's JSONField uses json.loads.
        hedges_json=Cast("hedges", TextField()),
    )


# Built once and cloned per request (as DRF does with a `queryset` attribute): resolving 31
# columns across four tables cost more than the query itself. A PageQuerySet: the unfiltered
# pages' SQL is compiled once (claims.api.pagination).
_CLAIM_LIST_ROWS = claim_rows(PageQuerySet(Claim))


def api_claim_rows() -> QuerySet:
    """GET /api/claims/: one query per page, the claim with its article, outlet and speaker."""
    return _CLAIM_LIST_ROWS.all()


def api_claim_detail_rows() -> QuerySet:
    """GET /api/claims/{id}/: the list's row with the detail's extra columns."""
    return claim_rows(Claim.objects.all(), *CLAIM_DETAIL_EXTRA)


def claim_evidence_rows(claim_id: int) -> list[dict[str, Any]]:
    """A claim's evidence with the adding editor's username (one query)."""
    return list(Evidence.objects.filter(claim_id=claim_id).values(*EVIDENCE_COLUMNS))


def claim_history_rows(claim_id: int) -> list[dict[str, Any]]:
    """A claim's status changes, oldest first, with the editor's username (one query)."""
    return list(
        StatusChange.objects.filter(claim_id=claim_id).order_by("id").values(*HISTORY_COLUMNS)
    )


def article_claim_rows(article_id: int) -> list[dict[str, Any]]:
    """An article's claims in reading order, in one query (the same rows as /api/claims/)."""
    return list(claim_rows(Claim.objects.filter(article_id=article_id).order_by("start", "id")))


def reviewed_claim_rows() -> QuerySet:
    """Reviewed claims as CLAIM_COLUMNS rows (with `datetime`s) plus the latest published
    review's note, for ClaimReview (a correlated subquery on the status change's index)."""
    latest = (
        StatusChange.objects.published()
        .filter(claim_id=OuterRef("pk"))
        .order_by("-id")
        .values("note")
    )
    return (
        Claim.objects.reviewed().values(*CLAIM_COLUMNS).annotate(review_note=Subquery(latest[:1]))
    )


def status_change_rows() -> QuerySet:
    """The change feed: published changes only (proposals and returns are not verdicts)."""
    return StatusChange.objects.published().values(*STATUS_CHANGE_COLUMNS)


def api_articles(*, with_body: bool) -> QuerySet[Article]:
    """Articles with their outlet, credited agencies (one prefetch) and claim count."""
    claim_count = (
        Claim.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    queryset = (
        Article.objects.with_outlet()
        .prefetch_related(Prefetch("credited_agencies", queryset=Outlet.objects.only("id", "name")))
        .annotate(claim_count=Coalesce(Subquery(claim_count), 0))
    )
    # The body can be long; the list does not show it.
    return queryset if with_body else queryset.defer("body")


# --- Figures ------------------------------------------------------------------------------------


class _JoinedNames(Func):
    """Names joined by U+001F (which no imported name contains: records.clean_text strips
    control characters), in no particular order: `_agency_names` sorts them.

    A Func, not an Aggregate, on purpose: inside the subquery it aggregates all the article's
    agencies without Django adding a GROUP BY (the usual idiom for an aggregate subquery).
    """

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, CHR(31))"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="GROUP_CONCAT(%(expressions)s, CHAR(31))", **extra
        )


def with_origin(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Claims annotated with their article's first credited agency (`origin_agency_id`, `_name`)
    and every credited agency's name (`origin_agency_names`, joined: see `_agency_names`).

    What `_origin` needs, in the claims' own query: a prefetch of every article's agencies was a
    second query on each figure read. First by name, as the prefetch (Outlet's ordering) gave.
    """
    # A reprint (Article.reprint_of, found by repeated-claims matching) comes from where the story
    # it repeats came from: however many outlets print one wire story, it is one source.
    story = Coalesce(OuterRef("article__reprint_of_id"), OuterRef("article_id"))
    agencies = Outlet.objects.filter(credited_articles=story).order_by("name")
    names = (
        Outlet.objects.filter(credited_articles=OuterRef("article_id"))
        .order_by()
        .annotate(names=_JoinedNames("name"))
        .values("names")
    )
    return claims.annotate(
        origin_agency_id=Subquery(agencies.values("pk")[:1]),
        origin_agency_name=Subquery(agencies.values("name")[:1]),
        origin_agency_names=Subquery(names[:1]),
        origin_outlet_id=Coalesce("article__reprint_of__outlet_id", "article__outlet_id"),
        origin_outlet_name=Coalesce("article__reprint_of__outlet__name", "article__outlet__name"),
    )


def figure_claims() -> QuerySet[Claim]:
    """Figure claims with everything a Report needs, in one query (agencies annotated)."""
    return with_origin(Claim.objects.figures().current().with_related()).order_by("id")


def figures_with_reports(figures: QuerySet[Figure]) -> QuerySet[Figure]:
    """Figures with their current claims prefetched as `report_claims` (one query each level)."""
    return figures.prefetch_related(
        Prefetch("claims", queryset=figure_claims(), to_attr="report_claims")
    )


def figure_with_reports(figure_id: int) -> Figure | None:
    """One figure with its current claims as `report_claims` (two queries), or None."""
    return figures_with_reports(Figure.objects.filter(pk=figure_id)).first()


def public_figures() -> QuerySet[Figure]:
    """Figures the API shows, with their reports.

    A figure whose every claim left its article's text (a re-import removed them) reports
    nothing any more: clients do not see it. (It stays in the admin for editors.)
    """
    current = Claim.objects.filter(figure=OuterRef("pk"), in_article=True)
    return figures_with_reports(Figure.objects.filter(Exists(current)))


def speaker_statements(actor: Actor | int) -> QuerySet[Claim]:
    """One speaker's current statements, newest first, with what `statement_for` reads."""
    return with_origin(
        Claim.objects.filter(kind=Claim.Kind.ATTRIBUTION, speaker=actor).current().with_related()
    ).order_by("-id")


# --- The review UI -------------------------------------------------------------------------------


def queue_claims() -> QuerySet[Claim]:
    """The queue's rows before its filters: the claim with what a row shows joined in."""
    return Claim.objects.select_related(
        "article", "article__outlet", "speaker", "assigned_to"
    ).defer("article__body", "hedges", "content")


def queue_neighbour(
    filters: QueueFilterForm, claim: Claim, *, backwards: bool = False
) -> int | None:
    """The id of the claim after (or before) `claim` in the filtered queue's order, or None."""
    claims = filters.filter(Claim.objects.all()).filter(filters.after(claim, backwards=backwards))
    if backwards:
        claims = claims.order_by(*filters.reversed_ordering())
    return claims.values_list("pk", flat=True).first()


def queue_first_other(filters: QueueFilterForm, claim: Claim) -> int | None:
    """The id of the filtered queue's first claim other than `claim` (wrapping round)."""
    return filters.filter(Claim.objects.exclude(pk=claim.pk)).values_list("pk", flat=True).first()


def claim_for_review() -> QuerySet[Claim]:
    """Claims as the decide and evidence forms load them (get one by pk)."""
    return Claim.objects.with_related().select_related("status_changed_by")


def claim_history(claim: Claim) -> list[StatusChange]:
    """The claim page's history, oldest first, with each editor (one query)."""
    return list(claim.status_changes.select_related("changed_by").order_by("id"))


def claim_evidence(claim: Claim) -> list[Evidence]:
    """The claim page's evidence with who added it (one query)."""
    return list(claim.evidence.select_related("added_by"))


@dataclass(frozen=True)
class PanelReads:
    """What the figure panel would query, read with the claim page's own claims.

    `page_claim` attaches it to the claim as `claim.panel_reads`; `{% figure_panel claim %}`
    uses it when present and queries for itself otherwise (the same panel either way: tests/
    test_figures_panel.py compares them).
    """

    reports: list[Claim] | None  # the figure's current reports, when the claim has a figure
    statements: list[Claim] | None  # an attribution's speaker's newest statements


def panel_reads(claim: Claim) -> PanelReads | None:
    return getattr(claim, "panel_reads", None)


# What the claim page, the figure panel (reports, statements) and `report_for` read of the
# page's claims' related rows; loading only these is a third of the query's time at a few
# hundred rows. Reading another related field would cost a query per row: the exact query
# counts in tests/test_review_views.py catch that.
PAGE_CLAIM_FIELDS = [
    *(field.name for field in Claim._meta.concrete_fields),
    "article__title",
    "article__url",
    "article__outlet",
    "article__published_at",
    "article__published_basis",
    "article__matched_at",
    "article__outlet__name",
    "speaker__name",
    "speaker__known_role",
    "status_changed_by__username",
    "status_changed_by__first_name",
    "status_changed_by__last_name",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "figure__label",
    "figure__event",
]


class IdIn(Func):
    """`id IN (subquery)` that stays an index condition inside an OR on PostgreSQL.

    There, `id IN (SELECT ...)` as one arm of an OR is checked row by row (a SubPlan filter over
    a scan of every claim); `id = ANY(ARRAY(SELECT ...))` runs the subquery once and probes the
    primary key, so the page's query keeps a bitmap OR of index scans. SQLite: plain IN.
    """

    output_field = BooleanField()

    def __init__(self, subquery: QuerySet) -> None:
        super().__init__(F("id"), Subquery(subquery))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        return super().as_sql(compiler, connection, template="%(expressions)s", arg_joiner=" IN ")

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, subquery = (compiler.compile(e) for e in self.source_expressions)
        return f"{column[0]} = ANY(ARRAY{subquery[0]})", [*column[1], *subquery[1]]


def _page_claims(pk: int) -> list[Claim]:
    """Every claim the claim page shows, in one query: the claim itself (with its article,
    outlet, speaker, last reviewer and figure), its article's other claims, its figure's current
    reports, and, for an attribution, its speaker's newest SPEAKER_STATEMENTS_LIMIT statements.

    The claims it matches (repeated claims, either way round) come too, annotated with the
    match's `match_relation` and `match_score`; rows that are no match have None there.

    Each of these was its own query; together they kept the page over its budget of 8. The
    sets are selected by the claim's own article, figure and speaker (scalar subqueries the
    database runs once) and its matches' ids (`IdIn`), so each branch still uses its index. Reports carry
    their origin (credited agency) as an annotation, and only the page's own row carries the
    article body (`page_body`): the reports' articles are never shown whole.
    """
    page = Claim.objects.filter(pk=pk).order_by()
    matches = ClaimMatch.objects.order_by()
    matched_ids = (
        matches.filter(claim_id=pk)
        .values("earlier_id")
        .union(matches.filter(earlier_id=pk).values("claim_id"), all=True)
    )
    # Each match's relation and score, read from the unique (claim, earlier) index both ways.
    pair = matches.filter(
        Q(claim_id=pk, earlier_id=OuterRef("pk")) | Q(claim_id=OuterRef("pk"), earlier_id=pk)
    ).order_by("-score")
    article_id = Subquery(page.values("article_id"))
    figure_id = Subquery(page.values("figure_id"))
    speaker_id = Subquery(page.filter(kind=Claim.Kind.ATTRIBUTION).values("speaker_id"))
    statements = Claim.objects.current().filter(kind=Claim.Kind.ATTRIBUTION, speaker_id=speaker_id)
    # The id of the speaker's LIMIT-th newest statement; 0 when there are fewer.
    oldest_statement = Coalesce(
        Subquery(
            statements.order_by("-id").values("id")[
                SPEAKER_STATEMENTS_LIMIT - 1 : SPEAKER_STATEMENTS_LIMIT
            ]
        ),
        0,
    )
    return list(
        with_origin(
            Claim.objects.with_related()
            .select_related("status_changed_by", "figure", "assigned_to")
            .filter(
                Q(article_id=article_id)
                | Q(figure_id=figure_id, in_article=True)
                | Q(
                    kind=Claim.Kind.ATTRIBUTION,
                    in_article=True,
                    speaker_id=speaker_id,
                    id__gte=oldest_statement,
                )
                | Q(IdIn(matched_ids))
            )
            .only(*PAGE_CLAIM_FIELDS)
            .annotate(
                page_body=Case(
                    When(pk=pk, then=F("article__body")),
                    default=Value(""),
                    output_field=TextField(),
                ),
                match_relation=Subquery(pair.values("relation")[:1]),
                match_score=Subquery(pair.values("score")[:1]),
            )
            .order_by("id")
        )
    )


def page_claim(pk: int) -> tuple[Claim, list[Claim]]:
    """The claim for its page, and its article's claims in text order, in one query.

    The claim carries `panel_reads` (PanelReads): its figure's current reports and, for an
    attribution, its speaker's newest statements, which the figure panel reads instead of
    querying. Raises Http404.
    """
    rows = _page_claims(pk)
    claim = next((row for row in rows if row.pk == pk), None)
    if claim is None:
        raise Http404("No claim with that id.")
    claim.article.body = claim.page_body
    article_claims = sorted(
        (row for row in rows if row.article_id == claim.article_id),
        key=lambda row: (row.start, row.pk),
    )
    reports = None
    if claim.figure_id:
        reports = [row for row in rows if row.figure_id == claim.figure_id and row.in_article]
    statements = None
    if claim.kind == Claim.Kind.ATTRIBUTION and claim.speaker_id:
        statements = sorted(
            (
                row
                for row in rows
                if row.kind == Claim.Kind.ATTRIBUTION
                and row.speaker_id == claim.speaker_id
                and row.in_article
            ),
            key=lambda row: -row.pk,
        )[:SPEAKER_STATEMENTS_LIMIT]
    claim.panel_reads = PanelReads(reports=reports, statements=statements)
    # "Seen before": the matches, best first, each with the words that differ from this one.
    claim.seen_before = sorted(
        (row for row in rows if row.match_relation and row.pk != pk),
        key=lambda row: (-row.match_score, row.pk),
    )
    for row in claim.seen_before:
        row.diff = word_diff(row.sentence, claim.sentence)
    return claim, article_claims
