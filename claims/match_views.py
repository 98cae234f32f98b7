"""The review UI's repeated-claims actions: "Apply this verdict" and "Apply to N matching claims".

The claim page shows them ("Seen before", read with the page's claims in `claims.views`); these
views take the two POSTs, call claims.services.match_review and go back to the claim page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from claims import selectors
from claims.forms import ApplyToMatchesForm, ApplyVerdictForm, QueueFilterForm
from claims.models import Claim
from claims.permissions import REVIEW_PERMISSION
from claims.services import ReviewConflict, ReviewError
from claims.services.match_review import (
    MatchesApplied,
    claim_apply_verdict,
    claim_review_apply_to_matches,
)
from claims.views import SENTENCE_ANCHOR, _claim_url, _render_claim


@require_POST
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def apply_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Apply this verdict": review the claim with a matching claim's verdict and evidence."""
    claim = get_object_or_404(Claim.objects.only("pk", "version"), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    form = ApplyVerdictForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That verdict could not be applied: reload the page and retry.")
        return redirect(_claim_url(claim.pk, filters) + "#seen-before")
    data = form.cleaned_data
    try:
        claim_apply_verdict(
            claim=claim, source_id=data["source"], by=request.user, expected_version=data["version"]
        )
    except ReviewConflict as conflict:
        return _render_claim(request, claim.pk, filters, conflict=conflict, status=409)
    except ReviewError as error:
        messages.error(request, error.message)
        return redirect(_claim_url(claim.pk, filters) + "#seen-before")
    done = "proposed" if claim.proposed_status else "applied"
    label = Claim.Status(claim.proposed_status or claim.status).label
    messages.success(request, f"Claim #{claim.pk}: {label} {done} from claim #{data['source']}.")
    return redirect(_claim_url(claim.pk, filters) + SENTENCE_ANCHOR)


@require_POST
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def apply_to_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Apply to N matching claims": the claim's decision to the matches the editor saw."""
    claim = get_object_or_404(selectors.claim_for_review(), pk=pk)
    filters = QueueFilterForm(request.GET, user=request.user)
    back = redirect(_claim_url(claim.pk, filters) + "#seen-before")
    form = ApplyToMatchesForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Reload the page and retry.")
        return back
    decision = claim.proposed_status or claim.status
    if form.cleaned_data["version"] != claim.version or decision == Claim.Status.UNREVIEWED:
        messages.error(
            request,
            f"Claim #{claim.pk} changed since you opened it; nothing was applied. Read its "
            "decision again below.",
        )
        return back
    last = claim.status_changes.order_by("-id").values_list("note", flat=True).first()
    result = claim_review_apply_to_matches(
        claim=claim,
        status=decision,
        by=request.user,
        note=last or "",
        versions=form.cleaned_data["versions"],
    )
    _report_applied(request, result)
    return back


def _report_applied(request: HttpRequest, result: MatchesApplied) -> None:
    if result.applied:
        ids = ", ".join(f"#{pk}" for pk in result.applied)
        n = len(result.applied)
        messages.success(request, f"Applied to {n} matching claim{'s' if n > 1 else ''}: {ids}.")
    if result.skipped:
        why = "; ".join(f"#{s.id} {s.reason}" for s in result.skipped)
        messages.warning(request, f"Skipped {len(result.skipped)}: {why}.")
