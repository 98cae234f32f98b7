"""Repeated claims: link reprints and store each claim's matches among earlier claims.

Runs in the import's transaction for the article just written (so a worker on any machine can do
it: everything it reads is in the database), and from `manage.py match_claims` for a backfill.
Candidates come from indexes that stay fast at millions of claims: the article bands (MinHash
LSH) for reprints, the speaker and (kind, outcome, value) indexes for statements and figures, and
PostgreSQL full-text search (a GIN index) for wording; SQLite, the demo database, scans the most
recent claims of the kind instead. The decisions are `claims.matching`'s, over plain values.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from claims.matching import reprints
from claims.matching.scorer import (
    REPRINT_REASONS,
    ClaimFacts,
    Match,
    compare,
    printed_anywhere,
    reprinted,
    topic_words,
    wording,
)
from claims.matching.text import (
    band_keys,
    content_words,
    jaccard,
    signature_bytes,
    signature_from_bytes,
    words,
)
from claims.models import Actor, Article, ArticleBand, Claim, ClaimMatch, Figure
from claims.services.figures import figures_refresh_for_article, speaker_key_of

# Candidates per strategy and claim: the scorer reads each, so this bounds a lookup's cost.
CANDIDATES_PER_KEY = 30
# Other copies of a reprinted story compared besides its first (the latest ones).
STORY_COPIES = 3
# A reprinted sentence this like its original's (numbers aside; 0.9: two words in twenty changed)
# takes the original's candidates instead of a search of its own.
NEARLY_VERBATIM = 0.9
# Matches kept per claim, best first: an editor reads a handful, not fifty.
MATCHES_KEPT = 10
# SQLite has no full-text index here: compare with this many of the latest claims of the kind.
SCAN_RECENT = 400
# Full-text query: the longest content words of the claim, any two of which must occur.
FTS_WORDS = 6
# At most this many rows per full-text search reach the outer query (which keeps the newest).
FTS_ROWS = 500
# A word in more than this share of all claim sentences says little about which claim it is.
COMMON_SHARE = 0.002
# pg_stats changes when autovacuum analyses the table: re-read it every few minutes.
COMMON_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ArticleMatchResult:
    reprint_of: int | None
    same: int
    similar: int


def article_match_on_import(*, article: Article, created: bool) -> None:
    """In the import's transaction: link the reprint, then match the claims now or queue it.

    The reprint link is part of the import (figures count a reprint with its story). Matching the
    claims is not: with a job queue it runs on a worker once the import commits, so an import
    costs the same with matching as without and the matches follow a moment later. Without a
    queue (the demo, the tests) it runs here, as before. `matched_at` records which is pending.
    """
    queued = settings.CLAIMDESK_MATCH_QUEUED
    article.matched_at = None if queued else timezone.now()
    _serial_plans()
    root = _reprint_link(article, created=created)
    if not queued:
        _claims_store(article, root=root, created=created, earlier_only=False)
        return
    from claims import tasks  # tasks call services; services name tasks only here and in ingest

    article_id = article.pk
    transaction.on_commit(lambda: tasks.article_claims_match.delay(article_id))


def article_claims_match(*, article_id: int) -> ArticleMatchResult | None:
    """The queued half of `article_match_on_import`: match an imported article's claims.

    Safe to run twice and on any worker: the article's row lock orders it with a re-import of
    the same article, and one already matched (a message delivered again) is left alone. Like
    the backfill, it compares with the articles imported before this one only: those after it
    compare with it when their own job runs, so each pair is stored once.
    """
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or article.matched_at is not None:
            return None
        _serial_plans()
        imported_at = article.updated_at  # before a relink saves the article
        root = article.reprint_of_id or _reprint_relink(article)
        result = _claims_store(article, root=root, created=False, earlier_only=True)
        later = _later_claims_store(article, root, since=imported_at - CLOCK_SKEW)
        Article.objects.filter(pk=article_id).update(matched_at=timezone.now())
    return replace(result, same=result.same + later.same, similar=result.similar + later.similar)


def _serial_plans() -> None:
    """No parallel workers and no JIT for the rest of this transaction: matching's lookups are
    small, and the planner overestimates some (a table not yet analysed, a skewed column).
    Starting a worker (5 ms) cost more than it ran: at a million claims, without them an
    article's matching took half as long (107 -> 64 ms). Compiling one to machine code took
    30 ms for a query that ran in 0.1."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather TO 0; SET LOCAL jit TO off")


def _reprint_relink(article: Article) -> int | None:
    """Link a copy its import could not: the story was being imported at the same moment.

    Two workers importing two copies of one wire story at once each wrote theirs before the
    other committed, so neither saw the other. By the time this job runs the earlier copy is
    committed; linked now, the copy's figures are refreshed so it counts with its story.
    """
    if article.body_signature is None:
        return None
    body = reprints.BodyPrint(signature_from_bytes(article.body_signature), article.body_shingles)
    root = _reprint_root(article, body, band_keys(body.signature))
    if root is not None:
        article.reprint_of_id = root
        article.save(update_fields=["reprint_of"])
        figures_refresh_for_article(article=article)
    return root


# Clocks of the machines that import and match may differ by this much.
CLOCK_SKEW = timedelta(seconds=60)
# At most this many later articles are compared here (a burst of concurrent imports).
LATER_ARTICLES = 20


