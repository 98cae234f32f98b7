"""Repeated claims: link reprints and store each claim's matches among earlier claims.

Runs in the import's transaction for the article just written (so a worker on any machine can do
it: everything it reads is in the database), and from `manage.py match_claims` for a backfill.
Candidates come from indexes that stay fast at millions of claims: the article bands (MinHash
LSH) for reprints, the speaker and (kind, outcome, value) indexes for statements and figures, and
PostgreSQL full-text search (a GIN index) for wording; SQLite, the demo database, scans the most
recent claims of the kind instead. The decisions are `claims.matching`'s, over plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber

from claims.matching import reprints
from claims.matching.scorer import ClaimFacts, Match, compare
from claims.matching.text import (
    band_keys,
    content_words,
    signature_bytes,
    signature_from_bytes,
)
from claims.models import Article, ArticleBand, Claim, ClaimMatch
from claims.services.figures import speaker_key

# Candidates per strategy and claim: the scorer reads each, so this bounds a lookup's cost.
CANDIDATES_PER_KEY = 30
# Matches kept per claim, best first: an editor reads a handful, not fifty.
MATCHES_KEPT = 10
# SQLite has no full-text index here: compare with this many of the latest claims of the kind.
SCAN_RECENT = 400
# Full-text query: the longest content words of the claim, any two of which must occur.
FTS_WORDS = 6


@dataclass(frozen=True)
class ArticleMatchResult:
    reprint_of: int | None
    same: int
    similar: int


def article_match(
    *, article: Article, created: bool = False, earlier_only: bool = False
) -> ArticleMatchResult:
    """Link `article` to the story it reprints, then (re)match its current claims.

    A constant number of queries whatever the number of claims (candidates are fetched for all of
    them at once); `created` skips deleting rows a new article cannot have. `earlier_only`
    compares with claims of articles imported before it only (the backfill, in id order, so
    each pair is stored once, from the later claim to the earlier).
    """
    root = _reprint_link(article, created=created)
    claims = [facts_of(c) for c in _facts_query().filter(article=article, in_article=True)]
    found = claims_match(
        claims, story=not (created and root is None), before=article.id if earlier_only else None
    )
    if not created:
        ClaimMatch.objects.filter(claim__in=[c.id for c in claims]).delete()
    rows = [
        ClaimMatch(
            claim_id=claim_id,
            earlier_id=old_id,
            relation=match.relation,
            score=round(match.score, 4),
            reason=match.reason,
        )
        for claim_id, matches in found.items()
        for old_id, match in matches
    ]
    if rows:
        ClaimMatch.objects.bulk_create(rows)
    return ArticleMatchResult(
        reprint_of=root,
        same=sum(row.relation == "same" for row in rows),
        similar=sum(row.relation == "similar" for row in rows),
    )


def claims_match(
    claims: list[ClaimFacts], *, story: bool = True, before: int | None = None
) -> dict[int, list[tuple[int, Match]]]:
    """For each claim, the claims of other articles it repeats or resembles, best first.

    `story=False` skips looking for other copies of the story (a new article that reprints none).
    """
    wanted = candidates_for(claims, story=story, before=before)
    every = set().union(*wanted.values()) if wanted else set()
    earlier = {c.id: facts_of(c) for c in _facts_query().filter(id__in=every)} if every else {}
    found = {}
    for new in claims:
        scored = []
        for old_id in wanted.get(new.id, ()):
            match = compare(new, earlier[old_id]) if old_id in earlier else None
            if match is not None:
                scored.append((old_id, match))
        scored.sort(key=lambda pair: (-pair[1].score, pair[0]))
        found[new.id] = scored[:MATCHES_KEPT]
    return found


def candidates_for(
    claims: list[ClaimFacts], *, story: bool = True, before: int | None = None
) -> dict[int, set[int]]:
    """Ids of claims in other articles that might repeat each claim, from each strategy's index.

    Four queries for any number of claims: the story's other copies, the same speakers' latest
    statements, the latest figures with the same outcome and value, and the wording search.
    """
    found: dict[int, set[int]] = {c.id: set() for c in claims}
    if not claims:
        return found
    article_id = claims[0].article_id
    others = Claim.objects.filter(in_article=True).exclude(article_id=article_id)
    if before is not None:  # only articles imported before this one (the backfill)
        others = others.filter(article_id__lt=before)
    if story:
        story_id = claims[0].story_id
        copies = others.filter(Q(article_id=story_id) | Q(article__reprint_of=story_id))
        for cid, kind in copies.values_list("id", "kind")[: CANDIDATES_PER_KEY * 10]:
            for c in claims:
                if c.kind == kind:
                    found[c.id].add(cid)
    _add_latest(found, claims, others, "speaker_id", _speaker_id, Claim.Kind.ATTRIBUTION)
    _add_latest(found, claims, others, "value_low", lambda c: c.value_low, None)
    for claim_id, cid in _wording_candidates(claims, others):
        found[claim_id].add(cid)
    return found


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
    """Add the latest CANDIDATES_PER_KEY claims for each claim's key (a speaker, a value)."""
    keys: dict[tuple[str, int], list[int]] = {}
    for c in claims:
        key = key_of(c)
        if key is not None and (kind is None or c.kind == kind):
            keys.setdefault((c.kind, key), []).append(c.id)
    if not keys:
        return
    # One query for every key: number each key's claims newest first and keep the first few.
    latest = (
        others.filter(kind__in={k for k, _ in keys}, **{f"{field}__in": {v for _, v in keys}})
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("kind"), F(field)], order_by=F("id").desc())
        )
        .filter(rank__lte=CANDIDATES_PER_KEY)
        .values_list("id", "kind", field)
    )
    for cid, kind_, value in latest:
        for claim_id in keys.get((kind_, value), ()):
            found[claim_id].add(cid)


