"""Continuous ingest: import jobs for links, pasted text, uploads and feed entries, and feed polls.

Every way in becomes an `ImportJob` row first; the job queue (claims.tasks) only carries its id.
The row is the record: a worker claims a job by moving it to running with a lease, and writes the
article and the job's "done" in one transaction, so a worker killed at any point leaves either
nothing or both. A job whose worker died is handed on by `jobs_reclaim` when its lease runs out,
and claiming guards against two workers running one job at once. Delivery is at least once;
imports are idempotent (keyed on the article's URL, else outlet and title), so the article exists
exactly once.

Failures: network trouble, 5xx answers and database connection errors are transient and retried
with backoff, up to CLAIMDESK_JOB_MAX_ATTEMPTS; bad input (a 404, a page with no article, a field
that is wrong) fails at once with its named error. An unexpected error fails only its own job.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone

from claims.importers import ArticleRecord, RecordError, RecordInvalid, read_bytes
from claims.importers.feeds import FeedInvalid, entry_record, page_record, parse_feed
from claims.importers.fetch import FetchError, FetchResult, fetch
from claims.importers.records import make_record
from claims.models import Feed, FeedEntry, ImportJob, Outlet
from claims.services import webhooks
from claims.services.imports import ArticleImportResult, article_import

logger = logging.getLogger(__name__)

State = ImportJob.State
Source = ImportJob.Source


class JobFailed(Exception):
    """The job cannot succeed as it is: fail at once with this message."""


class JobTransient(Exception):
    """Trying again later can help: retry with backoff."""


def new_batch() -> str:
    return uuid.uuid4().hex


# --- submitting ---------------------------------------------------------------------------------


def job_submit_link(
    *, url: str, outlet_name: str = "", user: AbstractBaseUser | None = None, batch: str = ""
) -> ImportJob:
    """Queue the import of the article at `url` (fetched by the worker)."""
    url = url.strip()
    try:
        make_record(origin=url, title="-", body="-", url=url)  # the record's own URL rules
    except RecordInvalid as exc:
        raise RecordInvalid(str(exc).replace('"url"', "the link")) from None
    job = ImportJob.objects.create(
        source=Source.LINK,
        origin=url[:500],
        url=url,
        outlet_name=outlet_name.strip()[:200],
        submitted_by=_user(user),
        batch=batch,
    )
    jobs_enqueue([job.pk])
    return job


def job_submit_text(
    *,
    title: str,
    body: str,
    outlet_name: str = "",
    url: str = "",
    published: str = "",
    user: AbstractBaseUser | None = None,
    batch: str = "",
) -> ImportJob:
    """Queue a pasted article. RecordInvalid names the field that is wrong; nothing is queued."""
    record = make_record(
        origin="pasted text",
        title=title,
        body=body,
        url=url or None,
        outlet=outlet_name or None,
        published=published or None,
    )
    job = ImportJob.objects.create(
        source=Source.TEXT,
        origin=f"pasted: {record.title}"[:500],
        url=record.url or "",
        record=record_payload(record),
        outlet_name=record.outlet or "",
        submitted_by=_user(user),
        batch=batch,
    )
    jobs_enqueue([job.pk])
    return job


def jobs_submit_upload(
    *,
    name: str,
    data: bytes,
    outlet_name: str = "",
    user: AbstractBaseUser | None = None,
    batch: str = "",
) -> list[ImportJob]:
    """One job per article in an uploaded file, read with the importer's rules.

    Input the importer refuses (a bad JSON line, an empty file) becomes a failed job carrying the
    importer's message, so the editor sees each problem beside the articles that went in.
    """
    now = timezone.now()
    jobs: list[ImportJob] = []
    items = read_bytes(
        data,
        name=name,
        max_bytes=settings.CLAIMDESK_MAX_IMPORT_BYTES,
        default_outlet=outlet_name or None,
    )
    for item in items:
        common = {"source": Source.UPLOAD, "submitted_by": _user(user), "batch": batch}
        if isinstance(item, RecordError):
            jobs.append(
                ImportJob(
                    origin=item.origin[:500],
                    state=State.FAILED,
                    last_error=item.message,
                    finished_at=now,
                    **common,
                )
            )
        else:
            jobs.append(
                ImportJob(
                    origin=item.origin[:500],
                    url=item.url or "",
                    record=record_payload(item),
                    outlet_name=item.outlet or "",
                    **common,
                )
            )
    created = ImportJob.objects.bulk_create(jobs)
    jobs_enqueue([job.pk for job in created if job.state == State.QUEUED])
    return created


def jobs_enqueue(job_ids: Iterable[int], *, countdown: float = 0) -> None:
    """Send the jobs to the queue once the transaction that made them commits."""
    from claims import tasks  # tasks call services; services name tasks only here

    ids = list(job_ids)

    def send() -> None:
        for job_id in ids:
            tasks.import_job_run.apply_async(args=[job_id], countdown=countdown or None)

    if ids:
        transaction.on_commit(send)


def job_retry(*, job_id: int, user: AbstractBaseUser | None = None) -> bool:
    """Queue a failed job again, with a fresh set of attempts.

    False when it is not failed, or has nothing to run (input the importer refused on submission).
    """
    runnable = Q(record__isnull=False) | ~Q(url="") | Q(feed__isnull=False)
    updated = ImportJob.objects.filter(runnable, pk=job_id, state=State.FAILED).update(
        state=State.QUEUED, attempts=0, next_attempt_at=None, updated_at=timezone.now()
    )
    if updated:
        jobs_enqueue([job_id])
    return bool(updated)


# --- running ------------------------------------------------------------------------------------


def import_job_run(*, job_id: int) -> str:
    """Run one job, if it is still to run; returns its state afterwards ("skipped" if taken)."""
    job = _job_claim(job_id)
    if job is None:
        return "skipped"
    try:
        if job.source == Source.FEED_POLL:
            _feed_poll(job)
        else:
            _article_import(job)
    except JobFailed as exc:
        _job_finish(job, State.FAILED, error=str(exc))
    except (JobTransient, OperationalError, InterfaceError) as exc:
        if isinstance(exc, DatabaseError):
            close_old_connections()  # a broken connection is replaced on the next query
        _job_retry_later(job, str(exc) or type(exc).__name__)
    except Exception as exc:
        # One poisoned job must not block the others: it fails with what went wrong.
        logger.exception("import job %s failed", job.pk)
        _job_finish(job, State.FAILED, error=f"internal error: {type(exc).__name__}: {exc}")
    return ImportJob.objects.filter(pk=job.pk).values_list("state", flat=True).first() or ""


def _job_claim(job_id: int) -> ImportJob | None:
    # One UPDATE decides which worker runs the job: a second delivery of the same message, or a
    # reclaimed job's old worker waking up, finds the row already taken and does nothing.
    now = timezone.now()
    claimable = (
        Q(state=State.QUEUED)
        | Q(state=State.RETRYING, next_attempt_at__lte=now + timedelta(seconds=5))
        | Q(state=State.RUNNING, lease_expires_at__lt=now)
    )
    taken = (
        ImportJob.objects.filter(claimable, pk=job_id)
        .exclude(attempts__gte=settings.CLAIMDESK_JOB_MAX_ATTEMPTS, state=State.RUNNING)
        .update(
            state=State.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            finished_at=None,
            next_attempt_at=None,
            lease_expires_at=now + timedelta(seconds=settings.CLAIMDESK_JOB_LEASE_SECONDS),
            updated_at=now,
        )
    )
    # No select_related: only a feed poll reads the feed (a query or two, every few minutes),
    # and joining the feed and its outlet into every article job's read cost it 0.8 ms of ORM.
    return ImportJob.objects.get(pk=job_id) if taken else None


def _job_renew_lease(job: ImportJob) -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
        lease_expires_at=now + timedelta(seconds=settings.CLAIMDESK_JOB_LEASE_SECONDS)
    )


def _job_finish(job: ImportJob, state: str, *, error: str = "", **fields: object) -> None:
    ImportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
        state=state,
        last_error=error,
        finished_at=timezone.now(),
        lease_expires_at=None,
        updated_at=timezone.now(),
        **fields,
    )
    if state == State.FAILED:
        logger.info("import job %s failed: %s", job.pk, error)
        webhooks.job_failed(job.pk)


def _job_retry_later(job: ImportJob, error: str) -> None:
    if job.attempts >= settings.CLAIMDESK_JOB_MAX_ATTEMPTS:
        _job_finish(job, State.FAILED, error=f"gave up after {job.attempts} attempts: {error}")
        return
    # 10 s, 30 s, 90 s, 270 s ...; at once when jobs run in-process (no broker, no schedule).
    delay = 0 if settings.CELERY_TASK_ALWAYS_EAGER else min(10 * 3 ** (job.attempts - 1), 3600)
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
        state=State.RETRYING,
        last_error=error,
        next_attempt_at=now + timedelta(seconds=delay),
        lease_expires_at=None,
        updated_at=now,
    )
    jobs_enqueue([job.pk], countdown=delay)


def _article_import(job: ImportJob) -> None:
    record = _job_record(job)
    if not job.record:
        _job_renew_lease(job)  # the fetch may have taken a while; the import is still to come

    def mark_done(result: ArticleImportResult) -> None:
        # Inside the article's transaction: the job is done exactly when the article is written.
        _job_finish(
            job,
            State.DONE,
            article_id=result.article_id,
            outcome=str(result.outcome),
            claims_added=result.claims_added,
        )

    result = article_import(record=record, on_write=mark_done, raise_database_errors=True)
    if result.failed:
        raise JobFailed(result.error)


def _job_record(job: ImportJob) -> ArticleRecord:
    if job.record:
        return record_from_payload(job.record)
    outlet = job.outlet_name or (job.feed.outlet.name if job.feed else "") or None
    page = _fetch(job.url)
    try:
        return page_record(
            page.body, url=job.url, content_type=page.content_type, origin=job.url, outlet=outlet
        )
    except RecordInvalid as exc:
        raise JobFailed(f"{job.url}: {exc}") from None


def _fetch(url: str) -> FetchResult:
    try:
        return _fetch_with_settings(url)
    except FetchError as exc:
        raise (JobTransient if exc.transient else JobFailed)(str(exc)) from None


def _fetch_with_settings(url: str, headers: dict[str, str] | None = None) -> FetchResult:
    return fetch(
        url,
        max_bytes=settings.CLAIMDESK_MAX_IMPORT_BYTES,
        timeout=settings.CLAIMDESK_FETCH_TIMEOUT,
        allow_private=settings.CLAIMDESK_FETCH_ALLOW_PRIVATE,
        headers=headers,
    )


def jobs_reclaim() -> int:
    """Hand on jobs whose worker died (lease ran out) and re-send jobs whose message was lost."""
    now = timezone.now()
    lease = timedelta(seconds=settings.CLAIMDESK_JOB_LEASE_SECONDS)
    lost_after = timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    max_attempts = settings.CLAIMDESK_JOB_MAX_ATTEMPTS
    dead = ImportJob.objects.filter(state=State.RUNNING, lease_expires_at__lt=now)
    dead.filter(attempts__gte=max_attempts).update(
        state=State.FAILED,
        last_error="gave up: the worker running it stopped each time",
        finished_at=now,
        lease_expires_at=None,
        updated_at=now,
    )
    stale = Q(state=State.RUNNING, lease_expires_at__lt=now) | Q(
        state=State.RETRYING, next_attempt_at__lt=now - lease
    )
    # A queued job is re-sent only when its message has been waiting longer than the broker ever
    # holds one back, so a long backlog is not flooded with copies.
    stale |= Q(state=State.QUEUED, updated_at__lt=now - lost_after)
    ids = list(ImportJob.objects.filter(stale).values_list("pk", flat=True)[:1000])
    if ids:
        ImportJob.objects.filter(pk__in=ids, state=State.RUNNING).update(
            state=State.QUEUED, lease_expires_at=None
        )
        ImportJob.objects.filter(pk__in=ids).update(updated_at=now)
        jobs_enqueue(ids)
    return len(ids)


# --- feeds --------------------------------------------------------------------------------------


def feed_add(*, url: str, outlet_name: str, every_minutes: int | None = None) -> Feed:
    """Subscribe to a feed (or update its outlet and interval); it is due for a poll at once."""
    url = url.strip()
    make_record(origin=url, title="-", body="-", url=url)  # RecordInvalid for a bad URL
    if not outlet_name.strip():
        raise RecordInvalid("a feed needs the name of its outlet")
    if every_minutes is not None and every_minutes < 1:
        raise RecordInvalid("the polling interval must be at least 1 minute")
    outlet = Outlet.objects.filter(name__iexact=outlet_name.strip()).first()
    if outlet is None:
        outlet = Outlet.objects.create(name=outlet_name.strip()[:200])
    feed, _ = Feed.objects.update_or_create(
        url=url,
        defaults={
            "outlet": outlet,
            "every_minutes": every_minutes or settings.CLAIMDESK_FEED_EVERY_MINUTES,
            "active": True,
            "next_poll_at": timezone.now(),
        },
    )
    return feed


def feeds_poll_due(*, every: bool = False, batch: str = "") -> list[int]:
    """Queue a poll of each feed that is due (or, with `every`, of every active feed)."""
    now = timezone.now()
    feeds = Feed.objects.filter(active=True)
    if not every:
        feeds = feeds.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
    job_ids: list[int] = []
    for feed in feeds.select_related("outlet"):
        # Claim this poll: two beats (or a beat and `feeds poll`) must not both poll the feed.
        taken = Feed.objects.filter(pk=feed.pk, next_poll_at=feed.next_poll_at).update(
            next_poll_at=now + timedelta(minutes=feed.every_minutes)
        )
        if taken:
            job = ImportJob.objects.create(
                source=Source.FEED_POLL, origin=feed.url[:500], url=feed.url, feed=feed, batch=batch
            )
            job_ids.append(job.pk)
    jobs_enqueue(job_ids)
    return job_ids


def _feed_poll(job: ImportJob) -> None:
    feed = job.feed
    if feed is None:
        raise JobFailed("the feed was deleted")
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    now = timezone.now()
    try:
        page = _fetch_with_settings(feed.url, headers)
        entries = [] if page.not_modified else parse_feed(page.body, origin=feed.url)
    except (FetchError, FeedInvalid) as exc:
        # The next scheduled poll is the retry; the error stays on the feed until a poll succeeds.
        status = getattr(exc, "status", None)
        Feed.objects.filter(pk=feed.pk).update(
            last_polled_at=now, last_error=str(exc), last_status=status, updated_at=now
        )
        raise JobFailed(str(exc)) from None
    with transaction.atomic():
        queued = _feed_entries_queue(feed, job, entries)
        queued += _feed_pages_recheck(feed, job, exclude=queued)
        Feed.objects.filter(pk=feed.pk).update(
            last_polled_at=now,
            last_status=page.status,
            last_error="",
            etag=page.headers.get("etag", feed.etag)[:500],
            last_modified=page.headers.get("last-modified", feed.last_modified)[:100],
            updated_at=now,
        )
        _job_finish(job, State.DONE, entries_queued=len(queued))
        jobs_enqueue(queued)


def _feed_entries_queue(feed: Feed, poll: ImportJob, entries: list) -> list[int]:
    """A job for each entry not seen before, or changed since; the entries are remembered."""
    seen = {e.key: e for e in FeedEntry.objects.filter(feed=feed, key__in=[x.key for x in entries])}
    fresh = [e for e in entries if e.key not in seen or seen[e.key].version != e.version]
    if not fresh:
        return []
    outlet = feed.outlet.name
    jobs = []
    for entry in fresh:
        if not entry.link and not entry.content_html:
            continue  # an id with neither link nor text: nothing to import
        record = None
        if entry.content_html:
            try:
                record = record_payload(entry_record(entry, origin=entry.link, outlet=outlet))
            except RecordInvalid:
                record = None  # the content is not the article after all: fetch the page
        jobs.append(
            ImportJob(
                source=Source.FEED_ENTRY,
                origin=(entry.link or entry.key)[:500],
                url=entry.link[:2000],
                record=record,
                feed=feed,
                outlet_name=outlet,
                batch=poll.batch,
            )
        )
    created = ImportJob.objects.bulk_create(jobs)
    changed = [seen[e.key] for e in fresh if e.key in seen]
    for row in changed:
        row.version = next(e.version for e in fresh if e.key == row.key)
        row.last_seen_at = timezone.now()
    FeedEntry.objects.bulk_update(changed, ["version", "last_seen_at"])
    now = timezone.now()
    FeedEntry.objects.bulk_create(
        [
            FeedEntry(
                feed=feed,
                key=e.key,
                link=e.link[:2000],
                version=e.version,
                page_checked_at=None if e.content_html or not e.link else now,
            )
            for e in fresh
            if e.key not in seen
        ],
        ignore_conflicts=True,  # a concurrent poll of the same feed (it was claimed, but be safe)
    )
    return [job.pk for job in created]


def _feed_pages_recheck(feed: Feed, poll: ImportJob, *, exclude: list[int]) -> list[int]:
    """Fetch again the pages of young link-only entries not fetched for a while.

    The entry in the feed may never change while the page behind it is updated (a toll raised, a
    paragraph added); the import then updates the article with its usual rules for reviewed
    claims, and an unchanged page is skipped by its content hash.
    """
    now = timezone.now()
    hours, minutes = settings.CLAIMDESK_FEED_RECHECK_HOURS, settings.CLAIMDESK_FEED_RECHECK_MINUTES
    if hours == 0:
        return []
    due = FeedEntry.objects.filter(
        feed=feed,
        first_seen_at__gte=now - timedelta(hours=hours),
        page_checked_at__lt=now - timedelta(minutes=minutes),
    ).exclude(link="")
    queued_links = set(ImportJob.objects.filter(pk__in=exclude).values_list("url", flat=True))
    entries = [e for e in due if e.link not in queued_links]
    if not entries:
        return []
    outlet = feed.outlet.name
    created = ImportJob.objects.bulk_create(
        ImportJob(
            source=Source.FEED_ENTRY,
            origin=e.link[:500],
            url=e.link,
            feed=feed,
            outlet_name=outlet,
            batch=poll.batch,
        )
        for e in entries
    )
    FeedEntry.objects.filter(pk__in=[e.pk for e in entries]).update(page_checked_at=now)
    return [job.pk for job in created]


# --- records as stored on a job -----------------------------------------------------------------


def record_payload(record: ArticleRecord) -> dict[str, object]:
    return {
        "title": record.title,
        "body": record.body,
        "origin": record.origin,
        "url": record.url,
        "outlet": record.outlet,
        "published": record.published.isoformat() if record.published else None,
        "agencies": list(record.agencies),
    }


def record_from_payload(payload: dict) -> ArticleRecord:
    published = payload.get("published")
    return ArticleRecord(
        title=payload["title"],
        body=payload["body"],
        origin=payload.get("origin") or "",
        url=payload.get("url"),
        outlet=payload.get("outlet"),
        published=datetime.fromisoformat(published) if published else None,
        agencies=tuple(payload.get("agencies") or ()),
    )


def _user(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None