def _later_claims_store(
    article: Article, root: int | None, *, since: datetime
) -> ArticleMatchResult:
    """Catch up with articles imported after this one whose matching ran before it committed.

    A queued job compares with earlier articles only, so that each pair is stored once. But a
    later article imported at the same moment (by another worker) was linked and matched before
    this one was committed, and could not see it: a copy of this story is linked to it here
    (its figures refreshed), and their pairs are made, from the later claim as always.
    """
    copies = list(
        Article.objects.filter(id__gt=article.id, matched_at__gte=since)
        .order_by("id")
        .only("id", "reprint_of_id", "body_signature", "body_shingles")[:LATER_ARTICLES]
    )
    if not copies:
        return ArticleMatchResult(reprint_of=None, same=0, similar=0)
    for copy in copies:
        if copy.reprint_of_id is None and _reprints(copy, article):
            copy.reprint_of_id = root or article.id
            copy.save(update_fields=["reprint_of"])
            figures_refresh_for_article(article=copy)
    later = _claims_facts(articles=[c.id for c in copies])
    mine = _claims_facts(articles=[article.id])
    # A pair the later article's own job did find is stored already, and kept as it is.
    stored = set(
        ClaimMatch.objects.filter(
            claim_id__in=[c.id for c in later], earlier_id__in=[c.id for c in mine]
        ).values_list("claim_id", "earlier_id")
    )
    rows = [
        _match_row(new.id, old.id, match)
        for new in later
        for old in mine
        if (new.id, old.id) not in stored and (match := compare(new, old)) is not None
    ]
    _matches_insert(rows)
    return _match_result(None, rows)


