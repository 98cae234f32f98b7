"""Claim review: the only way a claim's status changes, and the way evidence is added.

Every caller (the review UI, the admin actions, the API's POST /api/claims/{id}/review/) goes
through `claim_review`, so the audit trail (`StatusChange`) and the lost-update guard cannot be
skipped by accident.

Rules, in the order they are checked:

- the user needs the `claims.review_claim` permission;
- the status must be one of `Claim.Status`;
- `verified` and `false` need a note or at least one evidence link (given now or already on the
  claim): a decision that strong must say what it rests on;
- returning a claim to `unreviewed` withdraws a decision, so it needs a note saying why;
- setting the status a claim already has is a *re-confirmation*: allowed only with a note or new
  evidence (it is recorded like any change, `from_status == to_status`), and refused otherwise so a
  double-submitted form never writes a meaningless audit row;
- with `expected_version`, the claim must still be at that version, or `ReviewConflict` is raised
  naming who changed it and to what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from claims.models import Claim, Evidence, StatusChange
from claims.permissions import EVIDENCE_PERMISSION, REVIEW_PERMISSION
from claims.schema import CLAIM_REVIEW_FIELDS

# Key for `pg_advisory_xact_lock`, taken just before a StatusChange row is inserted (see
# `_serialise_status_change_ids`). Any constant works as long as nothing else uses it; this one is
# "CDSC" (Claim Desk Status Change) in ASCII.
STATUS_CHANGE_LOCK_KEY = 0x43445343

_URL_MAX = Evidence._meta.get_field("url").max_length
_TITLE_MAX = Evidence._meta.get_field("title").max_length


class ReviewError(Exception):
    """A review that cannot be applied as asked (bad status, missing note or evidence).

    `field` names the input at fault ("status", "note", "evidence[0].url", ...) so a form or an
    API response can attach the message to it; None when it is about the request as a whole.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ReviewConflict(ReviewError):
    """The claim changed since the editor loaded it; nothing was written.

    `claim` is the claim as it is now (for the API's 409 body and the UI's conflict message) and
    `latest_change` the StatusChange that moved it past the version the editor saw.
    """

    def __init__(
        self,
        message: str,
        *,
        claim: Claim,
        latest_change: StatusChange | None,
        expected_version: int,
    ) -> None:
        super().__init__(message, field="version")
        self.claim = claim
        self.latest_change = latest_change
        self.expected_version = expected_version


@dataclass(frozen=True)
class NewEvidence:
    """An evidence link to add, validated."""

    url: str
    title: str = ""
    stance: str = Evidence.Stance.SUPPORTS
    note: str = ""


def claim_review(
    *,
    claim: Claim,
    status: str,
    by: AbstractBaseUser,
    note: str = "",
    evidence: Iterable[Mapping[str, str] | NewEvidence] = (),
    expected_version: int | None = None,
) -> Claim:
    """Set `claim`'s status as `by` decided, with the audit row, in one transaction.

    `evidence` is new links to attach in the same transaction: mappings (or `NewEvidence`) with
    `url` and optionally `title`, `stance` (supports/refutes/context) and `note`.
    `expected_version` is the `Claim.version` the editor saw; pass it from every UI so a
    colleague's decision is never silently overwritten. Without it the review applies to whatever
    the claim is now (scripts, tests).

    Returns the claim as saved; the `claim` instance passed in is updated too.
    Raises PermissionDenied, ReviewError (bad input) or ReviewConflict (stale version).
    """
    _check_reviewer_and_status(by, status)
    note = (note or "").strip()
    new_evidence = _clean_evidence(evidence)

    with transaction.atomic():
        # The lost-update race: editors A and B both load version 3 and both decide. Without a lock
        # both would read version 3 here, both pass the check and B would overwrite A. The row
        # lock makes B wait until A commits and then read version 4, so B gets a ReviewConflict.
        # (SQLite ignores FOR UPDATE, but settings open its transactions with BEGIN IMMEDIATE, so
        # writers are serialised there already.)
        current = Claim.objects.select_for_update().get(pk=claim.pk)

        if expected_version is not None and current.version != expected_version:
            raise _conflict(current, expected_version)
        _check_decision(current, status, note, new_evidence)
        _evidence_attach(current, new_evidence, by)

        if signoff_required() and status != Claim.Status.UNREVIEWED:
            # Four eyes: the verdict waits for a second editor; the published status stays.
            _record(current, kind=StatusChange.Kind.PROPOSAL, to_status=status, note=note, by=by)
        else:
            _record(current, kind=StatusChange.Kind.CHANGE, to_status=status, note=note, by=by)

    for field in _REVIEWED_FIELDS:
        setattr(claim, field, getattr(current, field))
    return current


def _check_reviewer_and_status(by: AbstractBaseUser, status: str) -> None:
    """What can be refused before reading the claim: the permission, an unknown status."""
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("You do not have permission to review claims.")
    if status not in Claim.Status.values:
        allowed = ", ".join(Claim.Status.values)
        raise ReviewError(f"Unknown status {status!r}; choose one of: {allowed}.", field="status")


