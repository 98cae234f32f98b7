"""Speakers: a mention resolved within the article ("he" -> the previous speaker, "the
president" -> the last person titled president, "Tokayev" -> "Kassym-Jomart Tokayev")."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from claims.extraction.actors import ArticleActors
from claims.extraction.lexicon import (
    GROUP_PRONOUNS,
    ORG_NOUNS,
    PARTY_EPITHETS,
    PERSON_PRONOUNS,
    POSSESSIVE_PRONOUNS,
)
from claims.extraction.mentions import (
    GROUP,
    ORGANISATION,
    PERSON,
    Mention,
    describe,
    is_role_word,
)
from claims.extraction.outcomes import state_outcome, verb_outcome

# Role words that name a body of people, not one titled person: "The opposition has dismissed ...".
_BODIES = frozenset({"opposition", "leadership", "management", "prosecution", "defence", "defense"})
_GENERIC_ORG_NOUNS = frozenset({"group", "organization", "organisation", "network", "agency"})


# Words that say what kind of body a "the ... group" is, without making it a new one: "the rights
# group said" after Human Rights Watch spoke.
_KIND_WORDS = frozenset({"rights", "aid", "relief", "monitoring", "monitor", "advocacy", "watchdog",
                         "militant", "rebel", "armed", "jihadist", "opposition", "news", "wire",
                         "humanitarian", "charity", "campaign", "activist", "research",
                         "medical", "health", "international", "local", "same"})  # fmt: skip


def _described_as(head: Token, previous: Speaker) -> bool:
    """Whether "the ... agency" can be the organisation that spoke before: every word in front
    of the noun is a kind word or one of its own ("the national prison agency" is someone new
    after the prison's name)."""
    known = f"{previous.name or ''} {previous.text} {' '.join(previous.aliases)}".lower()
    for child in head.children:
        if child.dep_ in ("amod", "compound") and child.i < head.i:
            word = child.lower_
            if word not in _KIND_WORDS and word not in known.split():
                return False
    return True


def _suffered(subject: Token) -> bool:
    """ "Qureshi succumbed to his injuries, he said": whoever died or was arrested in the
    sentence is not the "he" who tells of it."""
    verb = subject.head
    if subject.dep_ == "nsubjpass":
        return verb_outcome(verb) is not None
    return state_outcome(verb) is not None


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str | None  # resolved, the full name where known
    text: str  # the words in the text
    role: str | None
    kind: str | None
    aliases: tuple[str, ...] = ()


class SpeakerResolver:
    """Resolves mentions in reading order; remembers the last speaker for "he said"."""

    def __init__(self, actors: ArticleActors) -> None:
        self.actors = actors
        self.last: Speaker | None = None
        self.last_at = 0  # where the last speaker spoke
        self.last_org: Speaker | None = None

    def remember(self, speaker: Speaker, at: int = 0) -> None:
        """The speaker of a cue at token `at`, for "he said" and "the group said" after it."""
        if speaker.name is None:
            return
        self.last = speaker
        self.last_at = at
        if speaker.kind == ORGANISATION:
            self.last_org = speaker

    def resolve(self, heads: tuple[Token, ...], sent: Span) -> Speaker | None:
        if not heads:
            return None
        if len(heads) > 1:
            # "Witnesses and security officials", "The United States and the European Union".
            doc = heads[0].doc
            start = min(t.left_edge.i for t in heads)
            end = max(heads[-1].i, max(t.i for t in heads)) + 1
            text = doc[start:end].text
            first = self._one(heads[0], sent)
            kind = first.kind if first else GROUP
            words = text.split()
            while words and words[0].lower() in ("the", "a", "an"):
                words = words[1:]
            name = " ".join(words)
            return Speaker(name, text, None, kind)
        return self._one(heads[0], sent)

    def _one(self, head: Token, sent: Span) -> Speaker | None:
        text_lower = POSSESSIVE_PRONOUNS.get(head.lower_, head.lower_)
        if text_lower in PERSON_PRONOUNS or text_lower in GROUP_PRONOUNS:
            return self._pronoun(head, sent)
        has_the = any(c.dep_ == "det" and c.lower_ == "the" for c in head.children)
        if has_the and head.lower_ in PARTY_EPITHETS and head.tag_ in ("NN", "NNP"):
            # "the Kansas Republican derided ...": the person the article is talking about.
            epithet = self._epithet(head)
            if epithet is not None:
                return epithet
        mention = describe(head)
        if mention.name:
            return self._named(mention)
        # "the president", "the group": a definite description of someone already met.
        plain = not any(c.dep_ in ("compound", "amod", "poss") for c in head.children)
        lemma = head.lemma_.lower()
        # A person's title ("the president", "the minister"), not a body ("the police").
        if (
            has_the
            and is_role_word(head)
            and head.tag_ in ("NN", "NNP")
            and lemma not in ORG_NOUNS | _BODIES
        ):
            actor = self.actors.by_role(lemma, head.i)
            plain_title = all(c.dep_ == "det" for c in head.children)
            if actor is None and plain_title and self.last is not None and self.last.kind == PERSON:
                # "Tokayev said ... “...,” the president said": nobody in the article carries
                # the title, so the person who just spoke is the best reading.
                actor = self.actors.lookup(self.last.name or "")
            if actor is not None:
                words = head.doc[head.left_edge.i : head.i + 1].text  # "the president"
                return Speaker(actor.name, words, actor.role or mention.text, PERSON,
                               tuple(actor.aliases))  # fmt: skip
        # "The United Nations refugee agency", "Sudan's army": a proper name in front makes it
        # an organisation of its own, not the one that spoke last.
        named = any(t.pos_ == "PROPN" for t in head.doc[head.left_edge.i : head.i])
        if has_the and not named and (lemma in ORG_NOUNS or lemma in _GENERIC_ORG_NOUNS):
            previous = self.last_org
            if previous is None and lemma in _GENERIC_ORG_NOUNS and plain:
                # "The group said ..." before any organisation has spoken: the organisation
                # last named in the text.
                actor = self.actors.last_org_before(head.i)
                if actor is not None:
                    previous = Speaker(actor.name, actor.name, None, ORGANISATION)
            if (
                previous is not None
                and _described_as(head, previous)
                and (
                    lemma in _GENERIC_ORG_NOUNS
                    or lemma in (previous.name or "").lower()
                    or (plain and lemma in previous.text.lower())
                )
            ):
                # The words as written ("The group"), so the alias is not a bare common noun.
                words = head.doc[head.left_edge.i : head.i + 1].text
                return Speaker(previous.name, words, None, ORGANISATION,
                               (*previous.aliases, words))  # fmt: skip
        return Speaker(mention.text or head.text, mention.text or head.text, mention.role,
                       mention.kind or GROUP)  # fmt: skip

    def _epithet(self, head: Token) -> Speaker | None:
        words = head.doc[head.left_edge.i : head.i + 1].text
        if self.last is not None and self.last.kind == PERSON:
            actor = self.actors.lookup(self.last.name or "")
            role = self.last.role
        else:
            actor = self.actors.last_person_before(head.i)
            role = actor.role if actor is not None else None
        if actor is None:
            return None
        return Speaker(actor.name, words, role, PERSON, tuple(actor.aliases))

    def _subject_since(self, pronoun: Token, sent: Span) -> Speaker | None:
        """ "Italy's health minister, Paolo Serracchi, rejected the proposal. In a post on X,
        he wrote ...": a person who is the subject of the sentence just before, named after
        the last speaker spoke, is who "he" or "she" is."""
        actor = self.actors.last_person_before(sent.start)
        if actor is None or (self.last is not None and actor.name == self.last.name):
            return None
        at = max(p for p in actor.positions if p < sent.start)
        token = pronoun.doc[at]
        while token.dep_ in ("appos", "compound") and token.head.i != token.i:
            token = token.head
        if at <= self.last_at or token.dep_ != "nsubj" or _suffered(token):
            return None
        if token.sent.end != sent.start:
            return None
        return Speaker(actor.name, pronoun.text, actor.role, PERSON, tuple(actor.aliases))

    def _named(self, mention: Mention) -> Speaker:
        assert mention.name
        actor = self.actors.lookup(mention.name)
        if actor is None:
            kind = mention.kind or ORGANISATION
            return Speaker(mention.name, mention.text, mention.role, kind)
        role = mention.role or actor.role
        aliases = tuple(a for a in actor.aliases if a != actor.name)
        return Speaker(actor.name, mention.text, role, actor.kind, aliases)

    def _pronoun(self, pronoun: Token, sent: Span) -> Speaker | None:
        # Within a sentence a pronoun refers back to a subject before it of the right kind:
        # "his lawyer, Beatrice Mtetwa, visited ... where she claimed ...", "The army has not
        # commented on the allegations, which it has denied".
        word = POSSESSIVE_PRONOUNS.get(pronoun.lower_, pronoun.lower_)
        person = word in PERSON_PRONOUNS
        kinds = (PERSON,) if person else (ORGANISATION, GROUP)
        for token in reversed(list(sent[: pronoun.i - sent.start])):
            if (
                token.dep_ in ("nsubj", "nsubjpass")
                and token.pos_ in ("PROPN", "NOUN")
                and not _suffered(token)
            ):
                speaker = self._one(token, sent)
                if speaker is not None and speaker.name and speaker.kind in kinds:
                    return self._as_pronoun(speaker, pronoun)
        if person:
            # "he"/"she" is never an organisation: after "..., according to AFP" it is the
            # person the article named last ("The home minister, Asaduzzaman Khan, defended the
            # arrests. ... he told reporters").
            # Sloppy copy does use "he" for a ministry that just spoke, so the organisation
            # yields only to a person named since it spoke.
            since = self._subject_since(pronoun, sent)
            if since is not None:
                return since
            actor = self.actors.last_person_before(pronoun.i)
            if (
                self.last is not None
                and self.last.kind == ORGANISATION
                and actor is not None
                and max(p for p in actor.positions if p < pronoun.i) > self.last_at
            ):
                return Speaker(actor.name, pronoun.text, actor.role, PERSON, tuple(actor.aliases))
            if self.last is not None:
                return self._as_pronoun(self.last, pronoun)
            if actor is not None:
                return Speaker(actor.name, pronoun.text, actor.role, PERSON, tuple(actor.aliases))
        elif (
            word == "it"
            and self.last is not None
            and self.last.kind == GROUP
            and self.last_org is not None
        ):
            # "..., according to witnesses. It says its count is incomplete": "it" is one body,
            # the organisation that spoke last, not the unnamed people after it.
            return self._as_pronoun(self.last_org, pronoun)
        elif self.last is not None and self.last.kind in (ORGANISATION, GROUP):
            return self._as_pronoun(self.last, pronoun)
        elif word == "it":
            # "In a statement carried by Khovar, it said ...": after a person spoke, "it" is
            # the organisation last spoken of or named.
            if self.last_org is not None:
                return self._as_pronoun(self.last_org, pronoun)
            actor = self.actors.last_org_before(pronoun.i)
            if actor is not None:
                return Speaker(actor.name, pronoun.text, None, ORGANISATION, tuple(actor.aliases))
        # Nobody to refer back to: keep the words, leave the speaker unresolved.
        return Speaker(None, pronoun.text, None, None)

    @staticmethod
    def _as_pronoun(speaker: Speaker, pronoun: Token) -> Speaker:
        return Speaker(speaker.name, pronoun.text, speaker.role, speaker.kind, speaker.aliases)