def articles_match_pending(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Beat: queue again the matching of articles whose job was lost (a broker restart, say)."""
    if not (settings.CLAIMDESK_MATCH_ON_IMPORT and settings.CLAIMDESK_MATCH_QUEUED):
        return 0
    from claims import tasks

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Article.objects.filter(matched_at__isnull=True, updated_at__lt=cutoff)
        .exclude(extractor_version="")
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for article_id in ids:
        tasks.article_claims_match.delay(article_id)
    return len(ids)


def article_match(
    *, article: Article, created: bool = False, earlier_only: bool = False
) -> ArticleMatchResult:
    """Link `article` to the story it reprints, then (re)match its current claims, here.

    A constant number of queries whatever the number of claims (candidates are fetched for all of
    them at once); `created` skips deleting rows a new article cannot have. `earlier_only`
    compares with claims of articles imported before it only (the backfill, in id order, so
    each pair is stored once, from the later claim to the earlier).
    """
    article.matched_at = timezone.now()
    _serial_plans()
    root = _reprint_link(article, created=created)
    return _claims_store(article, root=root, created=created, earlier_only=earlier_only)


def _claims_store(
    article: Article, *, root: int | None, created: bool, earlier_only: bool
) -> ArticleMatchResult:
    claims = _claims_facts(articles=[article.id])
    found = claims_match(
        claims, story=not (created and root is None), before=article.id if earlier_only else None
    )
    if not created:
        ClaimMatch.objects.filter(claim__in=[c.id for c in claims]).delete()
    rows = [
        _match_row(claim_id, old_id, match)
        for claim_id, matches in found.items()
        for old_id, match in matches
    ]
    _matches_insert(rows)
    return _match_result(root, rows)


MatchRow = tuple[int, int, str, float, str]  # claim, earlier, relation, score, reason


def _match_row(claim_id: int, earlier_id: int, match: Match) -> MatchRow:
    return (claim_id, earlier_id, match.relation, round(match.score, 4), match.reason)


def _match_result(root: int | None, rows: list[MatchRow]) -> ArticleMatchResult:
    return ArticleMatchResult(
        reprint_of=root,
        same=sum(row[2] == "same" for row in rows),
        similar=sum(row[2] == "similar" for row in rows),
    )


def _matches_insert(rows: list[MatchRow]) -> None:
    """Store the rows as ClaimMatch rows; a pair stored already (by a job on another worker
    catching up with this article) is kept as it is."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ClaimMatch.objects.bulk_create(
            (
                ClaimMatch(claim_id=c, earlier_id=e, relation=r, score=s, reason=why)
                for c, e, r, s, why in rows
            ),
            ignore_conflicts=True,
        )
        return
    # One array per column, as bulk_create sends them, without building a model instance and
    # preparing each field of each row: 5.6 ms -> 1.8 ms for an article's 160 rows.
    columns = [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_claimmatch (claim_id, earlier_id, relation, score, reason, "
            "created_at) SELECT u.*, %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], "
            "%s::float8[], %s::text[]) AS u ON CONFLICT (claim_id, earlier_id) DO NOTHING",
            [timezone.now(), *columns],
        )


def claims_match(
    claims: list[ClaimFacts], *, story: bool = True, before: int | None = None
) -> dict[int, list[tuple[int, Match]]]:
    """For each claim, the claims of other articles it repeats or resembles, best first.

    `story=False` skips looking for other copies of the story (a new article that reprints none);
    `before` (an article id) keeps to articles imported before it.
    """
    ranked = claims_rank(claims, story=story, before=before, rank_all=False)
    return {
        cid: [(old, match) for old, match, _ in ranking if match is not None][:MATCHES_KEPT]
        for cid, ranking in ranked.items()
    }


def claims_rank(
    claims: list[ClaimFacts],
    *,
    story: bool = True,
    before: int | None = None,
    rank_all: bool = True,
) -> dict[int, list[tuple[int, Match | None, float]]]:
    """Every candidate of each claim with its match (or None) and a score to rank by.

    Matches come first, by their score; with `rank_all` the other candidates follow by wording
    alone, so that a ranked list (the benchmark's MAP@5) still orders what the rules would not
    call a match. The import needs only the matches.
    """
    wanted = candidates_for(claims, story=story, before=before)
    every = set().union(*wanted.values()) if wanted else set()
    earlier = {old.id: old for old in _claims_facts(ids=every)}
    if len(_memo.pairs) >= COMPARED_KEPT or len(_memo.printed) >= COMPARED_KEPT:
        _compared_forget()
    printed = {cid: _printed_id(old) for cid, old in earlier.items()}
    ranked = {}
    for new in claims:
        scored = []
        mine = _printed_id(new)
        for old_id in wanted.get(new.id, ()):
            if old_id not in earlier:
                continue
            old = earlier[old_id]
            match = _compared(new, old, mine, printed[old_id])
            if match is not None:
                scored.append((old_id, match, match.score))
            elif rank_all:
                # Below every match (0.2 and up): the wording, or the shared words and speaker.
                near = max(wording(new.text, old.text), jaccard(topic_words(new), topic_words(old)))
                scored.append((old_id, None, 0.19 * near))
        scored.sort(key=lambda item: (-item[2], item[0]))
        ranked[new.id] = scored
    return ranked


# Pairs this thread has compared, by what `compare` reads of them. Copies of one story bring
# the same claim many times over, and the next copy of the story brings most of the last one's
# pairs again. Each claim's `printed_anywhere` is numbered once (a pair of 14-field tuples was
# slow to hash two thousand times an article); both are forgotten when full, between articles,
# so memory stays bounded (a few megabytes).
COMPARED_KEPT = 20_000
# Facts of claims this thread has read, by their row: the next copy of a story brings most of
# the last one's candidates again, and building the facts cost more than reading the row.
FACTS_KEPT = 10_000


class _Memo(threading.local):
    """Each thread's own, so that one never forgets what another is in the middle of reading
    (an import run by a threaded server). `pairs` is keyed by the numbers in `printed`: the
    two are forgotten together."""

    def __init__(self) -> None:
        self.printed: dict[tuple, int] = {}
        self.pairs: dict[tuple[int, int, bool], Match | None] = {}
        self.facts: dict[tuple, ClaimFacts] = {}


_memo = _Memo()


def _compared_forget() -> None:
    _memo.printed.clear()
    _memo.pairs.clear()


def _printed_id(claim: ClaimFacts) -> int:
    return _memo.printed.setdefault(printed_anywhere(claim), len(_memo.printed))


def _compared(new: ClaimFacts, old: ClaimFacts, new_key: int, old_key: int) -> Match | None:
    """`compare(new, old)`, computed once per thread for each pair of `printed_anywhere` keys
    and whether one reprints the other: all that `compare` reads besides the ids."""
    if new.id == old.id:  # the one other thing `compare` reads
        return None
    key = (new_key, old_key, reprinted(new, old))
    pairs = _memo.pairs
    if key not in pairs:
        pairs[key] = compare(new, old)
    return pairs[key]


def candidates_for(
    claims: list[ClaimFacts], *, story: bool = True, before: int | None = None
) -> dict[int, set[int]]:
    """Ids of claims in other articles that might repeat each claim, from each strategy's index.

    A fixed number of queries for any number of claims: the story's copies (their ids, then their
    claims), the same speakers' latest statements, the latest figures with the same value, and
    the wording search (on PostgreSQL with the words' lexemes first). A claim that an earlier
    copy of the story printed word for word, or nearly, takes that claim's matches instead of a
    wording search of its own.
    """
    found: dict[int, set[int]] = {c.id: set() for c in claims}
    if not claims:
        return found
    article_id = claims[0].article_id
    others = Claim.objects.filter(in_article=True).exclude(article_id=article_id)
    if before is not None:  # only articles imported before this one (the backfill)
        others = others.filter(article_id__lt=before)
    searched = claims
    if story:
        originals = _story_candidates(found, claims, others)
        inherited = _inherited_candidates(originals, article_id, claims[0].story_id, before)
        for claim_id, cid in inherited:
            found[claim_id].add(cid)
        searched = [c for c in claims if c.id not in originals]
    _add_latest(found, claims, others, "speaker_id", _speaker_id, Claim.Kind.ATTRIBUTION)
    _add_latest(found, claims, others, "value_low", lambda c: c.value_low, None)
    for claim_id, cid in _wording_candidates(searched, others):
        found[claim_id].add(cid)
    return found


def _story_candidates(
    found: dict[int, set[int]], claims: list[ClaimFacts], others: QuerySet[Claim]
) -> dict[int, int]:
    """Add the claims of the story's other copies; return each claim that an earlier copy
    printed word for word or nearly (`_original_in`) with that copy's claim: its original.

    A claim with an original is compared with the copies' claims by the same speaker (or, for
    a figure, of the same value) and those with no known speaker, not with all of the story's:
    its other sentences are other claims, and comparing each copy's every claim with every
    other's was most of a reprint's matching (1,800 comparisons a copy, 450 this way).
    """
    article_id, story_id = claims[0].article_id, claims[0].story_id
    # The story's first copy and its latest few others. Not every copy: a wire story printed
    # a hundred times would compare each claim with thousands; the matches to the first copy
    # are the ones that count.
    latest = (
        Article.objects.filter(reprint_of_id=story_id)
        .exclude(id=article_id)
        .order_by("-id")
        .values_list("id", flat=True)[:STORY_COPIES]
    )
    # The ids as a list (one small query): as a subquery the planner misjudged how many
    # articles it gives and scanned every claim (0.6 s at a million).
    copies = others.filter(article_id__in=[story_id, *latest]).order_by()
    # Each sentence the story printed before this copy, with the claim that printed it first
    # (ids are in import order). Empty for the story's first copy itself: its copies came after.
    printed: dict[tuple[str, str], int] = {}
    of_kind: dict[str, set[int]] = defaultdict(set)
    alike: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    rows = copies.values_list("id", "kind", "article_id", "sentence", "speaker_id", "value_low")
    for cid, kind, copy_id, sentence, speaker, value in sorted(rows[: CANDIDATES_PER_KEY * 10]):
        of_kind[kind].add(cid)
        alike[kind, speaker if kind == Claim.Kind.ATTRIBUTION else value].add(cid)
        if copy_id < article_id and story_id != article_id:
            printed.setdefault((kind, _verbatim(sentence)), cid)
    originals = {}
    for c in claims:
        if (original := _original_in(printed, c)) is None:
            found[c.id] |= of_kind[c.kind]
            continue
        originals[c.id] = original
        found[c.id] |= {original, *alike[c.kind, _alike_key(c)], *alike[c.kind, None]}
    return originals


def _alike_key(claim: ClaimFacts) -> int | None:
    """Who a statement is by (an actor's id), or a figure's value. `compare` needs the value
    equal; the speaker it only needs to agree (`speakers_agree`: a surname and the full name may
    be two actors), so keying by actor is a narrowing, paid for in the README's Limits."""
    return _speaker_id(claim) if claim.kind == Claim.Kind.ATTRIBUTION else claim.value_low


def _original_in(printed: dict[tuple[str, str], int], claim: ClaimFacts) -> int | None:
    """The claim of an earlier copy that `claim` reprints: the same sentence word for word
    (numbers aside), or else the most like it if nearly so (a name changed, a clause cut)."""
    mine = _verbatim(claim.sentence)
    if (original := printed.get((claim.kind, mine))) is not None:
        return original
    likeness, original = max(
        ((wording(mine, sentence), -cid) for (kind, sentence), cid in printed.items()
         if kind == claim.kind),
        default=(0.0, 0),
    )  # fmt: skip
    return -original if likeness >= NEARLY_VERBATIM else None


@lru_cache(maxsize=8192)  # the story's copies bring the same sentences again each copy
def _verbatim(sentence: str) -> str:
    """The sentence's words with its numbers masked: a reprint that updates a toll is still the
    original's sentence for finding candidates (whether it matches is the scorer's to say)."""
    return " ".join("#" if w[0].isdigit() else w for w in words(sentence))


def _inherited_candidates(
    originals: dict[int, int], article_id: int, story_id: int, before: int | None
) -> Iterable[tuple[int, int]]:
    """(claim id, candidate id) pairs: a reprinted claim's candidates are its original's matches.

    The original was searched for when its article came in, and every claim imported since that
    repeats or resembles it was matched with it then: so the claims it matches, and the latest
    that match it, are what a search for the same words would find, without the search. A
    reprint of a wire story printed by many outlets is most of a busy day's import. The
    story's own copies that matched it are left out: the latest of them are candidates already.
    """
    if not originals:
        return []
    by_original: dict[int, list[int]] = {}
    for claim_id, original in originals.items():
        by_original.setdefault(original, []).append(claim_id)
    earlier = _matched_earlier(list(by_original))
    # The latest rows from outside the story that matched each original (a bounded range of a
    # partial index each), then in Python the ones that count. Copies relinked to the story
    # after their rows were stored are left out here too.
    rows = _latest_matching(list(by_original))
    later = [
        (original, other)
        for original, other, other_article, other_story, in_article in rows
        if in_article
        and other_article != article_id
        and other_story != story_id
        and (before is None or other_article < before)
    ]
    return [
        (claim_id, other)
        for original, other in [*earlier, *later]
        for claim_id in by_original[original]
    ]


def _matched_earlier(originals: list[int]) -> Iterable[tuple[int, int]]:
    """(original, earlier claim) of the stored matches of each original that are still in
    their article (at most MATCHES_KEPT each)."""
    if connection.vendor != "postgresql":
        return (
            ClaimMatch.objects.filter(claim_id__in=originals, earlier__in_article=True)
            .order_by()
            .values_list("claim_id", "earlier_id")
        )
    # Each earlier claim as one primary-key probe (OFFSET 0): joined, a planner that had not
    # yet analysed the matches table merged them with the claims' whole primary key (0.5 s).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.claim_id, m.earlier_id FROM claims_claimmatch m CROSS JOIN LATERAL ("
            "  SELECT in_article FROM claims_claim WHERE id = m.earlier_id OFFSET 0) AS e "
            "WHERE m.claim_id = ANY(%s) AND e.in_article",
            [originals],
        )
        return cursor.fetchall()


