"""The claim sync: make an article's stored claims match what extraction found in its text.

Called by the import (`claims.services.imports`) inside the article's transaction. Claims match
on their fingerprint: a surviving claim is updated in place, so its status, evidence and history
stay; a claim gone from the text is deleted when nobody has touched it, and kept with
`in_article=False` when it was reviewed or has evidence or history. Status is never changed here.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from claims.extraction import EXTRACTOR_VERSION, ExtractedClaim
from claims.models import Actor, Article, Claim, Evidence, StatusChange
from claims.schema import CLAIM_EXTRACTED_FIELDS
from claims.services import webhooks
from claims.services.actors import actor_key, actors_for_claims


def claims_sync(
    *, article: Article, extracted: list[ExtractedClaim], created: bool
) -> dict[str, int]:
    """Make the article's claims match the extraction, in a constant number of queries."""
    unique: dict[str, ExtractedClaim] = {}
    for claim in extracted:
        # A repeated sentence (photo captions often are) yields the same claim twice; the
        # fingerprint is unique within an article, so the first occurrence stands for both.
        unique.setdefault(claim.fingerprint, claim)

    existing: dict[str, Claim] = {}
    if not created:
        touched = Exists(Evidence.objects.filter(claim=OuterRef("pk"))) | Exists(
            StatusChange.objects.filter(claim=OuterRef("pk"))
        )
        existing = {
            c.fingerprint: c for c in article.claims.annotate(touched=touched).order_by("id")
        }

    actors = actors_for_claims(list(unique.values()))
    now = timezone.now()
    new: list[Claim] = []
    changed: list[Claim] = []
    for fingerprint, ec in unique.items():
        values = _claim_values(ec, actors.get(actor_key(ec)))
        claim = existing.get(fingerprint)
        if claim is None:
            new.append(Claim(article=article, fingerprint=fingerprint, **values))
            continue
        if any(getattr(claim, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(claim, name, value)
            claim.updated_at = now  # bulk_update skips auto_now; API clients poll updated_at
            changed.append(claim)

    gone = [c for f, c in existing.items() if f not in unique]
    keep_ids = [
        c.id for c in gone if c.in_article and (c.status != Claim.Status.UNREVIEWED or c.touched)
    ]
    delete_ids = [c.id for c in gone if c.status == Claim.Status.UNREVIEWED and not c.touched]

    if new:
        Claim.objects.bulk_create(new)
        webhooks.claims_new(new)
    if changed:
        Claim.objects.bulk_update(changed, [*CLAIM_EXTRACTED_FIELDS, "updated_at"])
    if keep_ids:
        Claim.objects.filter(id__in=keep_ids).update(in_article=False, updated_at=now)
    if delete_ids:
        Claim.objects.filter(id__in=delete_ids).delete()
    return {
        "claims_added": len(new),
        "claims_kept": len(unique) - len(new),
        "claims_deleted": len(delete_ids),
        "claims_retired": len(keep_ids),
    }


def _clip(value: str | None, field: str) -> str:
    # Extraction output is free text; a subject longer than the column is clipped rather than
    # failing the whole article (and SQLite and PostgreSQL then behave the same).
    limit = Claim._meta.get_field(field).max_length
    value = value or ""
    return value if len(value) <= limit else value[: limit - 1] + "…"


_QUALIFIERS = set(Claim.Qualifier.values)
_OUTCOMES = set(Claim.Outcome.values)


def _claim_values(ec: ExtractedClaim, speaker: Actor | None) -> dict[str, object]:
    # One entry per claims.schema.CLAIM_EXTRACTED_FIELDS, in its order (a test holds them equal).
    return {
        "kind": ec.kind,
        "sentence": ec.sentence,
        "start": ec.start,
        "end": ec.end,
        "value_low": ec.value_low,
        "value_high": ec.value_high,
        "qualifier": ec.qualifier if ec.qualifier in _QUALIFIERS else "",
        "outcome": ec.outcome if ec.outcome in _OUTCOMES else "",
        "subject": _clip(ec.subject, "subject"),
        "agent": _clip(ec.agent, "agent"),
        "speaker_id": speaker.id if speaker else None,
        "speaker_text": _clip(ec.speaker_text, "speaker_text"),
        "speaker_role": _clip(ec.speaker_role, "speaker_role"),
        "content": ec.content or "",
        "direct": ec.direct,
        "hedges": list(ec.hedges),
        "is_hedged": bool(ec.hedges),
        "extractor_version": EXTRACTOR_VERSION,
        "rule": _clip(ec.rule, "rule"),
        # A stand-in extractor may give none: such a claim is not marked as doubtful.
        "confidence": 1.0 if ec.confidence is None else ec.confidence,
        "in_article": True,
    }
