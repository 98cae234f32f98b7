"""Attributions: the same statement across articles, and whether an actor's roles agree.

Pure: no ORM, no Django (see `claims.reconcile`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from claims.reconcile.reports import WORD

_STOPWORDS = {
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "by", "with",
    "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
    "these", "those", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "my",
    "your", "them", "us", "had", "has", "have", "will", "would", "should", "could", "can", "may",
    "might", "must", "do", "does", "did", "not", "no", "said", "says", "say", "told", "also",
    "there", "here", "than", "then", "so", "if", "into", "over", "about", "all", "any",
}  # fmt: skip
SAME_STATEMENT_MIN_SIMILARITY = 0.5


@dataclass(frozen=True, slots=True)
class Statement:
    """One attribution claim: a speaker saying something in an article."""

    claim_id: int
    speaker_key: str
    speaker_name: str
    content: str
    article_id: int
    outlet_key: str = ""
    outlet_name: str = ""
    published_at: datetime | None = None
    direct: bool | None = None


@dataclass(frozen=True, slots=True)
class StatementGroup:
    """The same speaker saying the same thing, possibly in many articles."""

    speaker_key: str
    speaker_name: str
    content: str  # the first report's wording
    claim_ids: tuple[int, ...]
    article_ids: tuple[int, ...]
    outlets: tuple[str, ...]

    @property
    def corroboration_count(self) -> int:
        """Independent reports of the statement: distinct originating outlets (or articles)."""
        return max(len(self.outlets), 1)


_SUFFIXES = ("ers", "ing", "ion", "ed", "er", "s")


def _stem(word: str) -> str:
    # Enough to match a quotation with its paraphrase ("ordered"/"order", "protesters"/"protest");
    # a real stemmer would be more thorough and is not needed at this threshold.
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> frozenset[str]:
    """The words that carry a statement's meaning, lightly stemmed."""
    words = (_stem(m.lower().strip("'’-")) for m in WORD.findall(text))
    return frozenset(w for w in words if len(w) > 2 and w not in _STOPWORDS)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of content words: a paraphrase and the quotation it reports score high."""
    return _jaccard(content_words(a), content_words(b))


def group_statements(
    statements: Iterable[Statement], *, threshold: float = SAME_STATEMENT_MIN_SIMILARITY
) -> list[StatementGroup]:
    """Group one speaker's statements that say the same thing (single link over similarity)."""
    by_speaker: dict[str, list[Statement]] = defaultdict(list)
    for s in statements:
        if s.speaker_key and s.content.strip():
            by_speaker[s.speaker_key].append(s)
    groups: list[StatementGroup] = []
    for speaker_key, items in by_speaker.items():
        items.sort(key=lambda s: (s.published_at is None, s.published_at, s.claim_id))
        clusters: list[list[Statement]] = []
        words = {s.claim_id: content_words(s.content) for s in items}
        for s in items:
            for cluster in clusters:
                if any(
                    _jaccard(words[s.claim_id], words[o.claim_id]) >= threshold for o in cluster
                ):
                    cluster.append(s)
                    break
            else:
                clusters.append([s])
        for cluster in clusters:
            # Distinct originating outlets (agency copy counts once), named for editors.
            origins: dict[str, Statement] = {}
            for s in cluster:
                origins.setdefault(s.outlet_key or f"article:{s.article_id}", s)
            outlets = [o.outlet_name or f"article {o.article_id}" for o in origins.values()]
            groups.append(
                StatementGroup(
                    speaker_key=speaker_key,
                    speaker_name=cluster[0].speaker_name,
                    content=cluster[0].content,
                    claim_ids=tuple(s.claim_id for s in cluster),
                    article_ids=tuple(dict.fromkeys(s.article_id for s in cluster)),
                    outlets=tuple(outlets),
                )
            )
    return groups


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_ROLE_NOISE = {"the", "of", "a", "an", "and", "for", "s", "'s", "’s"}


def role_words(role: str) -> frozenset[str]:
    return frozenset(
        w
        for w in (m.lower().strip("'’-") for m in WORD.findall(role))
        if w and w not in _ROLE_NOISE
    )


def _word_covered(word: str, others: frozenset[str]) -> bool:
    # "Kazakh" and "Kazakhstan", "Russian" and "Russia": a shared stem of 4+ letters matches.
    return any(
        word == o or (min(len(word), len(o)) >= 4 and (o.startswith(word) or word.startswith(o)))
        for o in others
    )


def roles_consistent(a: str, b: str) -> bool:
    """Whether two role descriptions can name the same post.

    One must be contained in the other: "President" and "Kazakh President" are consistent,
    "President of Kazakhstan" and "Kazakh President" too; "European Council President" and
    "European Commission President" are not.
    """
    wa, wb = role_words(a), role_words(b)
    if not wa or not wb:
        return True
    return all(_word_covered(w, wb) for w in wa) or all(_word_covered(w, wa) for w in wb)


@dataclass(frozen=True, slots=True)
class RoleUse:
    """How often articles gave an actor a role (one row of a grouped query)."""

    actor_id: int
    actor_name: str
    known_role: str
    role: str
    count: int = 1
    example_claim_id: int | None = None


@dataclass(frozen=True, slots=True)
class RoleFlag:
    actor_id: int
    actor_name: str
    known_role: str
    roles: tuple[tuple[str, int], ...]  # (role as written, number of claims), most used first
    conflicting: tuple[str, ...]  # the roles an editor should look at
    reason: str
    example_claim_ids: tuple[int, ...] = ()


def role_flags(uses: Iterable[RoleUse]) -> list[RoleFlag]:
    """Actors given roles that cannot all be right, or a role that differs from the known one."""
    by_actor: dict[int, list[RoleUse]] = defaultdict(list)
    for use in uses:
        if use.role.strip():
            by_actor[use.actor_id].append(use)
    flags = []
    for actor_id, actor_uses in by_actor.items():
        # Merge spellings of one role ("European Council President", "european council president").
        counts: dict[str, int] = defaultdict(int)
        written: dict[str, str] = {}
        examples: dict[str, int | None] = {}
        for u in actor_uses:
            key = " ".join(sorted(role_words(u.role)))
            counts[key] += u.count
            written.setdefault(key, u.role.strip())
            examples.setdefault(key, u.example_claim_id)
        roles = sorted(counts, key=lambda k: (-counts[k], written[k]))
        first = actor_uses[0]
        known = first.known_role.strip()
        if known:
            bad = [k for k in roles if not roles_consistent(written[k], known)]
            reason = f"Articles give a role that differs from the known role “{known}”."
        else:
            bad = [
                k
                for k in roles
                if any(not roles_consistent(written[k], written[o]) for o in roles if o != k)
            ]
            reason = "Articles give this actor roles that cannot all be right."
        if not bad:
            continue
        flags.append(
            RoleFlag(
                actor_id=actor_id,
                actor_name=first.actor_name,
                known_role=known,
                roles=tuple((written[k], counts[k]) for k in roles),
                conflicting=tuple(written[k] for k in bad),
                reason=reason,
                example_claim_ids=tuple(e for k in bad if (e := examples[k]) is not None),
            )
        )
    flags.sort(key=lambda f: f.actor_name.lower())
    return flags