def _latest_matching(originals: list[int]) -> Iterable[tuple[int, int, int, int | None, bool]]:
    """(original, claim, its article, that article's story, in article) of the latest
    CANDIDATES_PER_KEY matches stored with each original as the earlier claim."""
    if not originals:
        return []
    if connection.vendor != "postgresql":  # SQLite: one small query each
        return [
            row
            for original in originals
            for row in ClaimMatch.objects.filter(earlier_id=original)
            .exclude(reason__in=REPRINT_REASONS)
            .order_by("-id")
            .values_list(
                "earlier_id", "claim_id", "claim__article_id", "claim__article__reprint_of_id",
                "claim__in_article",
            )[:CANDIDATES_PER_KEY]
        ]  # fmt: skip
    # One statement, a LIMITed range of the partial (earlier, -id) index per original (LATERAL,
    # its condition written as the index's): as a UNION ALL of ORM querysets, building the SQL
    # cost more than running it (10 ms an article). The claim and its article are primary-key
    # probes (OFFSET 0), whatever the planner thinks of tables it has not analysed.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.earlier_id, m.claim_id, c.article_id, a.reprint_of_id, c.in_article "
            "FROM unnest(%s::bigint[]) AS o(id) CROSS JOIN LATERAL ("
            "  SELECT earlier_id, claim_id FROM claims_claimmatch"
            "  WHERE earlier_id = o.id AND NOT (reason IN (%s, %s))"
            "  ORDER BY id DESC LIMIT %s) AS m "
            "CROSS JOIN LATERAL (SELECT article_id, in_article FROM claims_claim"
            "  WHERE id = m.claim_id OFFSET 0) AS c "
            "CROSS JOIN LATERAL (SELECT reprint_of_id FROM claims_article"
            "  WHERE id = c.article_id OFFSET 0) AS a",
            [originals, *REPRINT_REASONS, CANDIDATES_PER_KEY],
        )
        return cursor.fetchall()


