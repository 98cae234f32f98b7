"""Article import: the write path from article records (claims.importers) to Article, Claim and Actor.

Each article is written in its own transaction, so one bad article never leaves half its rows
behind and never stops the run. Extraction (CPU-bound) runs *before* the transaction, in this
process or in worker processes, so no write lock is held while spaCy parses.

Re-imports are keyed on `Article.source_key` (the URL, else outlet + title):

- same text, same extractor version, same metadata: nothing is written ("unchanged");
- new text (or a newer extractor): the article is updated and its claims re-extracted
  (`claims.services.claim_sync`; speakers become actors in `claims.services.actors`). Claims
  match on their fingerprint; a surviving claim is updated in place, so its status, evidence and
  history stay. A claim that no longer appears is deleted when nobody has touched it, and kept with
  `in_article=False` when it was reviewed or has evidence or history;
- claim status is never changed here: that is `claim_review`'s job.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import islice

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from claims.extraction import EXTRACTOR_VERSION, ExtractedClaim, extract_claims_many
from claims.importers import ArticleRecord, RecordError
from claims.importers.parallel import (
    ExtractionFailed,
    ExtractionPool,
    ExtractionQueue,
    Extractor,
    extract_chunk,
)
from claims.models import Article, Outlet
from claims.services.claim_sync import claims_sync
from claims.services.figures import figures_refresh_for_article
from claims.services.matching import article_match_on_import

logger = logging.getLogger(__name__)

# Records are looked up in the database this many at a time, to skip extracting unchanged ones.
PLAN_BATCH = 64


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class ArticleImportResult:
    article_id: int | None
    outcome: str  # an Outcome
    origin: str = ""  # "seeds/a.txt", "feed.jsonl:12", "<stdin>"
    title: str = ""
    error: str = ""  # why it failed, for the summary
    claims_added: int = 0
    claims_kept: int = 0  # fingerprint survived: updated in place, review kept
    claims_deleted: int = 0  # gone from the text and never reviewed
    claims_retired: int = 0  # gone from the text but reviewed: kept with in_article=False

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAILED


def article_import(
    *,
    record: ArticleRecord,
    extractor: Extractor | None = extract_claims_many,
    dry_run: bool = False,
    on_write: Callable[[ArticleImportResult], None] | None = None,
    raise_database_errors: bool = False,
) -> ArticleImportResult:
    """Import one article record: create, update or leave it, with its claims.

    `on_write` runs inside the article's transaction once it is written, so that what it records
    (the job queue marks its job done) commits with the article or not at all. Any error is the
    article's failure, except, with `raise_database_errors`, a lost or broken database
    connection: a job retries those later instead of failing.

    `extractor=None` imports the text without extracting claims (existing claims are left alone and
    the article is marked as not extracted, so a later import with extraction fills them in).
    With `dry_run`, everything runs and is rolled back.
    """
    claims: list[ExtractedClaim] | ExtractionFailed | None = None
    if extractor is not None:
        state = _stored_states([record]).get(record.source_key)
        if _needs_extraction(record, state):
            claims = next(iter(extract_chunk(extractor, [record.body])))
    return _write_safely(
        record,
        claims,
        extractor=extractor,
        dry_run=dry_run,
        on_write=on_write,
        raise_database_errors=raise_database_errors,
    )


def articles_import(
    items: Iterable[ArticleRecord | RecordError],
    *,
    extractor: Extractor | None = extract_claims_many,
    workers: int = 1,
    pool: ExtractionPool | None = None,
    dry_run: bool = False,
) -> Iterator[ArticleImportResult]:
    """Import a stream of records (and pass reader errors through as failures), in input order.

    With `workers` > 1, extraction runs in that many processes while this process writes: spaCy
    parsing is CPU-bound, the writes are not, and one writer keeps transactions simple. Results are
    yielded as each article is written, so a caller can show progress. A caller may pass its own
    started `pool` (the benchmark does, to time extraction without the workers' start-up).
    """
    own_pool = pool is None and extractor is not None and workers > 1
    if own_pool:
        pool = ExtractionPool(workers, extractor)  # type: ignore[arg-type]
    try:
        yield from _import_stream(items, extractor=extractor, pool=pool, dry_run=dry_run)
    finally:
        if own_pool and pool is not None:
            pool.close()


@dataclass
class _Planned:
    item: ArticleRecord | RecordError
    extract: bool = False


def _import_stream(
    items: Iterable[ArticleRecord | RecordError],
    *,
    extractor: Extractor | None,
    pool: ExtractionPool | None,
    dry_run: bool,
) -> Iterator[ArticleImportResult]:
    # Items wait in `pending`, in input order, until their claims are extracted; each is written
    # as soon as it and everything before it are ready. Input order matters: a run may hold two
    # versions of one article, and the later one must win.
    queue = ExtractionQueue(extractor, pool) if extractor is not None else None
    pending: deque[_Planned] = deque()

    def write_ready(*, wait: bool) -> Iterator[ArticleImportResult]:
        while pending:
            head = pending[0]
            if isinstance(head.item, RecordError):
                yield _failure(head.item.origin, head.item.message)
            elif not head.extract:
                yield _write_safely(head.item, None, extractor=extractor, dry_run=dry_run)
            elif queue is not None and (wait or queue.ready()):
                yield _write_safely(head.item, queue.get(), extractor=extractor, dry_run=dry_run)
            else:
                return
            pending.popleft()

    for planned in _plan(items, queue is not None):
        pending.append(planned)
        if planned.extract and queue is not None:
            queue.put(planned.item.body)  # type: ignore[union-attr]
        yield from write_ready(wait=False)
    yield from write_ready(wait=True)


def _plan(items: Iterable[ArticleRecord | RecordError], extract: bool) -> Iterator[_Planned]:
    """Mark which records need extraction, looking their stored state up a batch at a time."""
    iterator = iter(items)
    while batch := list(islice(iterator, PLAN_BATCH)):
        records = [item for item in batch if isinstance(item, ArticleRecord)]
        states = _stored_states(records) if extract and records else {}
        for item in batch:
            needs = (
                extract
                and isinstance(item, ArticleRecord)
                and _needs_extraction(item, states.get(item.source_key))
            )
            yield _Planned(item, needs)


def _stored_states(records: Sequence[ArticleRecord]) -> dict[str, tuple[str, str]]:
    """Each stored article's content hash and extractor version, by source key (one query)."""
    rows = Article.objects.filter(source_key__in={r.source_key for r in records}).values_list(
        "source_key", "content_hash", "extractor_version"
    )
    return {key: (content_hash, version) for key, content_hash, version in rows}


def _needs_extraction(record: ArticleRecord, state: tuple[str, str] | None) -> bool:
    if state is None:
        return True
    content_hash, version = state
    return content_hash != record.content_hash or version != EXTRACTOR_VERSION


# --- writing one article ------------------------------------------------------------------------


def _failure(origin: str, message: str, title: str = "") -> ArticleImportResult:
    return ArticleImportResult(
        article_id=None, outcome=Outcome.FAILED, origin=origin, title=title, error=message
    )


def _write_safely(
    record: ArticleRecord,
    claims: list[ExtractedClaim] | ExtractionFailed | None,
    *,
    extractor: Extractor | None,
    dry_run: bool,
    on_write: Callable[[ArticleImportResult], None] | None = None,
    raise_database_errors: bool = False,
) -> ArticleImportResult:
    if isinstance(claims, ExtractionFailed):
        return _failure(record.origin, claims.message, record.title)
    try:
        return _write(record, claims, extractor=extractor, dry_run=dry_run, on_write=on_write)
    except Exception as exc:
        if raise_database_errors and isinstance(exc, OperationalError | InterfaceError):
            raise
        # The article's transaction has rolled back; report it and let the run go on. The
        # traceback goes to the log for whoever has to fix the cause.
        logger.exception("import of %s failed", record.origin)
        return _failure(record.origin, f"not saved: {type(exc).__name__}: {exc}", record.title)


class _DryRunRollback(Exception):
    pass


def _write(
    record: ArticleRecord,
    claims: list[ExtractedClaim] | None,
    *,
    extractor: Extractor | None,
    dry_run: bool,
    on_write: Callable[[ArticleImportResult], None] | None = None,
) -> ArticleImportResult:
    result: ArticleImportResult | None = None
    try:
        with transaction.atomic():
            result = _write_in_transaction(record, claims, extractor=extractor)
            if on_write is not None:
                on_write(result)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    assert result is not None
    return result


def _write_in_transaction(
    record: ArticleRecord, claims: list[ExtractedClaim] | None, *, extractor: Extractor | None
) -> ArticleImportResult:
    if connection.vendor == "postgresql":
        # Do not wait for this commit to reach the disk: a crash can lose the last few articles,
        # never corrupt anything, and the import is idempotent, so re-running it restores them.
        # LOCAL: the setting ends with this transaction, whatever else uses the connection.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    # Row lock: two imports of the same article (two runs at once) must not both create or
    # re-extract it. A missing row cannot be locked; the unique source_key then fails the loser.
    article = Article.objects.select_for_update().filter(source_key=record.source_key).first()
    text_changed = article is None or article.content_hash != record.content_hash
    extract = extractor is not None and (
        text_changed or article is None or article.extractor_version != EXTRACTOR_VERSION
    )
    if extract and claims is None:
        # Planned as unchanged, but an earlier record in this run changed the article since.
        extracted = extract_chunk(extractor, [record.body])[0]  # type: ignore[arg-type]
        if isinstance(extracted, ExtractionFailed):
            raise RuntimeError(extracted.message)
        claims = extracted

    outlet, agencies = _outlets(record)
    published_at, basis = _published(record, article)
    fields = {
        "title": record.title,
        "url": record.url,
        "outlet_id": outlet.id if outlet else None,
        "published_at": published_at,
        "published_basis": basis,
        "body": record.body,
        "content_hash": record.content_hash,
    }
    if extract:
        fields["extractor_version"] = EXTRACTOR_VERSION
    elif text_changed:
        # The stored claims were found in the old text; mark the article as not extracted so the
        # next import with extraction brings them up to date.
        fields["extractor_version"] = ""

    if article is None:
        article = Article.objects.create(
            source_key=record.source_key, imported_from=record.origin[:500], **fields
        )
        if agencies:
            article.credited_agencies.add(*agencies)  # one INSERT: nothing to compare against
        outcome = Outcome.CREATED
    else:
        changed = [name for name, value in fields.items() if getattr(article, name) != value]
        agencies_changed = set(article.credited_agencies.values_list("id", flat=True)) != {
            a.id for a in agencies
        }
        if not changed and not agencies_changed and not extract:
            return ArticleImportResult(article.id, Outcome.UNCHANGED, record.origin, record.title)
        for name in changed:
            setattr(article, name, fields[name])
        article.imported_from = record.origin[:500]
        article.save(update_fields=[*changed, "imported_from", "updated_at"])
        if agencies_changed:
            article.credited_agencies.set(agencies)
        outcome = Outcome.UPDATED

    counts: dict[str, int] = {}
    if extract:
        counts = claims_sync(
            article=article, extracted=claims or [], created=outcome == Outcome.CREATED
        )
    figures_refresh_for_article(article=article)
    if extract and settings.CLAIMDESK_MATCH_ON_IMPORT:
        article_match_on_import(article=article, created=outcome == Outcome.CREATED)
    return ArticleImportResult(article.id, outcome, record.origin, record.title, **counts)


def _published(record: ArticleRecord, article: Article | None) -> tuple[datetime, str]:
    """When the article was published, and how we know (`Article.PublishedBasis`).

    An article that says nothing of its date is dated by its first import: a re-import keeps
    that time, so importing the same text again still changes nothing.
    """
    if record.published is not None:
        return record.published, record.published_basis or Article.PublishedBasis.HEADER
    imported = Article.PublishedBasis.IMPORTED
    if article is not None and article.published_basis == imported and article.published_at:
        return article.published_at, imported
    return timezone.now(), imported


def _outlets(record: ArticleRecord) -> tuple[Outlet | None, list[Outlet]]:
    """The publishing outlet and credited agencies, created when new (matched ignoring case)."""
    wanted: dict[str, tuple[str, str]] = {}  # lower name -> (name, kind for a new outlet)
    for name in record.agencies:
        wanted[name.casefold()] = (name, Outlet.Kind.AGENCY)
    if record.outlet:
        wanted[record.outlet.casefold()] = (record.outlet, Outlet.Kind.NEWS)
    if not wanted:
        return None, []
    found = _outlets_by_lower_name(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        # ignore_conflicts: another import may create the same outlet at the same moment.
        Outlet.objects.bulk_create(
            [Outlet(name=wanted[key][0], kind=wanted[key][1]) for key in missing],
            ignore_conflicts=True,
        )
        found.update(_outlets_by_lower_name({key: wanted[key] for key in missing}))
    outlet = found[record.outlet.casefold()] if record.outlet else None
    return outlet, [found[name.casefold()] for name in record.agencies]


def _outlets_by_lower_name(wanted: dict[str, tuple[str, str]]) -> dict[str, Outlet]:
    found: dict[str, Outlet] = {}
    # Both spellings: SQLite's LOWER() folds ASCII letters only.
    rows = Outlet.objects.annotate(lower_name=Lower("name")).filter(
        Q(lower_name__in=list(wanted)) | Q(name__in=[name for name, _ in wanted.values()])
    )
    for outlet in rows.order_by("id"):
        found.setdefault(outlet.name.casefold(), outlet)
    return found
