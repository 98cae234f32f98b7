"""Webhooks: events POSTed to the newsroom's systems, signed, after the change commits, in order.

- `event_emit` is called inside the transaction that makes the change (a review, an import, a
  failed job). It writes one `WebhookDelivery` per active subscription that wants the event, with
  the exact JSON body, so the deliveries exist exactly when the change does; the sending is queued
  with `transaction.on_commit` and is never done while a request waits: with a broker a worker
  sends it; without one (eager mode) it is sent after the response is written (`_AfterResponse`).
  A slow or dead receiver cannot slow a review.
- `delivery_send` (the task) takes a delivery with one UPDATE (pending to sending, with a lease),
  POSTs it under the outbound rules of fetching (claims.importers.post) and records the answer.
  A delivery waits, untouched, while an earlier delivery about the same claim to the same
  subscription is not yet delivered or failed; when that one finishes, the next is queued. So a
  receiver sees one claim's changes in the order they were made.
- A failed attempt is retried with backoff (10 s, 30 s, 90 s, ... at most an hour apart) until a
  day after the event; then the delivery is failed. `webhooks_send_due` (beat, every 30 s) sends
  what is due, so nothing depends on a countdown message surviving. Delivery is at least once: a
  receiver de-duplicates on `X-ClaimDesk-Delivery`.
- Each POST carries `X-ClaimDesk-Signature: sha256=<hex>`, the HMAC-SHA256 of the body under the
  subscription's secret, `X-ClaimDesk-Delivery` (a uuid) and `X-ClaimDesk-Event`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from claims.importers.fetch import FetchError
from claims.importers.post import post_json
from claims.models import Claim, ImportJob, StatusChange, WebhookDelivery, WebhookSubscription
from claims.reconcile import Report

logger = logging.getLogger(__name__)
Event = WebhookSubscription.Event
State = WebhookDelivery.State

GIVE_UP_AFTER = timedelta(days=1)
LEASE = timedelta(seconds=60)
MAX_DELAY_SECONDS = 3600


def signature(secret: str, body: bytes) -> str:
    """The X-ClaimDesk-Signature value of `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- subscriptions ------------------------------------------------------------------------------


def subscription_add(
    *, url: str, secret: str, events: list[str] | None = None
) -> WebhookSubscription:
    """Subscribe `url` to `events` (all of them when empty). Raises ValueError on bad input."""
    events = list(dict.fromkeys(events or []))
    unknown = [e for e in events if e not in Event.values]
    if unknown:
        raise ValueError(
            f"Unknown event(s) {', '.join(unknown)}; choose from {', '.join(Event.values)}."
        )
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"{url}: a receiver URL must start with http:// or https://.")
    if len(secret) < 16:
        raise ValueError("The secret must be at least 16 characters long.")
    return WebhookSubscription.objects.create(url=url, secret=secret, events=events)


def subscription_remove(*, subscription_id: int) -> bool:
    deleted, _ = WebhookSubscription.objects.filter(pk=subscription_id).delete()
    return bool(deleted)


# --- emitting -----------------------------------------------------------------------------------


def event_emit(event: str, data: dict[str, Any], *, claim_id: int | None = None) -> list[int]:
    """Record `event` for every subscription that wants it; send each after commit."""
    subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event)]
    if not subscriptions:
        return []
    now = timezone.now()
    deliveries = []
    for subscription in subscriptions:
        delivery_id = uuid.uuid4()
        body = {
            "event": event,
            "delivery": str(delivery_id),
            "created_at": _iso(now),
            "data": data,
        }
        deliveries.append(
            WebhookDelivery(
                subscription=subscription,
                event=event,
                claim_id=claim_id,
                delivery_id=delivery_id,
                body=orjson.dumps(body).decode(),
                next_attempt_at=now,
            )
        )
    created = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in created]
    deliveries_enqueue(ids)
    return ids


def status_published(change: StatusChange) -> None:
    """A published status change (applied at once, or confirmed at sign-off)."""
    claim = change.claim
    event_emit(
        Event.STATUS,
        {
            "claim_id": claim.pk,
            "kind": change.kind,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "note": change.note,
            "changed_by": change.changed_by.get_username() if change.changed_by else None,
            "claim_version": change.claim_version,
            "change_id": change.pk,
        },
        claim_id=claim.pk,
    )


def claims_new(claims: list[Claim]) -> None:
    """New claims found by an import (one delivery per claim and subscription)."""
    if not claims or not WebhookSubscription.objects.filter(active=True).exists():
        return
    for claim in claims:
        event_emit(
            Event.CLAIM_NEW,
            {
                "claim_id": claim.pk,
                "article_id": claim.article_id,
                "kind": claim.kind,
                "sentence": claim.sentence,
                "value_low": claim.value_low,
                "value_high": claim.value_high,
                "speaker_text": claim.speaker_text,
            },
            claim_id=claim.pk,
        )


def event_wanted(event: str) -> bool:
    """Whether any active subscription wants `event` (one query): skip building unwanted data."""
    return any(s.wants(event) for s in WebhookSubscription.objects.filter(active=True))


def figure_conflict(
    *, figure_id: int, label: str, reports: tuple[Report, Report], claim_id: int
) -> None:
    """Two reports in a figure that disagree, the conflict new since `claim_id` joined it."""
    event_emit(
        Event.FIGURE_CONFLICT,
        {
            "figure_id": figure_id,
            "figure_label": label,
            "claim_ids": [r.claim_id for r in reports],
            "reports": [
                {
                    "claim_id": r.claim_id,
                    "value": r.display,
                    "source": r.source_name,
                    "article_id": r.article_id,
                    "article_title": r.article_title,
                    "published_at": _iso(r.published_at),
                }
                for r in reports
            ],
        },
        # In line behind the claim's own claim.new delivery to the same subscription.
        claim_id=claim_id,
    )


def job_failed(job_id: int) -> None:
    """An import job moved to failed."""
    if not WebhookSubscription.objects.filter(active=True).exists():
        return
    job = ImportJob.objects.filter(pk=job_id).values("id", "source", "url", "last_error").first()
    if job is not None:
        event_emit(
            Event.JOB_FAILED,
            {
                "job_id": job["id"],
                **{k: job[k] for k in ("source", "url")},
                "error": job["last_error"],
            },
        )


def deliveries_enqueue(delivery_ids: list[int], *, countdown: float = 0) -> None:
    """Queue the deliveries once the current transaction commits."""
    from claims import tasks

    ids = list(delivery_ids)

    def send() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER and _after_response.active():
            _after_response.add(ids)
            return
        for delivery_id in ids:
            tasks.webhook_delivery_send.apply_async(args=[delivery_id], countdown=countdown or None)

    if ids:
        transaction.on_commit(send)


class _AfterResponse:
    """Without a broker (eager mode) a task runs where it is queued: a review's deliveries would
    be POSTed inside the review's request, and a slow receiver would hold the editor's answer for
    up to CLAIMDESK_WEBHOOK_TIMEOUT. So deliveries queued while a request is being handled wait
    here and are sent on `request_finished`, which the WSGI server sends after it has written the
    response (gunicorn and runserver call the response's close() once the body is out).
    Outside a request (a command, a worker, a test) they are sent at once, as before.

    Per thread, as WSGI servers handle one request per thread.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def active(self) -> bool:
        return getattr(self._local, "pending", None) is not None

    def add(self, ids: list[int]) -> None:
        self._local.pending.extend(ids)

    def started(self, **_: object) -> None:
        self._local.pending = []

    def finished(self, **_: object) -> None:
        pending, self._local.pending = getattr(self._local, "pending", None) or [], None
        if not pending:
            return
        for delivery_id in pending:
            try:
                delivery_send(delivery_id=delivery_id)
            except Exception:  # the response is out; a failure must not break the next one
                # It stays pending: `webhooks send` (or the next resend) tries it again.
                logger.exception("webhook delivery %s could not be sent", delivery_id)
        # Django closed the request's connection just before (its own request_finished
        # handler); the one opened here is treated the same way, not left open in the thread.
        close_old_connections()


_after_response = _AfterResponse()
request_started.connect(_after_response.started, dispatch_uid="claimdesk-webhooks-started")
request_finished.connect(_after_response.finished, dispatch_uid="claimdesk-webhooks-finished")


# --- sending ------------------------------------------------------------------------------------


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Attempt one delivery if it is due and first in line; returns its state afterwards."""
    now = now or timezone.now()
    delivery = (
        WebhookDelivery.objects.filter(pk=delivery_id).only("subscription", "claim_id").first()
    )
    if delivery is None:
        return "missing"
    if _waiting_behind_earlier(delivery):
        return "waiting"
    # One UPDATE decides who sends it: a duplicate message finds it taken.
    due = Q(state=State.PENDING, next_attempt_at__lte=now + timedelta(seconds=5)) | Q(
        state=State.SENDING, lease_expires_at__lt=now
    )
    taken = WebhookDelivery.objects.filter(due, pk=delivery_id).update(
        state=State.SENDING, lease_expires_at=now + LEASE, last_attempt_at=now
    )
    if not taken:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    body = delivery.body.encode()
    headers = {
        "X-ClaimDesk-Event": delivery.event,
        "X-ClaimDesk-Delivery": str(delivery.delivery_id),
        "X-ClaimDesk-Signature": signature(delivery.subscription.secret, body),
    }
    started = time.monotonic()
    try:
        status = post_json(
            delivery.subscription.url,
            body,
            headers=headers,
            timeout=settings.CLAIMDESK_WEBHOOK_TIMEOUT,
            allow_private=settings.CLAIMDESK_FETCH_ALLOW_PRIVATE,
        )
    except FetchError as exc:
        return _attempt_failed(delivery, exc, now=now, started=started)
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        state=State.DELIVERED,
        attempts=delivery.attempts + 1,
        status_code=status,
        last_error="",
        delivered_at=timezone.now(),
        next_attempt_at=None,
        lease_expires_at=None,
        duration_ms=_ms_since(started),
    )
    _next_in_line(delivery)
    return State.DELIVERED


def _attempt_failed(
    delivery: WebhookDelivery, exc: FetchError, *, now: datetime, started: float
) -> str:
    attempts = delivery.attempts + 1
    # A refused URL (private address, bad scheme) will not get better by waiting.
    hopeless = exc.status is None and not exc.transient
    delay = min(10 * 3 ** (attempts - 1), MAX_DELAY_SECONDS)
    next_at = now + timedelta(seconds=delay)
    give_up = hopeless or next_at > delivery.created_at + GIVE_UP_AFTER
    state = State.FAILED if give_up else State.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=state,
        attempts=attempts,
        status_code=exc.status,
        last_error=str(exc)[:2000],
        next_attempt_at=None if give_up else next_at,
        lease_expires_at=None,
        duration_ms=_ms_since(started),
    )
    logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, attempts, exc)
    if give_up:
        _next_in_line(delivery)  # a failed delivery no longer holds the claim's later ones
    elif not settings.CELERY_TASK_ALWAYS_EAGER:
        deliveries_enqueue([delivery.pk], countdown=delay)
    # Without a broker a retry is left to webhooks_send_due: retrying inline would hold up
    # whatever request emitted the event.
    return state


def _waiting_behind_earlier(delivery: WebhookDelivery) -> bool:
    if delivery.claim_id is None:
        return False
    return WebhookDelivery.objects.filter(
        subscription_id=delivery.subscription_id,
        claim_id=delivery.claim_id,
        id__lt=delivery.pk,
        state__in=[State.PENDING, State.SENDING],
    ).exists()


def _next_in_line(delivery: WebhookDelivery) -> None:
    if delivery.claim_id is None:
        return
    following = (
        WebhookDelivery.objects.filter(
            subscription_id=delivery.subscription_id,
            claim_id=delivery.claim_id,
            id__gt=delivery.pk,
            state=State.PENDING,
        )
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    if following is not None:
        deliveries_enqueue([following])


def webhooks_send_due(*, now: datetime | None = None) -> int:
    """Beat: send every pending delivery that is due (retries, lost messages, eager mode)."""
    now = now or timezone.now()
    stuck = Q(state=State.SENDING, lease_expires_at__lt=now)
    due = Q(state=State.PENDING, next_attempt_at__lte=now) | stuck
    ids = list(
        WebhookDelivery.objects.filter(due).order_by("id").values_list("pk", flat=True)[:500]
    )
    for delivery_id in ids:
        delivery_send(delivery_id=delivery_id, now=now)
    return len(ids)


def delivery_resend(*, delivery_id: int) -> bool:
    """Send a delivery again (an editor's Resend), with the same body and delivery id."""
    updated = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .exclude(state=State.SENDING)
        .update(state=State.PENDING, next_attempt_at=timezone.now(), last_error="")
    )
    if updated:
        deliveries_enqueue([delivery_id])
    return bool(updated)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