def _check_decision(
    current: Claim, status: str, note: str, new_evidence: list[NewEvidence]
) -> None:
    """Refuse a decision the locked claim `current` cannot take (a ReviewError naming why)."""
    has_support = bool(note) or bool(new_evidence)
    if status in (Claim.Status.VERIFIED, Claim.Status.FALSE) and not has_support:
        has_support = current.evidence.exists()
        if not has_support:
            label = Claim.Status(status).label
            raise ReviewError(
                f"Marking a claim {label} needs a note or at least one evidence link.",
                field="note",
            )
    if status == Claim.Status.UNREVIEWED and not note:
        raise ReviewError(
            "Returning a claim to Unreviewed withdraws a decision; add a note saying why.",
            field="note",
        )
    if status == current.status == Claim.Status.UNREVIEWED:
        raise ReviewError("This claim is already Unreviewed.", field="status")
    if status == current.status and not (note or new_evidence):
        label = Claim.Status(status).label
        raise ReviewError(
            f"This claim is already {label}. To re-confirm it, add a note or evidence.",
            field="status",
        )


def _evidence_attach(current: Claim, items: list[NewEvidence], by: AbstractBaseUser) -> None:
    for item in items:
        Evidence.objects.create(
            claim=current,
            url=item.url,
            title=item.title,
            stance=item.stance,
            note=item.note,
            added_by=by,
        )


# Fields a review, a proposal, a confirmation or a return writes.
_REVIEWED_FIELDS = (*CLAIM_REVIEW_FIELDS, "updated_at")


def signoff_required() -> bool:
    """Whether verdicts need a second editor (CLAIMDESK_SIGNOFF=required)."""
    return settings.CLAIMDESK_SIGNOFF == "required"


def _record(
    current: Claim, *, kind: str, to_status: str, note: str, by: AbstractBaseUser
) -> StatusChange:
    """Apply one audited step to the locked claim `current` and write its StatusChange row.

    A change or confirmation sets the published status; a proposal only holds `to_status` as
    proposed; a confirmation and a return clear the proposal. Every step bumps the version, so an
    editor confirming a proposal that was replaced meanwhile gets a conflict, not the wrong one.
    """
    previous = current.status
    now = timezone.now()
    if kind in StatusChange.PUBLISHED_KINDS:
        current.status = to_status
        current.status_changed_by = by
        current.status_changed_at = now
    if kind == StatusChange.Kind.PROPOSAL:
        current.proposed_status, current.proposed_by, current.proposed_at = to_status, by, now
    else:
        current.proposed_status, current.proposed_by, current.proposed_at = "", None, None
    current.version += 1
    current.save(update_fields=list(_REVIEWED_FIELDS))
    _serialise_status_change_ids()
    change = StatusChange.objects.create(
        claim=current,
        kind=kind,
        from_status=previous,
        to_status=to_status,
        note=note,
        changed_by=by,
        claim_version=current.version,
    )
    if kind in StatusChange.PUBLISHED_KINDS:
        _on_status_published(change)
    return change


def _on_status_published(change: StatusChange) -> None:
    # The deliveries are written in this transaction and sent after it commits.
    from claims.services import webhooks

    webhooks.status_published(change)


def claim_confirm(
    *, claim: Claim, by: AbstractBaseUser, note: str = "", expected_version: int | None = None
) -> Claim:
    """Confirm the verdict proposed on `claim`: it becomes the published status.

    The second pair of eyes: `by` must be an editor other than the one who proposed it.
    Raises PermissionDenied, ReviewError (nothing proposed, own proposal) or ReviewConflict.
    """
    return _signoff_step(
        claim=claim,
        by=by,
        note=note,
        expected_version=expected_version,
        kind=StatusChange.Kind.CONFIRMATION,
    )


def claim_return(
    *, claim: Claim, by: AbstractBaseUser, note: str, expected_version: int | None = None
) -> Claim:
    """Send the verdict proposed on `claim` back to its proposer with a note saying why.

    The published status is unchanged and the proposal is cleared; the return is on the history.
    """
    if not (note or "").strip():
        raise ReviewError("Returning a proposed verdict needs a note saying why.", field="note")
    return _signoff_step(
        claim=claim,
        by=by,
        note=note,
        expected_version=expected_version,
        kind=StatusChange.Kind.RETURN,
    )


def _signoff_step(
    *,
    claim: Claim,
    by: AbstractBaseUser,
    note: str,
    expected_version: int | None,
    kind: str,
) -> Claim:
    if not by.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("You do not have permission to review claims.")
    note = (note or "").strip()
    verb = "confirm" if kind == StatusChange.Kind.CONFIRMATION else "return"
    with transaction.atomic():
        # The same lost-update guard as claim_review: the row lock orders two editors acting
        # on one proposal, and the version check makes the second one see the first's decision.
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if expected_version is not None and current.version != expected_version:
            raise _conflict(current, expected_version)
        if not current.proposed_status:
            raise ReviewError(f"This claim has no proposed verdict to {verb}.", field="status")
        if current.proposed_by_id == by.pk:
            raise ReviewError(
                f"You proposed this verdict; another editor must {verb} it.", field="status"
            )
        _record(current, kind=kind, to_status=current.proposed_status, note=note, by=by)

    for field in _REVIEWED_FIELDS:
        setattr(claim, field, getattr(current, field))
    return current


