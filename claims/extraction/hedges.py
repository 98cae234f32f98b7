"""Hedges: words that say a claim is unproven, and sentences that say figures were not checked.

Four scopes, from widest to narrowest:
- a qualifying sentence ("The figures could not be independently verified.", "There has been no
  official confirmation.") hedges the claims before it in its paragraph; standing alone as a
  paragraph, the figures of the paragraph just before it ("the figures" in the plural: every
  figure since the last such sentence), not every figure in the article;
- a qualifying clause or appositive inside a sentence ("..., though the figure could not be
  confirmed", "..., a claim that could not be independently verified") hedges that sentence's
  own claims and nothing before it;
- an adverb or modifier ("reportedly", "allegedly", "without proof", "a man suspected of ...",
  "claimed that ...") hedges every claim in its sentence;
- a count of reports ("four more reports of deaths", "investigate reports that five died")
  hedges only the figures under it, not the speaker who mentions the reports.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from claims.extraction.lexicon import (
    CLAIM_NOUNS,
    EVIDENCE_NOUNS,
    FIGURE_NOUNS,
    GENERIC_PRONOUNS,
    HEDGE_ADVERBS,
    HEDGE_MODIFIERS,
    OUTCOME_ADJECTIVES,
    OUTCOME_NOUNS,
    VERIFY_WORDS,
)
from claims.extraction.outcomes import hearsay_clause

# Verbs whose negated evidence object says a claim went unproven: "did not provide evidence".
_OFFER_VERBS = frozenset({"provide", "offer", "give", "present", "produce", "show", "cite"})
_NEGATORS = frozenset({"not", "no", "n't", "never", "unable", "cannot", "impossible", "without"})


def sentence_hedges(sent: Span) -> tuple[list[str], list[tuple[str, int]]]:
    """Hedge markers of a sentence: those that apply to every claim in it, and modifiers with
    the token index of the word they modify ("the reported killings", "a man suspected of ...",
    "10,000 more reported missing"), which hedge only the claims that contain that word."""
    found: list[str] = []
    scoped: list[tuple[str, int]] = []
    for token in sent:
        text = token.lower_
        if text in HEDGE_ADVERBS:
            found.append(text)
        elif text in HEDGE_MODIFIERS and token.dep_ in ("amod", "acl", "relcl", "advmod"):
            # "those suspected of ..." is about a class of people, not about any claim.
            if token.dep_ == "acl" and token.head.lower_ in GENERIC_PRONOUNS:
                continue
            # "the attack, which no group claimed": a relative clause with a subject of its
            # own says who claimed (or did not), not that the noun is unproven.
            if token.dep_ == "relcl" and any(c.dep_ == "nsubj" for c in token.children):
                continue
            scoped.append((text, token.head.i))
        elif _hearsay(token):
            found.append(f"{text} to")  # "are said to have died", "are believed to be held"
        elif token.lemma_.lower() == "claim" and token.pos_ == "VERB":
            # "claimed that ...", "claimed to have captured": not "claimed responsibility".
            if any(c.dep_ in ("ccomp", "xcomp") for c in token.children):
                found.append(token.text.lower())
        elif text == "without":
            evidence = [
                c for c in token.children if c.dep_ == "pobj" and c.lemma_.lower() in EVIDENCE_NOUNS
            ]
            if evidence:
                found.append(f"without {evidence[0].lower_}")
            # "without providing evidence", "without offering any proof"
            for offer in token.children:
                if offer.dep_ == "pcomp" and offer.lemma_.lower() in _OFFER_VERBS:
                    proof = [c for c in offer.children if c.lemma_.lower() in EVIDENCE_NOUNS]
                    if proof:
                        found.append(sent.doc[token.i : proof[0].i + 1].text.lower())
    return list(dict.fromkeys(found)), scoped


def _hearsay(verb: Token) -> bool:
    """ "are said to have died", "are believed to be held"; not "Republicans who had been
    expected to support the package" (a forecast of what they would do, not a hedge)."""
    clause = hearsay_clause(verb)
    if clause is None or any(c.dep_ == "agent" for c in verb.children):
        return False
    if verb.lemma_.lower() == "expect":
        return any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in clause.children)
    return True


def reports_hedge(word: Token) -> str | None:
    """ "reports" above a figure in the parse (or the counted noun itself)."""
    current = word
    for _ in range(8):
        if current.lemma_.lower() == "report" and current.tag_ == "NNS":
            return "reports"
        if current.head.i == current.i:
            return None
        current = current.head
    return None


# Dependencies that embed a clause in a sentence about something else: "..., though the figure
# could not be confirmed" (advcl), "..., a claim that could not be verified" (relcl under an
# appositive), "..., but the toll could not be confirmed" (conj).
_EMBEDDING = frozenset({"advcl", "relcl", "acl", "appos", "conj", "parataxis"})

SENTENCE, PREVIOUS = "sentence", "previous"


