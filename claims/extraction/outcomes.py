"""Which outcome a word names: verbs ("killed", "shot dead", "taken into custody"), predicate
adjectives ("are dead", "among the dead"), nouns ("1,400 deaths") and tolls ("the death toll rose
to 71"). figures.py decides which count each outcome belongs to.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from claims.extraction.lexicon import (
    CONVEY_VERBS,
    DETENTION_PLACES,
    DURATION_NOUNS,
    HEARSAY_VERBS,
    INJURY_NOUNS,
    INTRANSITIVE_OUTCOMES,
    OUTCOME_ADJECTIVES,
    OUTCOME_NOUNS,
    OUTCOME_VERBS,
)

# Places one is taken to as a prisoner (not "custody" alone: "taken into custody" is above).
_LOCKUPS = frozenset({"prison", "jail", "gaol", "cell", "precinct"})


# Who "held" on its own means detained: "those held", "the people held".
_HELD_PEOPLE = frozenset({"those", "others", "people", "everyone", "anyone", "all", "many"})


def _lockup(place: Token) -> bool:
    """A prison or a police station (not a train station or a camp for the displaced)."""
    lemma = place.lemma_.lower()
    if lemma == "station":
        return any(c.lower_ == "police" for c in place.children)
    return lemma in _LOCKUPS


def negated(word: Token) -> bool:
    return any(c.dep_ == "neg" for c in word.children)


# Long: one ordered list of verb patterns ("shot dead", "taken into custody", "rushed to
# hospital"), the first match winning; each pattern is a few lines of parse tests.
def verb_outcome(verb: Token) -> str | None:
    """The outcome a verb names, including "shot dead", "taken into custody", "picked up"."""
    lemma = verb.lemma_.lower()
    if verb.pos_ not in ("VERB", "AUX") and verb.tag_ not in ("VBN", "VBD"):
        return None
    if lemma in OUTCOME_VERBS:
        return OUTCOME_VERBS[lemma]
    children = list(verb.children)
    if lemma == "shoot" and any(c.lower_ == "dead" for c in children):
        return "killed"
    # "beaten to death", "stabbed to death", "burned to death"
    if any(
        c.dep_ == "prep" and c.lower_ == "to" and any(g.lower_ == "death" for g in c.children)
        for c in children
    ):
        return "killed"
    if lemma == "gun" and any(c.dep_ == "prt" and c.lower_ == "down" for c in children):
        return "killed"
    if lemma in ("take", "hold", "keep", "place", "remand") and any(
        c.dep_ == "prep"
        and c.lower_ in ("into", "in")
        and any(g.lemma_.lower() in ("custody", "detention") for g in c.children)
        for c in children
    ):
        return "arrested" if lemma == "take" else "detained"
    if lemma in ("pick", "round") and any(c.dep_ == "prt" and c.lower_ == "up" for c in children):
        return "detained"
    if lemma in CONVEY_VERBS and any(
        c.dep_ == "prep" and c.lower_ in ("to", "into") and any(_lockup(g) for g in c.children)
        for c in children
    ):
        return "detained"  # "31 people had been taken to police stations"
    # The "for" phrase may hang on the object: "treating 20 people for injuries".
    objects = [g for c in children if c.dep_ == "dobj" for g in c.children]
    if lemma == "treat" and any(
        (c.lower_ == "for" and any(g.lemma_.lower() in INJURY_NOUNS for g in c.subtree))
        or (c.lower_ in ("in", "at") and any(g.lemma_.lower() == "hospital" for g in c.children))
        for c in children + objects
        if c.dep_ == "prep"
    ):
        # "74 people were treated for gunshot wounds", "87 others were treated in hospitals"
        return "injured"
    # "Nine people were rushed to hospital (with serious injuries)", "admitted with burns"
    # (The parser may even take "to hospital" for an infinitive.)
    doc = verb.doc
    after = doc[verb.i + 1 : min(verb.i + 4, len(doc))]
    # "taken to hospital" alone may be a check-up: only the urgent verbs say injured.
    to_hospital = lemma in ("rush", "admit", "airlift") and any(
        t.lower_ in ("hospital", "hospitals") and doc[t.i - 1].lower_ in ("to", "into", "the", "a")
        for t in after
    )
    with_injuries = any(
        t.lower_ == "with" and any(g.lemma_.lower() in INJURY_NOUNS for g in t.subtree)
        for t in verb.subtree
    )
    if to_hospital or (
        with_injuries and lemma in ("rush", "take", "admit", "airlift", "evacuate", "ferry")
    ):
        return "injured"
    if lemma in ("hold", "keep", "detain") and any(
        c.dep_ == "prep"
        and c.lower_ == "without"
        and any(g.lemma_.lower() in ("charge", "trial") for g in c.children)
        for c in children
    ):
        return "detained"  # "held hundreds of suspected militants without charge"
    if lemma == "hold" and verb.dep_ == "acl" and verb.head.lower_ in _HELD_PEOPLE:
        return "detained"  # "those held", "everyone held for peaceful protest"
    if lemma == "hold" and any(c.dep_ in ("nsubjpass", "auxpass") for c in children):
        # "are being held at a police station", "held incommunicado", "held by the army",
        # "were held for more than 48 hours" - but not "meetings were held in Geneva".
        for child in children:
            if child.dep_ == "agent" or child.lower_ in ("incommunicado", "hostage", "captive"):
                return "detained"
            if (
                child.dep_ == "prep"
                and child.lower_ == "for"
                and any(g.lemma_.lower() in DURATION_NOUNS for g in child.subtree)
            ):
                return "detained"
            if child.dep_ == "prep" and any(
                g.lemma_.lower() in DETENTION_PLACES for g in child.children
            ):
                return "detained"
    return None


def hearsay_clause(verb: Token) -> Token | None:
    """The clause a passive hearsay verb raises its subject into: "are said [to have died]"."""
    if verb.lemma_.lower() not in HEARSAY_VERBS or not any(
        c.dep_ == "auxpass" for c in verb.children
    ):
        return None
    return next((c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)


def toll_outcome(noun: Token, sent: Span) -> str | None:
    """ "death toll" -> killed; "the total number of deaths" -> killed; a bare "count" takes
    the outcome named elsewhere in the sentence."""
    for child in noun.children:
        if child.dep_ in ("compound", "amod") and child.lemma_.lower() in OUTCOME_NOUNS:
            return OUTCOME_NOUNS[child.lemma_.lower()]
        if child.dep_ == "acl" and verb_outcome(child):
            return verb_outcome(child)  # "the number of journalists detained", parsed so
        if child.dep_ == "prep" and child.lower_ == "of":
            for pobj in child.children:
                lemma = pobj.lemma_.lower()
                if lemma in OUTCOME_NOUNS:
                    return OUTCOME_NOUNS[lemma]
                if pobj.lower_ in OUTCOME_ADJECTIVES:
                    return OUTCOME_ADJECTIVES[pobj.lower_]  # "the number of missing"
                for participle in pobj.children:  # "the number of people detained"
                    if participle.dep_ in ("acl", "amod") and verb_outcome(participle):
                        return verb_outcome(participle)
    if noun.lemma_.lower() == "toll":
        for token in sent:
            if token.lemma_.lower() in OUTCOME_NOUNS and token.dep_ == "compound":
                return OUTCOME_NOUNS[token.lemma_.lower()]
        return "killed"
    # "the original count of about 25" in a sentence about a death toll.
    for token in sent:
        if token.lemma_.lower() == "toll" and token.i != noun.i:
            return toll_outcome(token, sent)
    # "At least 150 people have died, ... while local media put the figure at nearly 200": a
    # bare "the figure" restates the outcome of the sentence's main verb.
    if any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children) and not any(
        c.dep_ == "prep" for c in noun.children
    ):
        root = sent.root
        if root.i != noun.i and root.pos_ in ("VERB", "AUX"):
            return verb_outcome(root) or state_outcome(root)
    return None


def of_outcome(noun: Token) -> str | None:
    """ "Eight of the deaths", "reports of deaths", "most of the detentions"."""
    for child in noun.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            for pobj in child.children:
                lemma = pobj.lemma_.lower()
                if pobj.dep_ == "pobj" and lemma in OUTCOME_NOUNS:
                    return OUTCOME_NOUNS[lemma]
                # "nine of the injured", "two of the detained"
                if (
                    pobj.dep_ == "pobj"
                    and pobj.lower_ in OUTCOME_ADJECTIVES
                    and any(c.dep_ == "det" for c in pobj.children)
                ):
                    return OUTCOME_ADJECTIVES[pobj.lower_]
    return None


def state_outcome(verb: Token) -> str | None:
    """Outcomes said of a verb's subject: "died", "are dead", "among the dead", "lost lives"."""
    if negated(verb):
        return None
    lemma = verb.lemma_.lower()
    if lemma in INTRANSITIVE_OUTCOMES:
        return INTRANSITIVE_OUTCOMES[lemma]
    for child in verb.children:
        key = child.lower_
        if child.dep_ in ("acomp", "attr", "oprd") and key in OUTCOME_ADJECTIVES:
            return OUTCOME_ADJECTIVES[key]
        if child.dep_ == "prep" and key == "as":
            # "15,000 people registered as missing", "listed as dead"
            for word in child.children:
                if word.lower_ in OUTCOME_ADJECTIVES and word.dep_ in ("pcomp", "pobj", "amod"):
                    return OUTCOME_ADJECTIVES[word.lower_]
        if child.dep_ == "prep" and key == "among":
            for pobj in child.children:
                if pobj.lower_ in OUTCOME_ADJECTIVES:
                    return OUTCOME_ADJECTIVES[pobj.lower_]
                # "among those killed", "among the people arrested"
                for participle in pobj.children:
                    if participle.dep_ in ("acl", "relcl") and verb_outcome(participle):
                        return verb_outcome(participle)
        if lemma == "lose" and child.dep_ == "dobj" and child.lemma_.lower() in ("life", "lives"):
            return "killed"
        # "suffered injuries", "sustained serious wounds"
        if (
            lemma in ("suffer", "sustain", "receive")
            and child.dep_ == "dobj"
            and child.lemma_.lower() in INJURY_NOUNS
        ):
            return "injured"
        # "12 people are in custody", "remain in detention", "320 journalists are behind bars"
        if (
            lemma in ("be", "remain", "sit", "languish")
            and child.dep_ == "prep"
            and child.lower_ in ("in", "behind")
            and any(
                g.lemma_.lower() in DETENTION_PLACES or g.lower_ == "bars" for g in child.children
            )
        ):
            return "detained"
    return None


def by_agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    return None