def evidence_add(
    *,
    claim: Claim,
    url: str,
    by: AbstractBaseUser,
    title: str = "",
    stance: str = Evidence.Stance.SUPPORTS,
    note: str = "",
) -> Evidence:
    """Attach an evidence link to a claim without changing its status.

    The claim's `updated_at` is touched so API clients syncing with `updated_since` (whose claim
    detail includes evidence) see the change; its `version` is not, because evidence does not
    change a decision and must not turn a colleague's open decision form into a conflict.
    """
    if not (by.has_perm(REVIEW_PERMISSION) or by.has_perm(EVIDENCE_PERMISSION)):
        raise PermissionDenied("You do not have permission to add evidence.")
    (item,) = _clean_evidence([{"url": url, "title": title, "stance": stance, "note": note}])
    with transaction.atomic():
        evidence = Evidence.objects.create(
            claim=claim,
            url=item.url,
            title=item.title,
            stance=item.stance,
            note=item.note,
            added_by=by,
        )
        Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    return evidence


def _clean_evidence(items: Iterable[Mapping[str, str] | NewEvidence]) -> list[NewEvidence]:
    """Validate evidence input; errors name the item and field (`evidence[1].url`)."""
    cleaned = []
    validate_url = URLValidator(schemes=["http", "https"])
    for index, raw in enumerate(items):
        prefix = f"evidence[{index}]"
        if isinstance(raw, NewEvidence):
            raw = {"url": raw.url, "title": raw.title, "stance": raw.stance, "note": raw.note}
        if not isinstance(raw, Mapping):
            raise ReviewError(
                f"{prefix} must be an object with a url, not {type(raw).__name__}.", field=prefix
            )
        unknown = set(raw) - {"url", "title", "stance", "note"}
        if unknown:
            raise ReviewError(
                f"{prefix} has unknown field(s): {', '.join(sorted(unknown))}.", field=prefix
            )
        url = str(raw.get("url") or "").strip()
        if not url:
            raise ReviewError(f"{prefix}.url is required.", field=f"{prefix}.url")
        if len(url) > _URL_MAX:
            raise ReviewError(
                f"{prefix}.url is longer than {_URL_MAX} characters.", field=f"{prefix}.url"
            )
        try:
            validate_url(url)
        except ValidationError:
            raise ReviewError(
                f"{prefix}.url is not a valid http(s) URL: {url!r}.", field=f"{prefix}.url"
            ) from None
        title = str(raw.get("title") or "").strip()
        if len(title) > _TITLE_MAX:
            raise ReviewError(
                f"{prefix}.title is longer than {_TITLE_MAX} characters.", field=f"{prefix}.title"
            )
        stance = str(raw.get("stance") or Evidence.Stance.SUPPORTS)
        if stance not in Evidence.Stance.values:
            allowed = ", ".join(Evidence.Stance.values)
            raise ReviewError(
                f"{prefix}.stance must be one of: {allowed}; not {stance!r}.",
                field=f"{prefix}.stance",
            )
        note = str(raw.get("note") or "").strip()
        cleaned.append(NewEvidence(url=url, title=title, stance=stance, note=note))
    return cleaned


def _conflict(current: Claim, expected_version: int) -> ReviewConflict:
    latest = (
        StatusChange.objects.filter(claim=current)
        .select_related("changed_by")
        .order_by("-id")
        .first()
    )
    if latest is None:
        message = (
            f"This claim changed since you opened it (version {expected_version}, now "
            f"{current.version}). Your decision was not saved; reload and decide again."
        )
    else:
        who = _user_label(latest.changed_by)
        when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M %Z")
        to = Claim.Status(latest.to_status).label
        did = {
            StatusChange.Kind.PROPOSAL: f"proposed {to} for this claim",
            StatusChange.Kind.CONFIRMATION: f"confirmed {to} for this claim",
            StatusChange.Kind.RETURN: f"returned the proposed {to} on this claim",
        }.get(latest.kind, f"changed this claim to {to}")
        message = f"{who} {did} at {when}."
        if latest.note:
            message += f" Their note: “{latest.note}”"
        message += (
            " Your decision was not saved: read theirs, and submit yours again if you still "
            "disagree."
        )
    return ReviewConflict(
        message, claim=current, latest_change=latest, expected_version=expected_version
    )


def _user_label(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "A deleted user"
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full_name or user.get_username()


def _serialise_status_change_ids() -> None:
    """Make StatusChange ids commit in id order (PostgreSQL), for the API's change feed.

    The feed is read as "id > cursor". A sequence hands out ids at insert time, so without this
    transaction T1 could take id 10, T2 id 11, T2 commit first and a poller read 11 and move its
    cursor past 10 before T1 commits: change 10 would never be seen. Holding this lock from just
    before the insert until commit means the next review can only take an id once the previous
    one is committed. It is held only for the insert and commit, so reviews stay fast.
    SQLite needs nothing: its writers are serialised for the whole transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STATUS_CHANGE_LOCK_KEY])