def verification_scope(sent: Span) -> str | None:
    """Whether the sentence says figures could not be verified or confirmed, and which claims
    that qualifies: SENTENCE when the saying is a clause or appositive attached to the sentence's
    own claim ("..., a claim that could not be independently verified"), PREVIOUS when the
    sentence is about figures given before it ("The figures could not be independently
    verified."), None when it says nothing of the kind."""
    # The negation must bear on the checking itself: "could not be independently verified",
    # "no official confirmation", "was unable to confirm", "it was not possible to verify" -
    # not "police confirmed no one was hurt".
    for token in sent:
        lemma = token.lemma_.lower()
        if lemma in EVIDENCE_NOUNS and token.head.lemma_.lower() in _OFFER_VERBS:
            # "He did not provide evidence for the claims.", "The army offered no proof."
            if token.head.head.lower_ == "without":
                continue  # "said, without providing evidence, ...": a marker of its own sentence
        elif lemma not in VERIFY_WORDS or token.lower_ == "independently":
            continue
        around = [token, token.head, token.head.head]
        if token.head.lower_ == "position":
            # "was not in a position to verify": the negation is on the "be" above "in"
            around.append(token.head.head.head)
        for word in around:
            if word.lower_ in _NEGATORS or any(
                c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in word.children
            ):
                if _embedded(token, sent) or _states_its_claim(token):
                    return SENTENCE
                return PREVIOUS
    return None


def _states_its_claim(verify: Token) -> bool:
    """ "Its claim that the officers were attacked with firearms could not be verified": the
    sentence spells out the claim it doubts, so it hedges that claim and nothing before it."""
    for noun in verify.children:
        if noun.dep_ in ("nsubjpass", "nsubj", "dobj") and noun.lemma_.lower() in CLAIM_NOUNS:
            return any(
                c.dep_ in ("acl", "ccomp", "relcl")
                and any(g.lower_ == "that" and g.dep_ == "mark" for g in c.children)
                for c in noun.children
            )
    return False


def claimant(sent: Span) -> Token | None:
    """Whose claims a "could not be verified" sentence doubts, when it says: "He did not
    provide evidence for the claim" (the one who gave none), "The rebels' claims could not be
    verified" (the owner). None when it does not say ("The figures could not be verified")."""
    for token in sent:
        lemma = token.lemma_.lower()
        if lemma in EVIDENCE_NOUNS and token.head.lemma_.lower() in _OFFER_VERBS:
            giver = next((c for c in token.head.children if c.dep_ == "nsubj"), None)
            if giver is not None:
                return giver
        if lemma in VERIFY_WORDS:
            for noun in token.children:
                if noun.dep_ in ("nsubjpass", "dobj") and noun.lemma_.lower() in (
                    CLAIM_NOUNS | FIGURE_NOUNS
                ):
                    owner = next((c for c in noun.children if c.dep_ == "poss"), None)
                    if owner is not None:
                        return owner
    return None


def _embedded(token: Token, sent: Span) -> bool:
    """Whether the token sits in a clause hung off the sentence's main clause."""
    current = token
    for _ in range(20):
        if current.dep_ in _EMBEDDING:
            return True
        if current.head.i == current.i or current.head.i < sent.start:
            return False
        current = current.head
    return False


# What a "could not verify" sentence may be about besides figures: "DW was unable to verify the
# footage" qualifies the video, not the counts before it.
_MEDIA_NOUNS = frozenset({"footage", "video", "videos", "image", "images", "photo", "photograph",
                          "picture", "recording", "clip", "post", "authenticity"})  # fmt: skip
# Outcomes that one word of a qualifying sentence can name; arrests and detentions go together.
_OUTCOME_GROUPS = {
    "killed": ("killed",),
    "injured": ("injured",),
    "missing": ("missing",),
    "arrested": ("arrested", "detained"),
    "detained": ("arrested", "detained"),
}


def verifies_media_only(sent: Span) -> bool:
    """Whether what could not be verified is footage or pictures, not figures."""
    for token in sent:
        if token.lemma_.lower() not in VERIFY_WORDS:
            continue
        objects = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass", "pobj")]
        objects += [g for c in token.children if c.dep_ == "prep" for g in c.children]
        if objects and all(o.lemma_.lower() in _MEDIA_NOUNS for o in objects):
            return True
    return False


def qualified_outcomes(sent: Span) -> frozenset[str] | None:
    """The outcomes a qualifying sentence names ("The number of missing could not be confirmed"
    -> missing; "the death toll" -> killed; "casualty figures" -> killed and injured), or None
    when it names none and so speaks of every figure."""
    found: set[str] = set()
    for token in sent:
        lemma = token.lemma_.lower()
        if lemma == "casualty":
            found.update(("killed", "injured"))
        elif lemma in OUTCOME_NOUNS and token.pos_ in ("NOUN", "ADJ"):
            found.update(_OUTCOME_GROUPS[OUTCOME_NOUNS[lemma]])
        elif token.lower_ in OUTCOME_ADJECTIVES and token.dep_ in (
            "pobj",
            "amod",
            "compound",
            "acl",
        ):
            found.update(_OUTCOME_GROUPS[OUTCOME_ADJECTIVES[token.lower_]])
    return frozenset(found) or None