def _speaker_id(claim: ClaimFacts) -> int | None:
    if claim.kind == Claim.Kind.ATTRIBUTION and claim.speaker_key.startswith("actor:"):
        return int(claim.speaker_key.removeprefix("actor:"))
    return None


def _add_latest(
    found: dict[int, set[int]],
    claims: list[ClaimFacts],
    others: QuerySet[Claim],
    field: str,
    key_of: Callable[[ClaimFacts], int | None],
    kind: str | None,
) -> None:
    """Add the latest CANDIDATES_PER_KEY claims for each claim's key (a speaker, a value),
    but the story's own: its copies are candidates through the story, and for a story printed
    many times they were most of a speaker's latest statements."""
    keys: dict[tuple[str, int], list[int]] = {}
    for c in claims:
        key = key_of(c)
        if key is not None and (kind is None or c.kind == kind):
            keys.setdefault((c.kind, key), []).append(c.id)
    if not keys:
        return
    story_id = claims[0].story_id
    for kind_, value, cid, story in _latest_per_key(others, field, keys):
        if story != story_id:
            for claim_id in keys.get((kind_, value), ()):
                found[claim_id].add(cid)


def _latest_per_key(
    others: QuerySet[Claim], field: str, keys: Iterable[tuple[str, int]]
) -> Iterable[tuple[str, int, int, int]]:
    """(kind, key, id, story) of each key's latest CANDIDATES_PER_KEY claims, in one query."""
    if not connection.features.supports_slicing_ordering_in_compound:  # SQLite
        return (
            others.filter(kind__in={k for k, _ in keys}, **{f"{field}__in": {v for _, v in keys}})
            .annotate(
                rank=Window(
                    RowNumber(), partition_by=[F("kind"), F(field)], order_by=F("id").desc()
                )
            )
            .filter(rank__lte=CANDIDATES_PER_KEY)
            .annotate(story=Coalesce("article__reprint_of_id", "article_id"))
            .values_list("kind", field, "id", "story")
        )
    # A newest-first LIMIT per key, each an index range scan (speaker or value, then id), as one
    # LATERAL join over the keys: numbering every key's claims in one window query sorted all of
    # a busy speaker's thousands of statements, and a UNION ALL of ORM querysets cost more to
    # build than to run. The story of each is a primary-key probe of its article (OFFSET 0).
    where, params = _where_sql(others)
    column = Claim._meta.get_field(field).column
    kinds, values = zip(*keys, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.kind, k.key, c.id, coalesce(a.reprint_of_id, c.article_id) "
            "FROM unnest(%s::text[], %s::bigint[]) AS k(kind, key) "
            "CROSS JOIN LATERAL (SELECT id, article_id FROM claims_claim "
            f"  WHERE kind = k.kind AND {column} = k.key AND {where} "
            "  ORDER BY id DESC LIMIT %s) AS c "
            "CROSS JOIN LATERAL (SELECT reprint_of_id FROM claims_article "
            "  WHERE id = c.article_id OFFSET 0) AS a",
            [list(kinds), list(values), *params, CANDIDATES_PER_KEY],
        )
        return cursor.fetchall()


def _where_sql(rows: QuerySet[Claim]) -> tuple[str, list]:
    """The WHERE clause of a claims queryset, for a statement written by hand over claims_claim:
    which claims count as others is said once, in `candidates_for`."""
    compiler = rows.query.get_compiler(connection=connection)
    sql, params = compiler.compile(rows.query.where)
    return sql, list(params)


