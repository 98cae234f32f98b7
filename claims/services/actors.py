"""Actors: the people and organisations claims are attributed to, matched across articles.

Part of the import's write path (`claims.services.claim_sync` calls `actors_for_claims` for each
article's claims); it runs inside the article's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from claims.extraction import ExtractedClaim
from claims.models import Actor

_PRONOUNS = {"he", "she", "they", "it", "him", "her", "them", "his", "its", "their", "we", "i"}
_DETERMINERS = {"the", "a", "an"}
_ACTOR_KINDS = {Actor.Kind.PERSON, Actor.Kind.ORGANISATION}


def actor_key(ec: ExtractedClaim) -> str | None:
    """The key `actors_for_claims` files the claim's speaker under (the name, case-folded), or
    None when the speaker is nobody in particular."""
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


# A speaker as the claims name it: key (actor_key) -> (name, kind, aliases).
_Speakers = dict[str, tuple[str, str, list[str]]]


def actors_for_claims(claims: Sequence[ExtractedClaim]) -> dict[str, Actor]:
    """The Actor for each named speaker (by lower-cased name), matched across articles.

    Matching, case-insensitive, in order: an actor with the speaker's name; an actor with the
    speaker's name among its aliases (editors add spellings there); an actor whose name is one of
    the speaker's proper-name aliases, i.e. an earlier article knew only "Tokayev" (that actor takes
    the fuller name, keeping the old one as an alias). Generic aliases ("the president") are kept
    on the actor for editors but never used to match: every country has a president.
    A new speaker becomes a new actor. At most four queries, however many speakers: the
    candidates, one UPDATE of the aliases, and the new actors created and read back.
    """
    speakers = _speakers(claims)
    if not speakers:
        return {}
    matched, renamed = _matched(speakers, _candidates(speakers))
    _aliases_update(speakers, matched, renamed)
    new_keys = [key for key in speakers if key not in matched]
    if new_keys:
        for actor in _actors_create(speakers, new_keys):
            matched.setdefault(actor.name.casefold(), actor)
    return matched


def _speakers(claims: Sequence[ExtractedClaim]) -> _Speakers:
    """The named speakers of these claims, each once, with every alias the claims give them."""
    speakers: _Speakers = {}
    for ec in claims:
        key = actor_key(ec)
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
    return speakers


def _candidates(speakers: _Speakers) -> list[Actor]:
    """The stored actors any speaker could be, in one query: by name, proper alias or alias."""
    by_name: set[str] = set(speakers)
    alias_needles = Q()
    for name, _kind, aliases in speakers.values():
        by_name.update(a.casefold() for a in aliases if is_proper_name(a))
        alias_needles |= Q(aliases__icontains=_json_needle(name))
    return list(
        Actor.objects.annotate(lower_name=Lower("name"))
        .filter(Q(lower_name__in=by_name) | alias_needles)
        .order_by("id")
    )


def _matched(speakers: _Speakers, candidates: list[Actor]) -> tuple[dict[str, Actor], set[int]]:
    """Each speaker's stored actor (see `_match`), and the ids of those that took a fuller name."""
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
    return matched, renamed


def _aliases_update(speakers: _Speakers, matched: dict[str, Actor], renamed: set[int]) -> None:
    """Save the matched actors that were renamed or learnt new aliases."""
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


def _actors_create(speakers: _Speakers, new_keys: list[str]) -> Iterable[Actor]:
    """Create an actor for each new speaker, and read them back (with any made concurrently)."""
    # ignore_conflicts: a concurrent import may create the same actor; we re-read either way.
    Actor.objects.bulk_create(
        [Actor(name=speakers[k][0], kind=speakers[k][1], aliases=speakers[k][2]) for k in new_keys],
        ignore_conflicts=True,
    )
    new_names = [speakers[k][0] for k in new_keys]
    return Actor.objects.annotate(lower_name=Lower("name")).filter(
        Q(lower_name__in=new_keys) | Q(name__in=new_names)
    )


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
