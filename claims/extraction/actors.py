"""One actor per person or organisation in an article.

`ArticleActors` collects every named person and organisation first (see mentions.py), so that a
later "Tokayev", "Li" or "the president" resolves to the full name, and the importer gets one
actor per person with the other names seen for them as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy
from spacy.attrs import POS
from spacy.symbols import PROPN
from spacy.tokens import Doc

from claims.extraction.mentions import ORGANISATION, PERSON, Mention, describe

# Platforms a statement was posted on are never its author ("said on Telegram").
_PLATFORMS = frozenset({"telegram", "x", "twitter", "facebook", "instagram", "youtube", "tiktok",
                        "whatsapp", "weibo", "wechat", "vk", "truth social"})  # fmt: skip
_NEVER_ACTORS = frozenset({"GPE", "NORP", "LOC", "FAC", "DATE", "TIME", "EVENT", "LAW",
                           "WORK_OF_ART", "LANGUAGE", "MONEY", "PERCENT", "QUANTITY"})  # fmt: skip


@dataclass
class Actor:
    """One person or organisation in an article."""

    name: str
    kind: str
    role: str | None = None
    aliases: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # token indices of mentions

    def add_alias(self, text: str) -> None:
        if text and text != self.name and text not in self.aliases:
            self.aliases.append(text)


class ArticleActors:
    """Named people and organisations of one article, found before any claim is built."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.actors: list[Actor] = []
        self._by_name: dict[str, Actor] = {}
        # Places, nationalities and dates never speak as people or groups: skipping them keeps
        # this pass cheap on place-heavy copy.
        # A name in apposition to a role noun ("A local resident, Musa Ibrahim,") is read from
        # the role noun, so the actor keeps the role.
        mentions = [
            describe(t.head if t.dep_ == "appos" and t.head.pos_ == "NOUN" else t)
            for t in (doc[i] for i in numpy.flatnonzero(doc.to_array(POS) == PROPN).tolist())
            if t.ent_type_ not in _NEVER_ACTORS
            and not (t.dep_ in ("compound", "flat") and t.head.pos_ == "PROPN")
        ]
        # Longest names first, so "Tokayev" joins "Kassym-Jomart Tokayev".
        for mention in sorted(mentions, key=lambda m: -len((m.name or "").split())):
            if mention.name and mention.kind == PERSON and len(mention.name.split()) > 1:
                self._register(mention)
        for mention in mentions:
            if mention.name and mention.name.lower() not in _PLATFORMS:
                self._register(mention)

    def _find(self, name: str) -> Actor | None:
        key = name.lower()
        if key in self._by_name:
            return self._by_name[key]
        words = key.replace("’", "'").split()
        if len(words) == 1:
            # A surname (Tokayev) or, in Chinese order, a family name first (Li Yuhan -> Li).
            for actor in self.actors:
                if actor.kind != PERSON:
                    continue
                parts = actor.name.lower().replace("’", "'").split()
                if words[0] == parts[-1] or (len(parts) > 1 and words[0] == parts[0]):
                    return actor
        return None

    def _register(self, mention: Mention) -> Actor:
        assert mention.name
        actor = self._find(mention.name)
        if actor is None:
            kind = mention.kind or (PERSON if len(mention.name.split()) > 1 else ORGANISATION)
            actor = Actor(mention.name, kind)
            self.actors.append(actor)
        elif mention.kind == PERSON and actor.kind != PERSON:
            actor.kind = PERSON
        self._by_name[mention.name.lower()] = actor
        actor.add_alias(mention.name)
        if mention.role and not actor.role and actor.kind == PERSON:
            actor.role = mention.role
        if mention.head.i not in actor.positions:
            actor.positions.append(mention.head.i)
        return actor

    def lookup(self, name: str) -> Actor | None:
        return self._find(name)

    def by_role(self, role_word: str, before: int) -> Actor | None:
        """The person last mentioned before `before` whose title has this word."""
        best: tuple[int, Actor] | None = None
        for actor in self.actors:
            if actor.kind != PERSON or not actor.role:
                continue
            if role_word not in actor.role.lower().replace("-", " ").split():
                continue
            seen = [p for p in actor.positions if p < before]
            if seen and (best is None or max(seen) > best[0]):
                best = (max(seen), actor)
        return best[1] if best else None

    def last_org_before(self, position: int) -> Actor | None:
        return self._last_before(position, ORGANISATION)

    def last_person_before(self, position: int) -> Actor | None:
        return self._last_before(position, PERSON)

    def _last_before(self, position: int, kind: str) -> Actor | None:
        best: tuple[int, Actor] | None = None
        for actor in self.actors:
            if actor.kind != kind:
                continue
            seen = [p for p in actor.positions if p < position]
            if seen and (best is None or max(seen) > best[0]):
                best = (max(seen), actor)
        return best[1] if best else None
