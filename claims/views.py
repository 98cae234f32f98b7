"""The review UI: a queue of claims and a page per claim where an editor decides.

Plain server-rendered forms that work without JavaScript; static/claims/review.js only makes
them faster (fetch and swap the page instead of a full reload) and adds keyboard shortcuts.
Every link carries the queue's filters (`QueueFilterForm.querystring`) so "next claim" means
the next claim of the queue the editor is working through.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET, require_POST

from claims import selectors
from claims.forms import DecisionForm, EvidenceForm, QueueFilterForm, SignoffForm
from claims.models import Article, Claim, ClaimMatch, Outlet, StatusChange
from claims.permissions import EVIDENCE_PERMISSION, REVIEW_PERMISSION, VIEW_PERMISSION
from claims.services import (
    ReviewConflict,
    ReviewError,
    claim_confirm,
    claim_return,
    claim_review,
    evidence_add,
)
from claims.services.assignment import claims_assign

PAGE_SIZE = 50
# The queue counts its claims up to this many and then says "10,000+": an exact count of a
# large status costs a scan of all of it on every page view, and past this many the number
# stops helping an editor (a filter does).
COUNT_CAP = 10_000
SENTENCE_ANCHOR = "#claim-sentence"


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_CAP + 1 (see COUNT_CAP)."""

    @cached_property
    def count(self) -> int:
        # Unordered: which rows fall under the cap does not matter, and sorting them would.
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    outlets = list(Outlet.objects.only("id", "name"))
    filters = QueueFilterForm(request.GET, outlets=outlets, user=request.user)
    claims = filters.filter(
        selectors.queue_claims().with_checked_elsewhere()  # the row's "checked elsewhere" mark
    )
    page = CappedPaginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    qs = filters.querystring()
    for claim in page.object_list:
        # Built here once per row rather than with {% url %} twice per row in the template.
        claim.review_url = reverse("claims:claim", args=[claim.pk]) + qs + SENTENCE_ANCHOR
    article_id = filters.values.get("article")
    article = (
        Article.objects.only("id", "title").filter(pk=article_id).first() if article_id else None
    )
    return render(
        request,
        "claims/queue.html",
        {
            "filters": filters,
            "page": page,
            "count_text": (
                f"{COUNT_CAP:,}+ claims"
                if page.paginator.capped
                else f"{page.paginator.count:,} claim{'' if page.paginator.count == 1 else 's'}"
            ),
            "filter_article": article,
            "qs": qs,
            "statuses": _status_legend(),
        },
    )


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_claim(request, pk, QueueFilterForm(request.GET, user=request.user))


@require_POST
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(selectors.claim_for_review(), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim.pk, filters, decision_form=form, status=400)
    data = form.cleaned_data
    try:
        claim_review(
            claim=claim,
            status=data["status"],
            by=request.user,
            note=data["note"],
            evidence=form.evidence(),
            expected_version=data["version"],
        )
    except ReviewConflict as conflict:
        # Keep what this editor typed, but at the current version: submitting again is then a
        # deliberate decision made after reading the colleague's, not a silent overwrite.
        retry = request.POST.copy()
        retry["version"] = str(conflict.claim.version)
        # The page is read afresh, so it shows the colleague's decision.
        return _render_claim(
            request,
            claim.pk,
            filters,
            decision_form=DecisionForm(retry),
            conflict=conflict,
            status=409,
        )
    except ReviewError as error:
        form.add_error(_form_field(error.field, form), error.message)
        return _render_claim(request, claim.pk, filters, decision_form=form, status=400)

    if claim.proposed_status:
        label = Claim.Status(claim.proposed_status).label
        messages.success(
            request, f"Claim #{claim.pk}: {label} proposed; a second editor signs off."
        )
    else:
        messages.success(request, f"Claim #{claim.pk} marked {claim.get_status_display()}.")
    pending = Claim.objects.same_as(claim.pk).pending().filter(proposed_status="").count()
    if pending:
        # Stay on the claim: its page offers to apply the decision to these (see _apply_offer).
        messages.info(
            request,
            f"{pending} matching claim{'s' if pending > 1 else ''} of other articles "
            f"{'are' if pending > 1 else 'is'} still unreviewed: apply this decision to them "
            "below, or go on to the next claim (j).",
        )
        return redirect(_claim_url(claim.pk, filters) + "#apply-offer")
    # The next claim of the queue after this one; past the end, wrap round to the first, since
    # claims earlier in the queue may still be waiting.
    next_pk = selectors.queue_neighbour(filters, claim) or selectors.queue_first_other(
        filters, claim
    )
    if next_pk is None:
        messages.info(request, "That was the last claim in this queue.")
        return redirect(reverse("claims:queue") + filters.querystring())
    return redirect(_claim_url(next_pk, filters) + SENTENCE_ANCHOR)