def _terms(claim: ClaimFacts) -> list[str]:
    """The speaker's last name and the longest content words: rare words tend to be long."""
    names = content_words(claim.speaker_name)
    words = sorted(set(content_words(claim.text)) - set(names[-1:]), key=lambda w: (-len(w), w))
    terms = [*names[-1:], *words]
    # Twice as many as a search uses: on PostgreSQL the common ones are dropped first.
    return [w for w in terms if w.replace("'", "").isalnum()][: FTS_WORDS * 2]


def _wording_candidates(
    claims: list[ClaimFacts], others: QuerySet[Claim]
) -> Iterable[tuple[int, int]]:
    """(claim id, candidate id) pairs from the wording: full-text search, or a scan on SQLite."""
    queries = {c.id: (c.kind, _terms(c)) for c in claims}
    queries = {cid: q for cid, q in queries.items() if len(q[1]) >= 2}
    if not queries:
        return []
    if connection.vendor == "postgresql":
        return _fulltext_candidates(queries, others)
    kinds = {kind for kind, _ in queries.values()}
    recent = (
        others.filter(kind__in=kinds)
        .annotate(rank=Window(RowNumber(), partition_by=F("kind"), order_by=F("id").desc()))
        .filter(rank__lte=SCAN_RECENT)
        .values_list("id", "kind", "sentence")
    )
    pool = [(cid, kind, set(content_words(sentence))) for cid, kind, sentence in recent]
    pairs = []
    for claim_id, (kind, terms) in queries.items():
        mine = set(terms[:FTS_WORDS])
        scored = sorted(
            ((len(mine & words), cid) for cid, k, words in pool if k == kind), reverse=True
        )
        # As the full-text query: any two of the words.
        pairs += [(claim_id, cid) for shared, cid in scored[:CANDIDATES_PER_KEY] if shared >= 2]
    return pairs


def _fulltext_candidates(
    queries: dict[int, tuple[str, list[str]]], others: QuerySet[Claim]
) -> list[tuple[int, int]]:
    """One GIN-indexed search per claim, in one statement: any two of its uncommon words.

    Two things keep each search to a few milliseconds at a million claims. Words in more than
    COMMON_SHARE of all sentences ("killed", "people", "said") are left out, as BM25's IDF would
    weigh them near zero: PostgreSQL's own statistics on the index (pg_stats, refreshed by
    ANALYZE) say which they are. And the search runs in a LIMITed subquery, evaluated once, so
    the planner must use the GIN index: left to itself it walked the id index newest first,
    computing to_tsvector for every row (21 s for a query whose words were common).
    """
    lexemes = _lexemes({w for _, terms in queries.values() for w in terms})
    common = _common_lexemes()
    searches = []
    for claim_id, (kind, terms) in queries.items():
        rare = [w for w in terms if lexemes.get(w) and lexemes[w] not in common][:FTS_WORDS]
        if len(rare) >= 2:
            query = " | ".join(f"({a} & {b})" for i, a in enumerate(rare) for b in rare[i + 1 :])
            searches.append((claim_id, kind, query))
    if not searches:
        return []
    where, params = _where_sql(others)
    claim_ids, kinds, tsqueries = (list(column) for column in zip(*searches, strict=True))
    # Each claim's search as a LATERAL subquery over the claims' (id, kind, query) arrays: a
    # UNION ALL of ORM querysets cost more to build than to run. = ANY(ARRAY(...)): the search
    # runs once per claim, as an InitPlan, and its ids probe the primary key. As `id IN
    # (subquery)` a planner without statistics (a fresh table) ran it again for every row of
    # the outer scan: minutes for one article. sentence_tsv is a stored column (migration 0014).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.claim, c.id FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
            "AS q(claim, kind, query) CROSS JOIN LATERAL (SELECT id FROM claims_claim "
            f"  WHERE kind = q.kind AND {where} AND id = ANY(ARRAY("
            "    SELECT s.id FROM claims_claim s"
            "    WHERE s.sentence_tsv @@ to_tsquery('english', q.query) LIMIT %s))"
            "  ORDER BY id DESC LIMIT %s) AS c",
            [claim_ids, kinds, tsqueries, *params, FTS_ROWS, CANDIDATES_PER_KEY],
        )
        return cursor.fetchall()


def _lexemes(words: set[str]) -> dict[str, str]:
    """Each word as PostgreSQL's English configuration indexes it ("killed" is "kill")."""
    if not words:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, (to_tsvector('english', w)::text) FROM unnest(%s::text[]) AS w",
            [sorted(words)],
        )
        return {
            word: vector.split(":")[0].strip("'") for word, vector in cursor.fetchall() if vector
        }


_common: tuple[float, frozenset[str]] = (0.0, frozenset())


def _common_lexemes() -> frozenset[str]:
    """Lexemes in more than COMMON_SHARE of claim sentences, read from pg_stats (cached)."""
    global _common
    if time.monotonic() - _common[0] < COMMON_CACHE_SECONDS:
        return _common[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'claims_claim' AND attname = 'sentence_tsv'"
        )
        row = cursor.fetchone()
    found = frozenset()
    if row and row[0]:
        found = frozenset(e for e, f in zip(row[0], row[1], strict=False) if f > COMMON_SHARE)
    _common = (time.monotonic(), found)
    return found


