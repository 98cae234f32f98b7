"""The public claim page at /claims/<id>/: what a reader of a ClaimReview can open.

No sign-in (unless CLAIMDESK_API_PUBLIC is off, as for the API and the Atom feed). It shows only
what is published: the claim's sentence, its article, and the last confirmed status with the
note and evidence of that decision. Never a proposal awaiting sign-off, an assignment, or an
editor's name: those are the desk's internal state.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from claims.models import Claim, Evidence, StatusChange


def _published_claim(pk: int) -> Claim:
    """The claim, its article and outlet, and the note of its published status: one query."""
    note = (
        StatusChange.objects.published()
        .filter(claim_id=OuterRef("pk"))
        .order_by("-id")
        .values("note")[:1]
    )
    claim = (
        Claim.objects.select_related("article", "article__outlet")
        .only(
            "id",
            "sentence",
            "status",
            "status_changed_at",
            "article__id",
            "article__title",
            "article__url",
            "article__published_at",
            "article__outlet__name",
        )
        .annotate(published_note=Subquery(note))
        .filter(pk=pk)
        .first()
    )
    if claim is None:
        raise Http404("No claim with this id.")
    return claim


def _published_evidence(claim: Claim) -> list[Evidence]:
    """Evidence cited up to the published decision: links attached to a proposal that is still
    awaiting sign-off (or was returned) are newer than it, and stay internal. One query."""
    if claim.status == Claim.Status.UNREVIEWED or claim.status_changed_at is None:
        return []
    return list(
        Evidence.objects.filter(claim_id=claim.pk, created_at__lte=claim.status_changed_at)
        .only("url", "title", "stance", "note")
        .order_by("created_at", "id")
    )


@require_GET
def claim_public(request: HttpRequest, pk: int) -> HttpResponse:
    if not settings.CLAIMDESK_API_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    claim = _published_claim(pk)
    reviewed = claim.status != Claim.Status.UNREVIEWED
    return render(
        request,
        "claims/public_claim.html",
        {
            "claim": claim,
            "reviewed": reviewed,
            "evidence": _published_evidence(claim),
            "definition": Claim.STATUS_DEFINITIONS[Claim.Status(claim.status)],
            "publisher": settings.CLAIMDESK_PUBLISHER_NAME,
        },
    )