@require_POST
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def claim_signoff(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or return the verdict a colleague proposed (CLAIMDESK_SIGNOFF=required)."""
    claim = get_object_or_404(selectors.claim_for_review(), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    form = SignoffForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim.pk, filters, signoff_form=form, status=400)
    data = form.cleaned_data
    step = claim_confirm if data["action"] == "confirm" else claim_return
    try:
        step(claim=claim, by=request.user, note=data["note"], expected_version=data["version"])
    except ReviewConflict as conflict:
        return _render_claim(request, claim.pk, filters, conflict=conflict, status=409)
    except ReviewError as error:
        form.add_error("note" if error.field == "note" else None, error.message)
        return _render_claim(request, claim.pk, filters, signoff_form=form, status=400)
    done = "confirmed" if data["action"] == "confirm" else "returned"
    messages.success(request, f"Claim #{claim.pk}: verdict {done}.")
    return redirect(_claim_url(claim.pk, filters) + SENTENCE_ANCHOR)


@require_POST
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def claim_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the claim (hold it yourself) or release it; other editors assign in the admin."""
    claim = get_object_or_404(Claim.objects.only("pk"), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    take = request.POST.get("action") == "take"
    claims_assign(claim_ids=[claim.pk], to=request.user if take else None, by=request.user)
    messages.success(request, f"Claim #{claim.pk} {'is yours' if take else 'released'}.")
    return redirect(_claim_url(claim.pk, filters) + SENTENCE_ANCHOR)


@require_POST
@login_required
@permission_required(EVIDENCE_PERMISSION, raise_exception=True)
def claim_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(selectors.claim_for_review(), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            evidence_add(claim=claim, by=request.user, **form.cleaned_data)
        except ReviewError as error:
            form.add_error("url" if error.field and "url" in error.field else None, error.message)
        else:
            messages.success(request, "Evidence added.")
            return redirect(_claim_url(claim.pk, filters) + "#evidence")
    return _render_claim(request, claim.pk, filters, evidence_form=form, status=400)


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def claim_next(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, backwards=False)


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def claim_previous(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, backwards=True)


def _step(request: HttpRequest, pk: int, *, backwards: bool) -> HttpResponse:
    """j/k: a redirect to the neighbouring claim, so the claim page need not look both up."""
    claim = get_object_or_404(Claim.objects.only("id", "article_id", "start"), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    target = selectors.queue_neighbour(filters, claim, backwards=backwards)
    if target is None:
        messages.info(
            request,
            "This is the first claim in the queue."
            if backwards
            else "This is the last claim in the queue.",
        )
        target = claim.pk
    return redirect(_claim_url(target, filters) + SENTENCE_ANCHOR)


def _claim_url(pk: int, filters: QueueFilterForm) -> str:
    return reverse("claims:claim", args=[pk]) + filters.querystring()


def _form_field(name: str | None, form: DecisionForm) -> str | None:
    """Map a ReviewError's field onto the decision form ("evidence[0].url" -> evidence_url)."""
    if name and name.startswith("evidence"):
        return "evidence_url"
    return name if name in form.fields and name != "version" else None


def _render_claim(
    request: HttpRequest,
    pk: int,
    filters: QueueFilterForm,
    *,
    decision_form: DecisionForm | None = None,
    evidence_form: EvidenceForm | None = None,
    conflict: ReviewConflict | None = None,
    signoff_form: SignoffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # One query for every claim on the page (page_claim), then one each for the history and
    # the evidence; the figure panel reads what is attached to the claim and adds only the
    # speaker's roles. Neighbours for j/k are looked up only when asked (claim_next/previous).
    claim, article_claims = selectors.page_claim(pk)
    qs = filters.querystring()
    for other in article_claims:
        other.review_url = reverse("claims:claim", args=[other.pk]) + qs + SENTENCE_ANCHOR
    history = selectors.claim_history(claim)
    evidence = selectors.claim_evidence(claim)
    can_review = request.user.has_perm(REVIEW_PERMISSION)
    if decision_form is None:
        decision_form = DecisionForm(initial={"version": claim.version})
    if evidence_form is None:
        evidence_form = EvidenceForm()
    # The proposal awaiting sign-off is the history's last entry when there is one (no query).
    proposal = history[-1] if claim.proposed_status and history else None
    if proposal is not None and proposal.kind != StatusChange.Kind.PROPOSAL:
        proposal = None
    if signoff_form is None:
        signoff_form = SignoffForm(initial={"version": claim.version})
    segments, sentence_found = article_segments(claim.article.body, claim, article_claims)
    for match in claim.seen_before:
        match.review_url = reverse("claims:claim", args=[match.pk]) + qs + SENTENCE_ANCHOR
    return render(
        request,
        "claims/claim.html",
        {
            "claim": claim,
            "article": claim.article,
            # Imported URLs are not validated on the way in; link only to the web.
            "article_link": _web_url(claim.article.url),
            "segments": segments,
            "sentence_found": sentence_found,
            "other_claims": [c for c in article_claims if c.pk != claim.pk],
            "history": history,
            "evidence": evidence,
            "can_review": can_review,
            "can_add_evidence": request.user.has_perm(EVIDENCE_PERMISSION),
            "decision_form": decision_form,
            "evidence_form": evidence_form,
            "conflict": conflict,
            "proposal": proposal,
            # Four eyes: the proposer sees the proposal but no buttons to confirm it.
            "can_signoff": can_review
            and proposal is not None
            and proposal.changed_by_id != request.user.pk,
            "signoff_form": signoff_form,
            "signoff_url": reverse("claims:signoff", args=[claim.pk]) + qs,
            "assign_url": reverse("claims:assign", args=[claim.pk]) + qs,
            "filters": filters,
            "qs": qs,
            "statuses": _status_legend(),
            "seen_before": claim.seen_before,
            # Matching runs on a worker after the import: say so rather than show nothing.
            "matching_pending": settings.CLAIMDESK_MATCH_ON_IMPORT
            and claim.article.matched_at is None,
            "apply_offer": _apply_offer(claim) if can_review else None,
            "apply_verdict_url": reverse("claims:apply_verdict", args=[claim.pk]) + qs,
            "apply_to_matches_url": reverse("claims:apply_to_matches", args=[claim.pk]) + qs,
            "decide_url": reverse("claims:decide", args=[claim.pk]) + qs,
            "evidence_url": reverse("claims:evidence_add", args=[claim.pk]) + qs,
            "next_url": reverse("claims:next", args=[claim.pk]) + qs,
            "previous_url": reverse("claims:previous", args=[claim.pk]) + qs,
            "queue_url": reverse("claims:queue") + qs,
        },
        status=status,
    )


@dataclass(frozen=True)
class ApplyOffer:
    """ "Apply to N matching claims": the claim's decision and its unreviewed `same` matches."""

    status: str
    label: str
    targets: list[Claim]


def _apply_offer(claim: Claim) -> ApplyOffer | None:
    decision = claim.proposed_status or claim.status
    targets = _apply_targets(claim.seen_before)
    if decision == Claim.Status.UNREVIEWED or not targets:
        return None
    return ApplyOffer(decision, Claim.Status(decision).label, targets)


def _apply_targets(matches: list[Claim]) -> list[Claim]:
    return [
        m
        for m in matches
        if m.match_relation == ClaimMatch.Relation.SAME
        and m.status == Claim.Status.UNREVIEWED
        and not m.proposed_status
    ]


@dataclass(frozen=True)
class Segment:
    """A run of article text; `claim` is set when the run is a claim's sentence."""

    text: str
    claim: Claim | None = None
    current: bool = False


def article_segments(body: str, claim: Claim, others: list[Claim]) -> tuple[list[Segment], bool]:
    """Split the article body into plain runs and claim sentences, for highlighting.

    The template escapes each run, so untrusted article text is never marked safe. Returns the
    segments and whether the current claim's sentence was found. Spans are checked against the
    text (a re-imported article may have shifted): a span that no longer holds its sentence is
    looked up by the sentence, and other claims overlapping an earlier span are left unmarked.
    """
    spans: list[tuple[int, int, Claim, bool]] = []
    current_span = _locate(body, claim)
    if current_span:
        spans.append((*current_span, claim, True))
    for other in others:
        if other.pk == claim.pk:
            continue
        located = _locate(body, other)
        if located and not any(s < located[1] and located[0] < e for s, e, _, _ in spans):
            spans.append((*located, other, False))
    spans.sort(key=lambda span: span[0])
    segments: list[Segment] = []
    position = 0
    for start, end, span_claim, current in spans:
        if start > position:
            segments.append(Segment(body[position:start]))
        segments.append(Segment(body[start:end], span_claim, current))
        position = end
    if position < len(body):
        segments.append(Segment(body[position:]))
    return segments, current_span is not None


def _locate(body: str, claim: Claim) -> tuple[int, int] | None:
    if claim.sentence and body[claim.start : claim.end] == claim.sentence:
        return claim.start, claim.end
    found = body.find(claim.sentence) if claim.sentence else -1
    if found >= 0:
        return found, found + len(claim.sentence)
    return None


def _web_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _status_legend() -> list[tuple[str, str, str]]:
    return [
        (status.value, status.label, Claim.STATUS_DEFINITIONS[status]) for status in Claim.Status
    ]