@dataclass
class BackfillCounts:
    articles: int = 0
    reprints: int = 0  # articles linked to the story they reprint
    same: int = 0
    similar: int = 0


def articles_match(
    *,
    article_ids: Iterable[int] | None = None,
    dry_run: bool = False,
    on_article: Callable[[Article, ArticleMatchResult], None] | None = None,
) -> BackfillCounts:
    """Match existing articles (all, or `article_ids`) in id order: `manage.py match_claims`.

    Each article against the articles before it only, so a backfill stores each pair once, as
    the import does; each in its own transaction (an import may run beside it). With `dry_run`
    everything runs and is rolled back. Re-running it gives the same rows.
    """
    ids = Article.objects.order_by("id").values_list("id", flat=True)
    if article_ids is not None:
        ids = ids.filter(id__in=list(article_ids))
    counts = BackfillCounts()
    # One transaction per article; a dry run holds them all in one, rolled back at the end.
    with transaction.atomic() if dry_run else nullcontext():
        for article_id in list(ids):
            with transaction.atomic():
                article = Article.objects.get(pk=article_id)
                result = article_match(article=article, earlier_only=True)
            counts.articles += 1
            counts.reprints += result.reprint_of is not None
            counts.same += result.same
            counts.similar += result.similar
            if on_article is not None:
                on_article(article, result)
        if dry_run:
            transaction.set_rollback(True)
    return counts


# ---------------------------------------------------------------------------------------------
# Reprints
# ---------------------------------------------------------------------------------------------


def _reprint_link(article: Article, *, created: bool) -> int | None:
    """Store the body's MinHash and bands; set `reprint_of` to the earliest story it repeats."""
    body = reprints.body_print(article.body)
    keys = band_keys(body.signature)
    root = _reprint_root(article, body, keys)
    article.reprint_of_id = root
    article.body_signature = signature_bytes(body.signature)
    article.body_shingles = body.size
    article.save(update_fields=["reprint_of", "body_signature", "body_shingles", "matched_at"])
    if not created:
        ArticleBand.objects.filter(article=article).delete()
    _bands_insert(article.id, keys)
    return root


def _bands_insert(article_id: int, keys: list[int]) -> None:
    if connection.vendor != "postgresql":
        ArticleBand.objects.bulk_create(
            ArticleBand(article_id=article_id, key=k) for k in set(keys)
        )
        return
    # The keys as one array: 32 model instances, each field prepared, cost more than the INSERT.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_articleband (article_id, key) SELECT %s, unnest(%s::bigint[])",
            [article_id, sorted(set(keys))],
        )


def _reprints(copy: Article, story: Article) -> bool:
    """Whether `copy` repeats `story`, by their stored MinHash signatures."""
    if copy.body_signature is None or story.body_signature is None:
        return False
    return reprints.is_reprint(
        reprints.BodyPrint(signature_from_bytes(copy.body_signature), copy.body_shingles),
        reprints.BodyPrint(signature_from_bytes(story.body_signature), story.body_shingles),
    )


def _reprint_root(article: Article, body: reprints.BodyPrint, keys: list[int]) -> int | None:
    """The earliest committed story that `body` repeats, by the band index; None if none."""
    for other_id, other_root, sig, size in _reprint_candidates(article.id, keys):
        if sig is None:
            continue
        if reprints.is_reprint(body, reprints.BodyPrint(signature_from_bytes(sig), size)):
            root = other_root or other_id
            # Never point at a later copy (it will find this one instead), nor at itself: an
            # original matched again finds its reprints, whose root it is.
            return root if root < article.id else None
    return None


def _reprint_candidates(
    article_id: int, keys: list[int]
) -> Iterator[tuple[int, int | None, bytes | None, int | None]]:
    """The articles sharing a band, in id order: the earliest alone first, the others only if
    it is not a reprint. Most copies repeat it (their story's first), and one index probe a key
    costs a tenth of reading BAND_SHARERS (2.5 ms a copy, for a story printed 400 times)."""
    first = _band_sharers(article_id, keys, limit=1)
    yield from first
    if first:
        yield from _band_sharers(article_id, keys)[1:]


# Reprint candidates per article: the earliest articles sharing a band with it.
BAND_SHARERS = 50


def _band_sharers(
    article_id: int, keys: list[int], *, limit: int | None = None
) -> Sequence[tuple[int, int | None, bytes | None, int | None]]:
    """(id, reprint_of, signature, shingles) of the earliest `limit` (BAND_SHARERS) other
    articles sharing a band with `keys`, in id order."""
    limit = limit or BAND_SHARERS
    if connection.vendor != "postgresql":  # SQLite: DISTINCT over every article sharing one
        sharing = (
            ArticleBand.objects.filter(key__in=keys)
            .exclude(article_id=article_id)
            .order_by("article_id")
            .values_list("article_id", flat=True)
            .distinct()[:limit]
        )
        return list(
            Article.objects.filter(id__in=sharing)
            .order_by("id")
            .values_list("id", "reprint_of_id", "body_signature", "body_shingles")
        )
    # The earliest few of each key, a LIMITed range of the (key, article) index each (LATERAL),
    # then the earliest of those: DISTINCT over every band row of the keys read each copy of a
    # story printed a thousand times 32 times. Only the ids are read in the band index; joined
    # with the articles' signatures, the planner walked the whole article table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, reprint_of_id, body_signature, body_shingles FROM claims_article "
            "WHERE id = ANY(ARRAY(SELECT DISTINCT b.article_id "
            "  FROM unnest(%s::bigint[]) AS k(key) CROSS JOIN LATERAL ("
            "    SELECT article_id FROM claims_articleband WHERE key = k.key AND article_id <> %s"
            "    ORDER BY article_id LIMIT %s) AS b ORDER BY b.article_id LIMIT %s)) ORDER BY id",
            [sorted(set(keys)), article_id, limit, limit],
        )
        return cursor.fetchall()


