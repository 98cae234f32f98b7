"""Reviews that reuse a decision across repeated claims: each one a normal `claim_review`.

Two ways, both on the audit trail like any review (one StatusChange row per claim, with a note
naming where the decision came from; under CLAIMDESK_SIGNOFF=required each is a proposal):

- `claim_review_apply_to_matches`: after an editor decided on a claim, give the same decision to
  its unreviewed `same` matches (reprints, the same quote, the same figure from the same source).
  Each is reviewed on its own; the ones that cannot be are skipped with the reason, never forced.
- `claim_apply_verdict`: review a claim with the verdict a matching claim already has (its
  published status and its evidence), from the claim page's "Apply this verdict".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim, ClaimMatch, StatusChange
from claims.services.review import (
    REVIEW_PERMISSION,
    NewEvidence,
    ReviewConflict,
    ReviewError,
    claim_review,
)

SKIP_REVIEWED = "already reviewed"
SKIP_PROPOSED = "a proposal is pending"
SKIP_STALE = "changed meanwhile"
SKIP_FORBIDDEN = "not permitted"
SKIP_NOT_SAME = "not a same match"


@dataclass(frozen=True)
class Skipped:
    id: int
    reason: str


@dataclass(frozen=True)
class MatchesApplied:
    applied: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def claim_review_apply_to_matches(
    *,
    claim: Claim,
    status: str,
    by: AbstractBaseUser,
    note: str = "",
    versions: Mapping[int, int] | None = None,
) -> MatchesApplied:
    """Review each unreviewed `same` match of `claim` with `status`, as `by` just did `claim`.

    Each match gets its own `claim_review` (its own transaction and audit row) with `claim`'s
    evidence and a note naming it. `versions` ({claim id: version}) are the matches as the editor
    saw them: only those are reviewed, and one that changed since is skipped. Without it (the
    API), every `same` match is a candidate, checked against the version read here.
    """
    source = Claim.objects.with_related().get(pk=claim.pk)
    targets = list(Claim.objects.same_as(claim.pk).order_by("id"))
    result = MatchesApplied()
    if versions is not None:
        known = {t.pk for t in targets}
        result.skipped.extend(Skipped(pk, SKIP_NOT_SAME) for pk in versions if pk not in known)
        targets = [t for t in targets if t.pk in versions]
    label = Claim.Status(status).label if status in Claim.Status.values else status
    text = f"Same claim as #{source.pk} ({origin(source)}), reviewed {label}"
    text += f": {note.strip()}" if note.strip() else "."
    evidence = _evidence_of(source)
    for target in targets:
        seen = versions[target.pk] if versions is not None else target.version
        reason = _skip_reason(target, seen, by)
        if reason is None:
            reason = _review_one(target, status, by, text, evidence, seen)
        if reason is None:
            result.applied.append(target.pk)
        else:
            result.skipped.append(Skipped(target.pk, reason))
    return result


def _skip_reason(target: Claim, seen_version: int, by: AbstractBaseUser) -> str | None:
    if not by.has_perm(REVIEW_PERMISSION):
        return SKIP_FORBIDDEN
    if target.status != Claim.Status.UNREVIEWED:
        return SKIP_REVIEWED
    if target.proposed_status:
        return SKIP_PROPOSED
    if target.version != seen_version:
        return SKIP_STALE
    return None


def _review_one(
    target: Claim,
    status: str,
    by: AbstractBaseUser,
    note: str,
    evidence: list[NewEvidence],
    version: int,
) -> str | None:
    """Review one match; the reason it was skipped, or None once reviewed."""
    try:
        claim_review(
            claim=target,
            status=status,
            by=by,
            note=note,
            evidence=evidence,
            expected_version=version,
        )
    except PermissionDenied:
        return SKIP_FORBIDDEN
    except ReviewConflict:
        # Someone decided on it between our read and our write (the row lock told us).
        return SKIP_STALE
    except ReviewError as error:
        return error.message
    return None


def claim_apply_verdict(
    *,
    claim: Claim,
    source_id: int,
    by: AbstractBaseUser,
    expected_version: int | None = None,
) -> Claim:
    """Review `claim` with the published verdict of claim `source_id`, one of its matches.

    Copies the source's status and evidence, with the note "Verdict applied from claim #12
    (Outlet, date): <its note>". Raises PermissionDenied, ReviewError (`field="from"`: not a
    match, no verdict) or ReviewConflict (`claim` changed since `expected_version`).
    """
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("You do not have permission to review claims.")
    matched = ClaimMatch.objects.involving(claim.pk).filter(
        Q(claim_id=source_id) | Q(earlier_id=source_id)
    )
    source = Claim.objects.with_related().filter(pk=source_id).first()
    if source is None or source.pk == claim.pk or not matched.exists():
        raise ReviewError(f"Claim #{source_id} is not a match of this claim.", field="from")
    if source.status == Claim.Status.UNREVIEWED:
        raise ReviewError(f"Claim #{source_id} has no verdict to apply yet.", field="from")
    latest = (
        StatusChange.objects.published().filter(claim=source).order_by("-id").values("note").first()
    )
    source_note = (latest or {}).get("note", "")
    note = f"Verdict applied from claim #{source.pk} ({origin(source)})"
    note += f": {source_note}" if source_note else "."
    return claim_review(
        claim=claim,
        status=source.status,
        by=by,
        note=note,
        evidence=_evidence_of(source),
        expected_version=expected_version,
    )


def origin(claim: Claim) -> str:
    """ "Daily Ledger, 3 Dec 2026": where and when the claim was published (or imported)."""
    article = claim.article
    outlet = article.outlet.name if article.outlet_id else "no outlet"
    moment = article.published_at or article.imported_at
    return f"{outlet}, {timezone.localtime(moment):%-d %b %Y}" if moment else outlet


def _evidence_of(claim: Claim) -> list[NewEvidence]:
    return [
        NewEvidence(url=e.url, title=e.title, stance=e.stance, note=e.note)
        for e in claim.evidence.order_by("id")
    ]
