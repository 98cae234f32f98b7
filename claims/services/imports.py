"""Article import: the write path from article records (claims.importers) to Article, Claim and Actor.

Each article is written in its own transaction, so one bad article never leaves half its rows
behind and never stops the run. Extraction (CPU-bound) runs *before* the transaction, in this
process or in worker processes, so no write lock is held while spaCy parses.

Re-imports are keyed on `Article.source_key` (the URL, else outlet + title):

- same text, same extractor version, same metadata: nothing is written ("unchanged");
- new text (or a newer extractor): the article is updated and its claims re-extracted. Claims
  match on their fingerprint; a surviving claim is updated in place, so its status, evidence and
  history stay. A claim that no longer appears is deleted when nobody has touched it, and kept with
  `in_article=False` when it was reviewed or has evidence or history;
- claim status is never changed here: that is `claim_review`'s job.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
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
from claims.models import Actor, Article, Claim, Evidence, Outlet, StatusChange
from claims.schema import CLAIM_EXTRACTED_FIELDS
from claims.services import webhooks
from claims.services.figures import figures_refresh_for_article
from claims.services.matching import article_match

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
) -> ArticleImportResult:
    """Import one article record: create, update or leave it, with its claims.

    `on_write` runs inside the article's transaction once it is written, so that what it records
    (the job queue marks its job done) commits with the article or not at all.

    `extractor=None` imports the text without extracting claims (existing claims are left alone and
    the article is marked as not extracted, so a later import with extraction fills them in).
    With `dry_run`, everything runs and is rolled back.
    """
    claims: list[ExtractedClaim] | ExtractionFailed | None = None
    if extractor is not None:
        state = (
            Article.objects.filter(source_key=record.source_key)
            .values_list("content_hash", "extractor_version")
            .first()
        )
        if _needs_extraction(record, state):
            claims = next(iter(extract_chunk(extractor, [record.body])))
    return _write_safely(record, claims, extractor=extractor, dry_run=dry_run, on_write=on_write)


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
        states: dict[str, tuple[str, str]] = {}
        if extract and records:
            states = {
                key: (content_hash, version)
                for key, content_hash, version in Article.objects.filter(
                    source_key__in={r.source_key for r in records}
                ).values_list("source_key", "content_hash", "extractor_version")
            }
        for item in batch:
            needs = (
                extract
                and isinstance(item, ArticleRecord)
                and _needs_extraction(item, states.get(item.source_key))
            )
            yield _Planned(item, needs)


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
) -> ArticleImportResult:
    if isinstance(claims, ExtractionFailed):
        return _failure(record.origin, claims.message, record.title)
    try:
        return _write(record, claims, extractor=extractor, dry_run=dry_run, on_write=on_write)
    except Exception as exc:
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
        counts = _claims_sync(article, claims or [], created=outcome == Outcome.CREATED)
    figures_refresh_for_article(article=article)
    if extract and settings.CLAIMDESK_MATCH_ON_IMPORT:
        article_match(article=article, created=outcome == Outcome.CREATED)
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


# --- claims -----------------------------------------------------------------------------------


def _claims_sync(
    article: Article, extracted: list[ExtractedClaim], *, created: bool
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
        values = _claim_values(ec, actors.get(_speaker_key(ec)))
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


# --- actors -------------------------------------------------------------------------------------

_PRONOUNS = {"he", "she", "they", "it", "him", "her", "them", "his", "its", "their", "we", "i"}
_DETERMINERS = {"the", "a", "an"}
_ACTOR_KINDS = {Actor.Kind.PERSON, Actor.Kind.ORGANISATION}


def _speaker_key(ec: ExtractedClaim) -> str | None:
    """The speaker's matching key, or None when the speaker is nobody in particular."""
    name = (ec.speaker or "").strip()
    if not name or ec.speaker_kind == Actor.Kind.GROUP or name.lower() in _PRONOUNS:
        return None
    if ec.speaker_kind == Actor.Kind.PERSON:
        # The extractor resolved a person; only an unresolved description ("the president",
        # "a witness") is refused. Case does not matter for people.
        if name.split()[0].lower() in _DETERMINERS:
            return None
    elif not is_proper_name(name):
        return None
    return name.casefold()


def is_proper_name(name: str) -> bool:
    """Whether a speaker names someone in particular ("Antony Blinken", "Human Rights Watch").

    "police", "the interior ministry" or "one woman" are different people in every article; an
    actor shared across articles would wrongly merge them, so those claims keep only their words.
    """
    words = name.split()
    if words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    return any(word[0].isupper() or word[0].isdigit() for word in words)