# ---------------------------------------------------------------------------------------------
# Rows to facts
# ---------------------------------------------------------------------------------------------


# What matching reads of a claim, as one `.values()` row: model instances for the hundreds of
# candidates an article's claims bring cost more than the comparisons.
FACT_COLUMNS = (
    "id", "kind", "article_id", "sentence", "content", "speaker_id", "speaker_text",
    "speaker_role", "value_low", "value_high", "qualifier", "outcome", "subject", "figure_id",
)  # fmt: skip


# The columns of a facts row: the claim's, then its article's, speaker's and figure's.
_FACT_NAMES = (*FACT_COLUMNS, "reprint_of", "outlet", "speaker_name", "known_role", "place")


def _column_of(model: type[models.Model], key: str, field: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(field)[:1])


def _facts_query() -> QuerySet:
    # A copy of one built queryset: building its five subqueries took 0.8 ms, twice an article.
    return _facts_base().all()


@cache
def _facts_base() -> QuerySet:
    # The article's, speaker's and figure's columns as one primary-key probe per row: joined,
    # the planner hashed the whole article table (50,000 rows, 22 ms) to look up 700 claims.
    return Claim.objects.annotate(
        reprint_of=_column_of(Article, "article_id", "reprint_of_id"),
        outlet=_column_of(Article, "article_id", "outlet_id"),
        speaker_name=_column_of(Actor, "speaker_id", "name"),
        known_role=_column_of(Actor, "speaker_id", "known_role"),
        place=_column_of(Figure, "figure_id", "place"),
    ).values(*_FACT_NAMES)


_FACTS_SQL = (
    "SELECT {columns}, a.reprint_of_id, a.outlet_id, s.name, s.known_role, f.place "
    "FROM claims_claim c "
    "LEFT JOIN LATERAL (SELECT reprint_of_id, outlet_id FROM claims_article "
    "  WHERE id = c.article_id OFFSET 0) a ON true "
    "LEFT JOIN LATERAL (SELECT name, known_role FROM claims_actor "
    "  WHERE id = c.speaker_id OFFSET 0) s ON true "
    "LEFT JOIN LATERAL (SELECT place FROM claims_figure WHERE id = c.figure_id OFFSET 0) f ON true "
    "WHERE {where} ORDER BY c.id DESC"
)


def _claims_facts(
    *, ids: set[int] | None = None, articles: list[int] | None = None
) -> list[ClaimFacts]:
    """The facts of these claims (or of the articles'), newest first: on PostgreSQL with one
    probe of the article and one of the speaker per claim instead of `_facts_query`'s five
    subqueries (6.4 -> 3.1 ms for an article's 650 candidates). OFFSET 0 keeps each a probe:
    joined, the planner hashed the whole article table (see `_facts_base`)."""
    if ids is not None and not ids:
        return []
    if connection.vendor != "postgresql":
        query = _facts_query()
        if ids is not None:
            return [facts_of(row) for row in query.filter(id__any=ids)]
        return [facts_of(row) for row in query.filter(article__in=articles, in_article=True)]
    if ids is not None:
        where, param = "c.id = ANY(%s)", list(ids)
    else:
        where, param = "c.article_id = ANY(%s) AND c.in_article", list(articles or ())
    columns = ", ".join(f"c.{Claim._meta.get_field(name).column}" for name in FACT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(_FACTS_SQL.format(columns=columns, where=where), [param])
        rows = cursor.fetchall()
    known = _memo.facts
    if len(known) >= FACTS_KEPT:
        known.clear()
    for row in rows:
        if row not in known:  # `facts_of` reads nothing but the row
            known[row] = facts_of(dict(zip(_FACT_NAMES, row, strict=True)))
    return [known[row] for row in rows]


def facts_of(row: dict[str, Any]) -> ClaimFacts:
    """A `_facts_query` row as the pure rules read it."""
    story = row["reprint_of"] or row["article_id"]
    speaker = speaker_key_of(row["speaker_id"], row["speaker_text"])
    if speaker:
        source = speaker
    elif row["reprint_of"] or not row["outlet"]:
        source = f"story:{story}"
    else:
        source = f"outlet:{row['outlet']}"
    return ClaimFacts(
        id=row["id"],
        kind=row["kind"],
        article_id=row["article_id"],
        story_id=story,
        text=row["content"] or row["sentence"],
        sentence=row["sentence"],
        speaker_key=speaker,
        speaker_name=row["speaker_name"] if row["speaker_id"] else row["speaker_text"],
        speaker_role=row["speaker_role"] or (row["known_role"] or ""),
        source_key=source,
        value_low=row["value_low"],
        value_high=row["value_high"],
        qualifier=row["qualifier"],
        outcome=row["outcome"],
        subject=row["subject"],
        figure_id=row["figure_id"],
        place=row["place"] or "",
    )