def _terms(claim: ClaimFacts) -> list[str]:
    words = sorted(set(content_words(claim.text)), key=lambda w: (-len(w), w))
    return [w for w in words if w.replace("'", "").isalnum()][:FTS_WORDS]


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
        mine = set(terms)
        scored = sorted(
            ((len(mine & words) / len(mine), cid) for cid, k, words in pool if k == kind),
            reverse=True,
        )
        pairs += [(claim_id, cid) for share, cid in scored[:CANDIDATES_PER_KEY] if share >= 0.34]
    return pairs


def _fulltext_candidates(
    queries: dict[int, tuple[str, list[str]]], others: QuerySet[Claim]
) -> list[tuple[int, int]]:
    """One UNION ALL of a GIN-indexed search per claim: any two of its longest words."""
    vector = "to_tsvector('english'::regconfig, sentence)"  # exactly as the index is written
    parts = []
    for claim_id, (kind, terms) in queries.items():
        query = " | ".join(f"({a} & {b})" for i, a in enumerate(terms) for b in terms[i + 1 :])
        parts.append(
            others.filter(kind=kind)
            .extra(where=[f"{vector} @@ to_tsquery('english', %s)"], params=[query])
            .annotate(for_claim=Value(claim_id))
            .order_by("-id")
            .values_list("for_claim", "id")[:CANDIDATES_PER_KEY]
        )
    return list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])


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
    candidates = (
        Article.objects.filter(bands__key__in=keys)
        .exclude(id=article.id)
        .distinct()
        .order_by("id")
        .values_list("id", "reprint_of_id", "body_signature", "body_shingles")[:50]
    )
    root = None
    for other_id, other_root, sig, size in candidates:
        if sig is None:
            continue
        other = reprints.BodyPrint(signature_from_bytes(sig), size)
        if reprints.is_reprint(body, other):
            root = other_root or other_id
            break
    if root is not None and root >= article.id:
        # Never point at a later copy (it will find this one instead), nor at itself: an
        # original matched again finds its reprints, whose root it is.
        root = None
    article.reprint_of_id = root
    article.body_signature = signature_bytes(body.signature)
    article.body_shingles = body.size
    article.save(update_fields=["reprint_of", "body_signature", "body_shingles"])
    if not created:
        ArticleBand.objects.filter(article=article).delete()
    ArticleBand.objects.bulk_create(ArticleBand(article=article, key=key) for key in set(keys))
    return root


# ---------------------------------------------------------------------------------------------
# Rows to facts
# ---------------------------------------------------------------------------------------------


def _facts_query() -> QuerySet[Claim]:
    return Claim.objects.select_related("article", "speaker", "figure").only(
        "id", "kind", "article_id", "sentence", "content", "speaker_id", "speaker_text",
        "speaker__name", "value_low", "value_high", "qualifier", "outcome", "subject",
        "figure_id", "figure__place", "article__reprint_of_id", "article__outlet_id",
    )  # fmt: skip


def facts_of(claim: Claim) -> ClaimFacts:
    article = claim.article
    story = article.reprint_of_id or article.id
    speaker = speaker_key(claim)
    if speaker:
        source = speaker
    elif article.reprint_of_id:
        source = f"story:{story}"
    else:
        source = f"outlet:{article.outlet_id}" if article.outlet_id else f"story:{story}"
    return ClaimFacts(
        id=claim.id,
        kind=claim.kind,
        article_id=article.id,
        story_id=story,
        text=claim.content or claim.sentence,
        speaker_key=speaker,
        speaker_name=claim.speaker.name if claim.speaker_id else claim.speaker_text,
        source_key=source,
        value_low=claim.value_low,
        value_high=claim.value_high,
        qualifier=claim.qualifier,
        outcome=claim.outcome,
        subject=claim.subject,
        figure_id=claim.figure_id,
        place=claim.figure.place if claim.figure_id else "",
    )