def actors_for_claims(claims: Sequence[ExtractedClaim]) -> dict[str, Actor]:
    """The Actor for each named speaker (by lower-cased name), matched across articles.

    Matching, case-insensitive, in order: an actor with the speaker's name; an actor with the
    speaker's name among its aliases (editors add spellings there); an actor whose name is one of
    the speaker's proper-name aliases, i.e. an earlier article knew only "Tokayev" (that actor takes
    the fuller name, keeping the old one as an alias). Generic aliases ("the president") are kept
    on the actor for editors but never used to match: every country has a president.
    A new speaker becomes a new actor. At most three queries, however many speakers.
    """
    speakers: dict[str, tuple[str, str, list[str]]] = {}  # key -> (name, kind, aliases)
    for ec in claims:
        key = _speaker_key(ec)
        if key is None:
            continue
        name = ec.speaker.strip()[:300]  # type: ignore[union-attr]
        _, _kind, aliases = speakers.setdefault(
            key,
            (name, ec.speaker_kind if ec.speaker_kind in _ACTOR_KINDS else Actor.Kind.PERSON, []),
        )
        for alias in ec.speaker_aliases:
            alias = alias.strip()
            if (
                alias
                and alias.lower() not in _PRONOUNS
                and alias.casefold() != key
                and alias.casefold() not in {a.casefold() for a in aliases}
            ):
                aliases.append(alias[:300])
    if not speakers:
        return {}

    by_name: set[str] = set(speakers)
    alias_needles = Q()
    for name, _kind, aliases in speakers.values():
        by_name.update(a.casefold() for a in aliases if is_proper_name(a))
        alias_needles |= Q(aliases__icontains=_json_needle(name))
    candidates = list(
        Actor.objects.annotate(lower_name=Lower("name"))
        .filter(Q(lower_name__in=by_name) | alias_needles)
        .order_by("id")
    )

    matched: dict[str, Actor] = {}
    renamed: set[int] = set()
    for key, (name, _kind, aliases) in speakers.items():
        actor = _match(key, aliases, candidates, matched)
        if actor is None:
            continue
        short_form = actor.name.casefold() != key and actor.name.casefold() in {
            a.casefold() for a in aliases
        }
        if short_form and not any(a.name.casefold() == key for a in candidates):
            # The stored name is a short form of this one ("Tokayev"): take the full name.
            actor.aliases = [actor.name, *actor.aliases]
            actor.name = name
            renamed.add(actor.id)
        matched[key] = actor

    to_update: list[Actor] = []
    for key, actor in matched.items():
        known = {a.casefold() for a in actor.aliases} | {actor.name.casefold()}
        extra = [a for a in speakers[key][2] if a.casefold() not in known]
        if extra or actor.id in renamed:
            actor.aliases = [*actor.aliases, *extra]
            actor.updated_at = timezone.now()
            to_update.append(actor)
    if to_update:
        Actor.objects.bulk_update(to_update, ["name", "aliases", "updated_at"])

    new_keys = [key for key in speakers if key not in matched]
    if new_keys:
        # ignore_conflicts: a concurrent import may create the same actor; we re-read either way.
        Actor.objects.bulk_create(
            [
                Actor(name=speakers[k][0], kind=speakers[k][1], aliases=speakers[k][2])
                for k in new_keys
            ],
            ignore_conflicts=True,
        )
        new_names = [speakers[k][0] for k in new_keys]
        for actor in Actor.objects.annotate(lower_name=Lower("name")).filter(
            Q(lower_name__in=new_keys) | Q(name__in=new_names)
        ):
            matched.setdefault(actor.name.casefold(), actor)
    return matched


def _match(
    key: str, aliases: list[str], candidates: list[Actor], matched: dict[str, Actor]
) -> Actor | None:
    for actor in candidates:
        if actor.name.casefold() == key:
            return actor
    for actor in candidates:
        if key in {a.casefold() for a in actor.aliases}:
            return actor
    proper = {a.casefold() for a in aliases if is_proper_name(a)}
    for actor in candidates:
        if actor.name.casefold() in proper and actor not in matched.values():
            return actor
    return None


def _json_needle(name: str) -> str:
    # Actor.aliases is a JSON list; searching its text for the quoted name finds a whole alias
    # (the match is then checked exactly in Python). SQLite stores JSON with \u escapes,
    # PostgreSQL's jsonb text shows the characters themselves.
    return json.dumps(name, ensure_ascii=connection.vendor == "sqlite")
