"""Assignment: which editor holds a claim. Editors and desk chiefs assign claims one at a time or
in bulk (a whole article at once); every change is an `AssignmentChange` row, append-only.

Assigning is not a decision: it bumps neither the claim's version (a colleague's open decision
form stays valid) nor its status, but it touches `updated_at` like evidence does.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from claims.models import AssignmentChange, Claim
from claims.permissions import REVIEW_PERMISSION


def claims_assign(
    *, claim_ids: Iterable[int], to: AbstractBaseUser | None, by: AbstractBaseUser
) -> int:
    """Give the claims to `to` (None: unassign them); returns how many changed hands."""
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("You do not have permission to assign claims.")
    if to is not None and not to.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(f"{to.get_username()} is not an editor and cannot hold claims.")
    ids = list(claim_ids)
    with transaction.atomic():
        # Row locks: two editors assigning the same claims at once write one change each, in
        # turn, and each row's from_user is the holder it really replaced.
        rows = list(
            Claim.objects.select_for_update()
            .filter(pk__in=ids)
            .exclude(assigned_to=to)
            .order_by("id")
            .values_list("id", "assigned_to_id")
        )
        if not rows:
            return 0
        AssignmentChange.objects.bulk_create(
            AssignmentChange(claim_id=pk, from_user_id=holder, to_user=to, changed_by=by)
            for pk, holder in rows
        )
        Claim.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            assigned_to=to, updated_at=timezone.now()
        )
    return len(rows)


def article_assign(*, article_id: int, to: AbstractBaseUser | None, by: AbstractBaseUser) -> int:
    """Give every claim still in the article to `to` (None: unassign them)."""
    ids = Claim.objects.current().filter(article_id=article_id).values_list("pk", flat=True)
    return claims_assign(claim_ids=list(ids), to=to, by=by)
