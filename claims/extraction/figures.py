"""Casualty and arrest figures: a head count tied by the parse to an outcome.

The count is a number ("26 protesters", "more than 18,000 have been detained"), a person named or
pointed at ("arrested Karim Massimov", "he was picked up", "killed a man"), or a share of a
toll ("Eight of the deaths"). The outcome is the verb, adjective or noun the count hangs on:
"killed 26 protesters" (object), "18 officials were killed" (passive subject), "12 died",
"six are dead", "among the dead", "1,400 deaths", "the deaths of six protesters", "the death
toll rose to 71". Counts of things that are not tied to such a word (vehicles destroyed, years,
money) never become figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

from spacy.tokens import Span, Token

from claims.extraction.attributions import is_passive, subject_of
from claims.extraction.lexicon import (
    ANIMAL_NOUNS,
    CUSTODY_STATES,
    DOCUMENT_NOUNS,
    GROUP_NOUNS,
    OUTCOME_ADJECTIVES,
    OUTCOME_NOUNS,
    PEOPLE_MODIFIERS,
    PERSON_PRONOUNS,
    RELATIVE_PRONOUNS,
    REMAINS_NOUNS,
    REPORT_NOUNS,
    REPORTING_VERBS,
    TALLY_VERBS,
    TOLL_NOUNS,
    TOLL_VERBS,
)
from claims.extraction.mentions import antecedent, is_role_word, name_span, noun_phrase
from claims.extraction.numbers import Quantity, find_quantities
from claims.extraction.outcomes import (
    by_agent,
    hearsay_clause,
    negated,
    of_outcome,
    state_outcome,
    toll_outcome,
    verb_outcome,
)

_SINGULAR_DETS = frozenset({"a", "an", "one", "another"})
# Modifiers that say how many or which, not what kind: left out of subjects.
_NOT_CLASSIFIERS = frozenset({"estimated", "other", "another", "more", "several", "many", "few",
                              "least", "most", "further", "additional", "around", "about", "some",
                              "nearly", "almost", "approximately", "roughly", "over", "total",
                              "old", "year", "years"})  # fmt: skip
# Verbs whose subject reports or contains deaths rather than causing them.
_NOT_DOING = frozenset({"be", "include", "have", "reach", "exceed", "top", "surpass", "number",
                        "report", "say", "confirm", "record", "document", "count", "investigate",
                        "blame", "follow", "mark", "see", "bring", "raise", "put"})  # fmt: skip
# Words of a qualifier in front of a count ("at least", "more than", "nearly", "some").
_QUALIFIER_WORDS = frozenset({"at", "least", "most", "more", "than", "about", "around", "some",
                              "nearly", "almost", "over", "up", "to", "roughly", "approximately",
                              "an", "estimated", "as", "many", "few", "fewer", "less"})  # fmt: skip
# Verbs whose object is the new value of a toll: "the toll reached 120", "has topped 500".
_TOLL_OBJECT_VERBS = frozenset({"reach", "hit", "top", "exceed", "surpass", "pass", "cross"})
# Qualifier words the parser may make the head of "of" + the counted noun.
_QUALIFIER_HEADS = frozenset({"upwards", "upward", "minimum", "maximum"})
# Verbs whose subject speaks about a death or arrest named by a noun, not the one who caused it;
# "claimed (responsibility for) the killing" and "announced the arrest" may be the doer's own.
_REACTING = (REPORTING_VERBS - {"claim", "announce"}) | {"mourn", "protest", "regret", "question"}
# Outcome nouns that name people, who may then suffer something else ("detainees died").
_PEOPLE_IN_A_STATE = frozenset({"detainee", "wounded", "injured"})
_COUNT_WORDS = TOLL_NOUNS | REPORT_NOUNS | DOCUMENT_NOUNS
_NOT_PEOPLE_ENTS = frozenset({"GPE", "NORP", "LOC", "FAC", "DATE", "TIME", "EVENT", "PRODUCT"})


@dataclass(frozen=True, slots=True)
class FigureMention:
    """One casualty or arrest figure as a sentence states it (before it becomes a claim).

    Not the `claims.models.Figure` row, which groups the same figure across articles.
    """

    value_low: int
    value_high: int | None
    qualifier: str
    outcome: str
    subject: str | None
    subject_token: Token | None  # a named person, for resolving the full name
    agent: str | None
    anchor: Token  # the outcome word: speakers and hedges are found from it
    count: Token  # the number, or the person's head token
    reported: bool = False  # "four more reports of deaths": a count of reports
    # "they" as the doer ("police said they had arrested ..."): the speaker may stand for it.
    agent_is_pronoun: bool = False
    rule: str = "other"  # the rule that found it, for its confidence (confidence.py)


@dataclass(frozen=True, slots=True)
class _Link:
    outcome: str
    anchor: Token
    agent: Token | None = None
    rule: str = "other"  # which rule tied the count to its outcome (confidence.py)


def _noun_agent(noun: Token) -> Token | None:
    """Who caused a death named by a noun: "deaths blamed on X", "X has been blamed for ..."."""
    for child in noun.children:
        if child.dep_ == "prep" and child.lower_ == "by":
            pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    if noun.lemma_.lower() in REMAINS_NOUNS:
        # "Rescue workers pulled the bodies of five children from the mud": whoever finds or
        # recovers the dead did not kill them; only a "by" phrase names the killer, on the
        # bodies or on the dead ("the bodies of 12 men killed by the militia").
        for prep in noun.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                for dead in prep.children:
                    for verb in dead.children:
                        if verb.dep_ == "acl" and by_agent(verb) is not None:
                            return by_agent(verb)
        return None
    current = noun
    for _ in range(6):
        current = current.head
        if current.dep_ == "prep" or current.pos_ == "ADP":
            continue  # "attacks, including the killing of ..."
        if current.pos_ in ("VERB", "AUX"):
            lemma = current.lemma_.lower()
            if lemma in ("blame", "accuse") or (
                lemma == "hold" and any(c.lower_ == "responsible" for c in current.children)
            ):
                passive_subject = next((c for c in current.children if c.dep_ == "nsubjpass"), None)
                if passive_subject is not None:
                    return passive_subject
                return next((c for c in current.children if c.dep_ == "dobj"), None)
            if verb_outcome(current) or any(c.dep_ == "nsubjpass" for c in current.children):
                return None
            if lemma in _NOT_DOING or lemma in TALLY_VERBS:
                # "the figure included 103 deaths", "keeps a tally of 2,315 arrests": the
                # figure or the monitor killed or arrested nobody
                return None
            if lemma in _REACTING:
                return None  # "rights groups condemned the detention of 12 activists"
            subject = next((c for c in current.children if c.dep_ == "nsubj"), None)
            if subject is None and lemma == "leave":
                # "Gunmen opened fire, leaving four dead": the clause's doer.
                subject = subject_of(current, passive_agent=False)
            if subject is None or subject.lemma_.lower() in _COUNT_WORDS:
                return None
            return antecedent(subject)
        if current.dep_ == "ROOT":
            break
    return None


def _link(noun: Token, sent: Span) -> _Link | None:
    """How a counted noun (or a bare number) is tied to an outcome, if it is."""
    lemma = noun.lemma_.lower()
    if lemma in OUTCOME_NOUNS and noun.pos_ in ("NOUN", "ADJ"):
        if lemma in _PEOPLE_IN_A_STATE:
            # "15 detainees died in custody": what happened to them now outweighs the state
            # that names them.
            happened = _link_in_clause(noun, sent)
            if happened is not None:
                return happened
        return _Link(OUTCOME_NOUNS[lemma], noun, _noun_agent(noun), rule="outcome-noun")
    return _link_in_clause(noun, sent)


# Who a relative clause names as its doer when it is only the relative pronoun again.
_RELATIVE_AGENTS = ("who", "that", "which")


class _Stop:
    """A rule's verdict that the noun is not a figure: no later rule is tried."""


_STOP = _Stop()


class _Clause:
    """What the clause rules read of one counted noun, worked out once and only when asked.

    `noun` may be rebound by a rule (`_of_phrase`: "A total of 32 people": the toll word stands
    in the noun's place); `first`, `verb`, `dep` and `outcome` are computed from the noun as it
    is when a rule first reads them, which is after every rule that rebinds it.
    """

    def __init__(self, noun: Token, sent: Span) -> None:
        self.noun = noun
        self.sent = sent

    @cached_property
    def first(self) -> Token:
        """Coordinated counts share their first conjunct's place: "six children and seven women"."""
        first = self.noun
        while first.dep_ in ("conj", "appos") and first.head.i != first.i:
            first = first.head
        return first

    @cached_property
    def verb_and_dep(self) -> tuple[Token, str]:
        verb, dep = self.first.head, self.first.dep_
        if dep == "pobj" and verb.lower_ == "between" and verb.head.pos_ in ("VERB", "AUX"):
            # "have detained between 10 and 12 members": the range is parsed as a "between" phrase.
            verb, dep = verb.head, "dobj"
        return verb, dep

    @property
    def verb(self) -> Token:
        return self.verb_and_dep[0]

    @property
    def dep(self) -> str:
        return self.verb_and_dep[1]

    @cached_property
    def outcome(self) -> str | None:
        return verb_outcome(self.verb)


_Verdict = _Link | _Stop | None  # a link, "not a figure", or "ask the next rule"


def _partitive(c: _Clause) -> _Verdict:
    """ "Eight of the deaths", "nine of the injured"."""
    partitive = of_outcome(c.noun)
    return _Link(partitive, c.noun, rule="partitive") if partitive else None


def _claimed_lives(c: _Clause) -> _Verdict:
    """ "The attack claimed 12 lives", "the floods have taken 40 lives"."""
    noun = c.noun
    if (
        noun.lemma_.lower() == "life"
        and noun.dep_ == "dobj"
        and noun.head.lemma_.lower() in ("claim", "take", "cost")
    ):
        taker = noun.head
        return _Link("killed", taker, subject_of(taker, passive_agent=False), rule="claimed-lives")
    return None


def _of_phrase(c: _Clause) -> _Verdict:
    """ "the deaths of six protesters", "the killing of a family of four", "the attack claimed
    the lives of 12 people", "the death toll of 40 people"; else the owner may stand in the
    noun's place for the rules after: "A total of 32 people were killed", "including those of
    six children", "Upwards of 300 demonstrators were detained"."""
    noun, sent = c.noun, c.sent
    if not (noun.dep_ == "pobj" and noun.head.lower_ == "of"):
        return None
    owner = noun.head.head
    owner_lemma = owner.lemma_.lower()
    if owner_lemma in OUTCOME_NOUNS and owner.pos_ in ("NOUN", "ADJ"):
        return _Link(OUTCOME_NOUNS[owner_lemma], owner, _noun_agent(owner), rule="outcome-noun")
    if owner_lemma == "life" and owner.head.lemma_.lower() in ("claim", "take", "cost"):
        taker = owner.head
        return _Link("killed", taker, subject_of(taker, passive_agent=False), rule="claimed-lives")
    if owner_lemma in TOLL_NOUNS:
        outcome = toll_outcome(owner, sent)
        if outcome:
            return _Link(outcome, owner, rule="toll")
        c.noun = owner  # the toll word stands in the noun's place
    elif owner.lower_ in ("those", "that") and owner.dep_ == "pobj":
        c.noun = owner  # "those" stands for the counted noun before
    elif owner.lower_ in _QUALIFIER_HEADS:
        c.noun = owner  # the qualifier parsed as the head: the counted noun stands in its place
    return None


def _including_part(c: _Clause) -> _Verdict:
    """A part of a count is a figure of its own with the whole's outcome: "killed 40 people,
    including 12 children", "the toll rose to 112, including 32 in the past day"."""
    noun, sent = c.noun, c.sent
    if not (noun.dep_ == "pobj" and noun.head.lower_ == "including"):
        return None
    for whole in _wholes(noun.head.head):
        link = _link(whole, sent)
        if link is not None:
            return _as_part(link)
    # "keeps a tally of 2,315 arrests since the strike began, including 212 women": the
    # parser hung the part on a later clause; the count just before it is the whole.
    whole = _count_before(noun.head, sent)
    return (_as_part(_link(whole, sent)) if whole is not None else None) or _STOP


def _among_them_part(c: _Clause) -> _Verdict:
    """ "64 people had been injured, among them 11 children": a part of the count before it."""
    listed = c.noun
    while listed.dep_ == "conj" and listed.head.pos_ in ("NOUN", "PROPN", "NUM"):
        listed = listed.head  # "among them 12 women and four children"
    if any(
        child.dep_ == "prep"
        and child.lower_ == "among"
        and any(g.lower_ in ("them", "those") for g in child.children)
        for child in listed.children
    ):
        whole = _count_before(listed, c.sent)
        if whole is not None:
            return _as_part(_link(whole, c.sent)) or _STOP
    return None


def _own_participle(c: _Clause) -> _Verdict:
    """ "... left two dead and at least 23 injured": the count hangs on its own participle."""
    noun = c.noun
    if (
        noun.pos_ == "NUM"
        and noun.dep_ == "nummod"
        and noun.head.tag_ == "VBN"
        and verb_outcome(noun.head)
        and not negated(noun.head)
    ):
        return _Link(verb_outcome(noun.head), noun.head, by_agent(noun.head), rule="participle")
    return None


def _conjoined_participle(c: _Clause) -> _Verdict:
    """ "... confirmed dead and more than 350 injured": a conjoined count with its own
    participle."""
    noun = c.noun
    if noun.dep_ == "conj" and noun.pos_ == "NUM" and noun.i + 1 < len(noun.doc):
        after = noun.doc[noun.i + 1]
        if (
            after.tag_ == "VBN"
            and after.dep_ == "conj"
            and verb_outcome(after)
            and not any(ch.dep_ in ("nsubj", "nsubjpass") for ch in after.children)
        ):
            return _Link(verb_outcome(after), after, by_agent(after), rule="participle")
    return None


def _gapped_clause(c: _Clause) -> _Verdict:
    """ "Five people were killed in Kharkiv and three in Odesa": a gapped clause, the count
    coordinated with the verb itself."""
    noun = c.noun
    following = noun.doc[noun.i + 1] if noun.i + 1 < len(noun.doc) else noun
    own_participle = following.tag_ == "VBN" or following.lower_ in OUTCOME_ADJECTIVES
    if (
        noun.pos_ == "NUM"
        and noun.dep_ == "conj"
        and noun.head.pos_ == "VERB"
        and not own_participle
    ):
        gapped = noun.head
        outcome = verb_outcome(gapped) if is_passive(gapped) else None
        outcome = outcome or state_outcome(gapped)
        if outcome and not negated(gapped) and not any(ch.dep_ == "nsubj" for ch in noun.children):
            return _Link(outcome, gapped, by_agent(gapped), rule="gapped")
    return None


def _tally_continued(c: _Clause) -> _Verdict:
    """ "It recorded a further 97 in Portsel": a bare number a monitor tallies goes on with the
    count of the sentence before."""
    noun = c.noun
    if (
        noun.pos_ == "NUM"
        and noun.dep_ in ("dobj", "conj")
        and noun.head.lemma_.lower() in (TALLY_VERBS - {"keep"})
    ):
        tallied = _outcome_just_before(c.sent)
        if tallied:
            return _Link(tallied, noun.head, rule="tally")
    return None


def _in_custody(c: _Clause) -> _Verdict:
    """ "with nearly 2,000 more in custody", "400 others under arrest" (see _custody_state)."""
    return _custody_state(c.noun)


def _coordinated(c: _Clause) -> _Verdict:
    """ "six children and seven women killed": a conjunct that is itself an outcome noun
    ("12 deaths and 40 injuries") gives its outcome to the counts coordinated with it."""
    first = c.noun
    while first.dep_ in ("conj", "appos") and first.head.i != first.i:
        first = first.head
        if first.lemma_.lower() in OUTCOME_NOUNS or of_outcome(first):
            outcome = OUTCOME_NOUNS.get(first.lemma_.lower()) or of_outcome(first)
            return _Link(outcome, first, rule="coordinated") if outcome else _STOP
    return None


def _listed_part(c: _Clause) -> _Verdict:
    """ "including 4 doctors, 9 nurses and ...": later counted parts of an "including" list
    (not "including the alleged captain, a fisherman": no count, no figure of its own)."""
    noun, first = c.noun, c.first
    if first.i != noun.i and first.dep_ == "pobj" and first.head.lower_ == "including":
        counted = noun.pos_ == "NUM" or any(ch.dep_ == "nummod" for ch in noun.children)
        return (_as_part(_link(first, c.sent)) if counted else None) or _STOP
    return None


def _participle_before(c: _Clause) -> _Verdict:
    """A participle in front: "the 12 arrested men", "26 wounded soldiers", "19 wounded
    patients"."""
    for child in c.noun.lefts:
        if child.dep_ == "amod" and child.tag_ == "VBN" and verb_outcome(child):
            return _Link(verb_outcome(child), child, rule="participle")
        if child.dep_ == "amod" and child.tag_ == "JJ" and child.lower_ in OUTCOME_ADJECTIVES:
            return _Link(OUTCOME_ADJECTIVES[child.lower_], child, rule="participle")
    return None


def _reduced_relative(c: _Clause) -> _Verdict:
    """Reduced relative: "more than 130 lawyers detained last July", "about 2,000 arrested",
    "a group that was killed", "a group that is now missing", "15,000 people registered as
    missing"."""
    noun, first = c.noun, c.first
    for child in list(noun.children) + ([] if first.i == noun.i else list(first.children)):
        if child.dep_ not in ("acl", "relcl") or negated(child):
            continue
        # Only a passive participle or passive relative clause says the noun suffered it:
        # "lawyers detained", "a group that was killed" - not "an order to kill", "gunmen
        # who killed". In a relative clause the victim must be the relative pronoun itself:
        # not "Jane Morris, whose son was killed".
        passive = (child.dep_ == "acl" and child.tag_ == "VBN") or any(
            g.dep_ == "nsubjpass" and g.lower_ in RELATIVE_PRONOUNS for g in child.children
        )
        outcome = verb_outcome(child) if passive else None
        if outcome:
            agent = subject_of(child) if child.dep_ == "relcl" else None
            if child.dep_ == "relcl" and agent is not None and agent.lower_ in _RELATIVE_AGENTS:
                agent = None
            if agent is not None and agent.i == noun.i:
                agent = None
            return _Link(outcome, child, agent or by_agent(child), rule="relative")
        # Not "Maria Lopez, whose husband is among the missing".
        own_state = passive or (
            child.dep_ == "relcl"
            and any(
                g.dep_ in ("nsubj", "nsubjpass") and g.lower_ in RELATIVE_PRONOUNS
                for g in child.children
            )
        )
        if own_state:
            found = state_outcome(child)
            if found:
                return _Link(found, child, rule="relative")
    return None


def _shared(c: _Clause) -> _Verdict:
    """ "with 412 security personnel and 276 civilians killed" (see _shared_participle)."""
    return _shared_participle(c.noun)


def _negated_verb(c: _Clause) -> _Verdict:
    """ "No one was killed", "police did not arrest 40 people": a negated verb is no figure."""
    return _STOP if negated(c.verb) else None


def _hearsay(c: _Clause) -> _Verdict:
    """ "Some 15 people are said to have died", "40 are believed to have been arrested"."""
    raised = hearsay_clause(c.verb) if c.dep == "nsubjpass" else None
    if raised is None or negated(raised):
        return None
    if any(ch.dep_ == "auxpass" for ch in raised.children) and verb_outcome(raised):
        return _Link(verb_outcome(raised), raised, by_agent(raised), rule="hearsay")
    found = state_outcome(raised)
    return _Link(found, raised, rule="hearsay") if found else None


def _later_passive(c: _Clause) -> _Verdict:
    """ "63 migrants were intercepted and detained": a later passive verb shares the subject."""
    verb = c.verb
    if c.outcome or c.dep != "nsubjpass" or state_outcome(verb):
        return None
    for conj in verb.children:
        if (
            conj.dep_ == "conj"
            and conj.tag_ == "VBN"
            and verb_outcome(conj)
            and not negated(conj)
            and not any(g.dep_ in ("nsubj", "nsubjpass") for g in conj.children)
        ):
            return _Link(verb_outcome(conj), conj, by_agent(conj), rule="verb-passive")
    return None


def _left_state(c: _Clause) -> _Verdict:
    """ "The clashes left 10 people dead", "leaving 30 others wounded": the state is a
    complement of the verb."""
    verb, first = c.verb, c.first
    if c.outcome or c.dep != "dobj":
        return None
    for child in list(verb.children) + list(first.rights):
        # An adjective anywhere there ("left ten people dead"); a participle only as the
        # object's complement ("leaving 30 others wounded"), not "told Reuters ... killed".
        state = child.lower_ in OUTCOME_ADJECTIVES and (
            (child.pos_ == "ADJ" and child.dep_ in ("oprd", "acomp", "xcomp", "ccomp", "amod"))
            or (child.tag_ == "VBN" and child.dep_ in ("oprd", "acomp", "xcomp", "amod"))
        )
        if state:
            agent = subject_of(verb, passive_agent=False)
            return _Link(OUTCOME_ADJECTIVES[child.lower_], verb, agent, rule="left-state")
    # "leaving 30 others wounded" with the participle hung elsewhere by the parser: the
    # word right after the object.
    after = first.right_edge.i + 1
    if verb.lemma_.lower() == "leave" and after < len(first.doc):
        word = first.doc[after]
        if word.lower_ in OUTCOME_ADJECTIVES and word.tag_ in ("JJ", "VBN"):
            agent = subject_of(verb, passive_agent=False)
            return _Link(OUTCOME_ADJECTIVES[word.lower_], verb, agent, rule="left-state")
    return None


def _verb_object(c: _Clause) -> _Verdict:
    """ "Security forces killed 26 protesters"."""
    if c.outcome and c.dep == "dobj":
        return _Link(c.outcome, c.verb, subject_of(c.verb, passive_agent=False), rule="verb-object")
    return None


def _verb_passive(c: _Clause) -> _Verdict:
    """ "18 officials were killed", and "40 were killed and more than 100 wounded" (the second
    "were" left out)."""
    verb = c.verb
    if c.outcome and c.dep == "nsubjpass":
        return _Link(c.outcome, verb, by_agent(verb), rule="verb-passive")
    if (
        c.outcome
        and c.dep == "nsubj"
        and verb.tag_ == "VBN"
        and not any(ch.dep_ in ("dobj", "aux") for ch in verb.children)
    ):
        return _Link(c.outcome, verb, rule="verb-passive")
    return None


def _state(c: _Clause) -> _Verdict:
    """ "six are dead", "53 were confirmed dead", "Among the dead were 11 children" (inverted,
    the count parsed as the attribute), "with 10,000 missing", "dozens feared dead"."""
    verb, dep = c.verb, c.dep
    if not (
        dep in ("nsubj", "nsubjpass")
        or (
            dep == "attr"
            and verb.lemma_.lower() == "be"
            and not any(ch.dep_ in ("nsubj", "expl") for ch in verb.children)
        )
    ):
        return None
    found = state_outcome(verb)
    if found:
        return _Link(found, verb, rule="state")
    # "with a dozen passengers still missing" (parsed as a verb)
    if (verb.pos_ == "ADJ" or verb.tag_ == "VBG") and verb.lower_ in OUTCOME_ADJECTIVES:
        return _Link(OUTCOME_ADJECTIVES[verb.lower_], verb, rule="state")
    # "10,000 more reported missing": the parser may hang the count on the epistemic verb
    # inside the adjective phrase.
    state = verb.head
    if (
        verb.dep_ in ("amod", "advmod")
        and state.pos_ == "ADJ"
        and state.lower_ in OUTCOME_ADJECTIVES
    ):
        return _Link(OUTCOME_ADJECTIVES[state.lower_], state, rule="state")
    return None


def _of_those(c: _Clause) -> _Verdict:
    """ "Of those arrested, 97 were students": a part of a group named by its outcome."""
    sent = c.sent
    if c.dep not in ("nsubj", "nsubjpass") or sent[0].lower_ not in ("of", "among"):
        return None
    for group in sent[0].children:
        if group.dep_ == "pobj" and group.lower_ in ("those", "them"):
            for participle in group.children:
                if participle.dep_ in ("acl", "relcl") and verb_outcome(participle):
                    return _Link(verb_outcome(participle), participle, rule="of-those")
    return None


def _included(c: _Clause) -> _Verdict:
    """ "The dead include a Somali national and five foreigners", "Those held included six
    students" (the subject named by its participle)."""
    verb = c.verb
    if c.dep not in ("dobj", "attr") or verb.lemma_.lower() not in ("include", "be"):
        return None
    subject = next((ch for ch in verb.children if ch.dep_ == "nsubj"), None)
    if (
        subject is not None
        and subject.lemma_.lower() in OUTCOME_NOUNS.keys() | OUTCOME_ADJECTIVES.keys()
    ):
        key = subject.lemma_.lower()
        return _Link(OUTCOME_NOUNS.get(key) or OUTCOME_ADJECTIVES[key], verb, rule="include")
    held = next(
        (
            ch
            for ch in (subject.children if subject is not None else ())
            if ch.dep_ in ("acl", "relcl") and verb_outcome(ch) and not negated(ch)
        ),
        None,
    )
    return _Link(verb_outcome(held), verb, rule="include") if held is not None else None


def _toll_reached(c: _Clause) -> _Verdict:
    """Tolls: "the death toll has risen to 71", "puts the toll at 141", "brings ... to 510",
    "The commission's count rose to nine", "By midday that had climbed to 157"."""
    first, sent = c.first, c.sent
    if not (c.dep == "pobj" and first.head.lower_ in ("to", "at")):
        return None
    current = first.head
    for _ in range(5):
        current = current.head
        if current.dep_ == "acl":
            # "brought the number of journalists detained to 27": the "to" phrase was hung
            # on the participle inside the toll's phrase.
            owner = current.head
            if owner.dep_ == "pobj" and owner.head.lower_ == "of":
                owner = owner.head.head
            if owner.lemma_.lower() in TOLL_NOUNS:
                current = owner.head
        if current.pos_ in ("VERB", "AUX"):
            break
    if current.lemma_.lower() not in TOLL_VERBS:
        return None
    for child in current.children:
        if child.dep_ not in ("nsubj", "dobj", "nsubjpass"):
            continue
        if child.lemma_.lower() in TOLL_NOUNS:
            # A toll whose own sentence names no outcome continues the one before it.
            counted = toll_outcome(child, sent) or _outcome_just_before(sent)
            if counted:
                return _Link(counted, child, rule="toll")
        elif child.lower_ in ("it", "that", "this"):
            # "Officials first reported 128 deaths. By midday that had climbed to 157."
            counted = _outcome_just_before(sent)
            if counted:
                return _Link(counted, current, rule="toll")
    return None


def _toll_object(c: _Clause) -> _Verdict:
    """ "the number of people killed this year had reached 120", "the toll has topped 500"."""
    if c.dep != "dobj" or c.verb.lemma_.lower() not in _TOLL_OBJECT_VERBS:
        return None
    for child in c.verb.children:
        if child.dep_ == "nsubj" and child.lemma_.lower() in TOLL_NOUNS:
            counted = toll_outcome(child, c.sent)
            if counted:
                return _Link(counted, child, rule="toll")
    return None


def _toll_up_from(c: _Clause) -> _Verdict:
    """ "... to 71, up from about 25": the earlier value of the same toll."""
    first = c.first
    if c.dep == "pobj" and first.head.lower_ == "from" and first.head.head.lower_ in ("up", "down"):
        for token in c.sent:
            if token.lemma_.lower() in TOLL_NOUNS and token.i != first.i:
                counted = toll_outcome(token, c.sent)
                if counted:
                    return _Link(counted, token, rule="toll")
    return None


def _gapped(c: _Clause) -> _Verdict:
    """ "It recorded a further 97 in Portsel and 58 in Tirgu" (see _gapped_count)."""
    return _gapped_count(c.noun, c.sent)


# The ways a counted noun is tied to an outcome by the words around it, tried in this order:
# the first rule that decides wins (a link, or _STOP: not a figure). The order matters: a noun's
# own phrase before its clause, parts before wholes, the clause's verb before tolls.
_CLAUSE_RULES: tuple[Callable[[_Clause], _Verdict], ...] = (
    _partitive,
    _claimed_lives,
    _of_phrase,
    _including_part,
    _among_them_part,
    _own_participle,
    _conjoined_participle,
    _gapped_clause,
    _tally_continued,
    _in_custody,
    _coordinated,
    _listed_part,
    _participle_before,
    _reduced_relative,
    _shared,
    _negated_verb,
    _hearsay,
    _later_passive,
    _left_state,
    _verb_object,
    _verb_passive,
    _state,
    _of_those,
    _included,
    _toll_reached,
    _toll_object,
    _toll_up_from,
    _gapped,
)


def _link_in_clause(noun: Token, sent: Span) -> _Link | None:
    """How a counted noun is tied to an outcome by the words around it (_CLAUSE_RULES)."""
    clause = _Clause(noun, sent)
    for rule in _CLAUSE_RULES:
        verdict = rule(clause)
        if verdict is _STOP:
            return None
        if verdict is not None:
            return verdict  # type: ignore[return-value]
    return None


def _gapped_count(noun: Token, sent: Span) -> _Link | None:
    """ "It recorded a further 97 in Portsel and 58 in Tirgu", "attributed 71 deaths to
    ground fighting and 37 to landmines": a bare number after "and", its verb and noun left
    out, counts what the number before it counted."""
    doc = noun.doc
    if (
        noun.pos_ != "NUM"
        or noun.dep_ not in ("conj", "dep")
        or noun.i == 0
        or doc[noun.i - 1].lower_ not in ("and", ",")
        or any(c.dep_ != "punct" and c.i < noun.i for c in noun.children)
    ):
        return None
    following = doc[noun.i + 1] if noun.i + 1 < len(doc) else None
    if following is None or not (following.pos_ == "ADP" or following.tag_ == "TO"):
        return None  # "and 58 in Tirgu", "and 37 to landmines"
    before = next(
        (t for t in reversed(list(doc[sent.start : noun.i - 1])) if t.pos_ == "NUM"), None
    )
    if before is None:
        return None
    counted = _counted_noun(before)
    link = _link(counted, sent) or (_link(before, sent) if counted.i != before.i else None)
    return replace(link, rule="gapped") if link is not None else None


def _as_part(link: _Link | None) -> _Link | None:
    """A part of a count ("including 12 children") links as its whole does."""
    return replace(link, rule="part") if link is not None else None


def _custody_state(noun: Token) -> _Link | None:
    """A count with no verb, held: "with nearly 2,000 more in custody", "400 others under
    arrest", "with roughly 2,900 people still in custody" (the state may hang on the verb)."""
    top = noun
    while top.dep_ in ("nummod", "npadvmod", "quantmod") and top.head.i > top.i:
        top = top.head  # "2,000 more", "400 others"
    doc = noun.doc
    preps = [c for c in top.children if c.dep_ == "prep" and c.i > top.i]
    after = top.right_edge.i + 1
    while after < len(doc) and doc[after].lower_ in ("still", "now", "currently"):
        after += 1
    if after + 1 < len(doc) and top.dep_ == "pobj" and top.head.lower_ == "with":
        preps.append(doc[after])  # the state hung on the verb after the "with" phrase
    for prep in preps:
        # "in custody", "in police custody", "under house arrest"
        for word in doc[prep.i + 1 : min(prep.i + 3, len(doc))]:
            state = CUSTODY_STATES.get((prep.lower_, word.lemma_.lower()))
            if state is not None:
                return _Link(state, prep, rule="custody")
    return None


def _outcome_just_before(sent: Span) -> str | None:
    """The outcome of the toll or count the previous sentence gives, for "that"/"it"."""
    if sent.start == 0:
        return None
    previous = sent.doc[sent.start - 1].sent
    for token in previous:
        lemma = token.lemma_.lower()
        if lemma in TOLL_NOUNS:
            counted = toll_outcome(token, previous)
            if counted:
                return counted
        if lemma in OUTCOME_NOUNS and token.pos_ == "NOUN" and token.dep_ != "compound":
            return OUTCOME_NOUNS[lemma]
        if token.pos_ == "VERB" and not negated(token):
            # "... said 38 people had been killed. It was revised upward to 46."
            counted = verb_outcome(token) or state_outcome(token)
            if counted:
                return counted
    return None


def _count_before(noun: Token, sent: Span) -> Token | None:
    """The nearest counted noun (or bare number) before `noun` in its sentence."""
    for token in reversed(list(sent.doc[sent.start : noun.left_edge.i])):
        if token.pos_ == "NUM" and token.dep_ != "nummod":
            return token
        if token.pos_ == "NOUN" and any(c.dep_ == "nummod" for c in token.children):
            return token
    return None


def _previous_verb(quantity: Quantity) -> _Link | None:
    """ "..., detaining at least 17 people including ..." misparsed with the count as some other
    verb's subject: an active outcome verb right before the count, with no object of its own."""
    doc = quantity.head.doc
    i = quantity.start - 1
    while i >= 0 and (doc[i].lower_ in _QUALIFIER_WORDS or doc[i].dep_ == "quantmod"):
        i -= 1
    if i < 0:
        return None
    verb = doc[i]
    if verb.tag_ not in ("VBG", "VBD") or negated(verb) or not verb_outcome(verb):
        return None
    if any(c.dep_ == "dobj" for c in verb.children):
        return None
    return _Link(
        verb_outcome(verb), verb, subject_of(verb, passive_agent=False), rule="verb-object"
    )


def _wholes(head: Token) -> list[Token]:
    """Where the whole of an "including ..." part may be counted: the noun it hangs on ("40
    people, including ..."), or the subject, object or "to"/"at" phrase of the verb it hangs on
    ("have died since Monday, including ...", "rose to 112, including ...")."""
    if head.pos_ in ("NOUN", "PROPN", "NUM"):
        return [head]
    if head.pos_ not in ("VERB", "AUX"):
        return []
    wholes = []
    for child in head.children:
        if child.dep_ in ("nsubj", "nsubjpass", "dobj"):
            wholes.append(child)
        elif child.dep_ == "prep" and child.lower_ in ("to", "at"):
            wholes.extend(g for g in child.children if g.dep_ == "pobj")
    return wholes


def _next_participle(noun: Token) -> _Link | None:
    """ "... and another 50 were arrested" misparsed with the count in the previous phrase: a
    passive outcome participle right after the count, with no subject of its own, is its verb."""
    doc = noun.doc
    i = noun.i + 1
    while i < len(doc) and doc[i].dep_ in ("aux", "auxpass", "neg", "advmod") and i - noun.i < 4:
        if doc[i].dep_ == "neg":
            return None
        i += 1
    if i >= len(doc) or i == noun.i + 1 or doc[i].tag_ != "VBN":
        return None
    verb = doc[i]
    outcome = verb_outcome(verb)
    if outcome and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        return _Link(outcome, verb, by_agent(verb), rule="verb-passive")
    return None


def _head_phrase(head: Token) -> str:
    """A head noun with the words that classify it ("law enforcement officials", "Russian
    airstrikes"), stopping at numbers, qualifiers, determiners and possessors."""
    if head.pos_ == "PROPN":
        return noun_phrase(head)
    doc = head.doc
    start = head.i
    # Token.sent is slow (it searches for the sentence); the sentence start flag is enough.
    while start > 0 and not doc[start].is_sent_start:
        prev = doc[start - 1]
        if prev.like_num or prev.dep_ in ("det", "nummod", "quantmod", "predet", "poss", "case"):
            break
        participle = prev.tag_ == "VBN" and verb_outcome(prev) is not None  # "arrested men"
        if (
            prev.dep_ in ("compound", "amod", "nmod")
            and prev.lower_ not in _NOT_CLASSIFIERS
            and not participle
        ):
            start -= 1
        elif prev.text == "-" and not prev.is_sent_start and not doc[start - 2].like_num:
            start -= 1  # "anti-war protesters"
        else:
            break
    while start < head.i and doc[start].text == "-":
        start += 1
    return doc[start : head.i + 1].text


def _is_pronoun(agent: Token | None) -> bool:
    return agent is not None and agent.lower_ in ("they", "it", "we")


def _with_named_agent(link: _Link) -> _Link:
    """The link with "they" as the doer replaced by the plural subject it stands for, if the
    sentence names one before it."""
    if not _is_pronoun(link.agent):
        return link
    named = _pronoun_antecedent(link.agent)
    return link if named is None else _Link(link.outcome, link.anchor, named, link.rule)


def _pronoun_antecedent(pronoun: Token) -> Token | None:
    """ "When soldiers entered the hospital, they detained 23 people": a plural subject earlier
    in the same sentence, outside any speech verb's own subject."""
    if pronoun.lower_ != "they":
        return None
    sent = pronoun.sent
    for token in reversed(list(sent.doc[sent.start : pronoun.i])):
        if (
            token.dep_ in ("nsubj", "nsubjpass")
            and token.tag_ in ("NNS", "NNPS")
            and token.head.lemma_.lower() not in REPORTING_VERBS
        ):
            return token
    return None


# Nouns that measure out a cause: "that round of fighting killed about 100 people".
_SPELL_NOUNS = frozenset({"round", "wave", "series", "spate", "string", "barrage", "volley", "day",
                          "days", "night", "nights", "week", "weeks", "bout", "outbreak",
                          "surge", "escalation"})  # fmt: skip


def _agent_text(agent: Token | None) -> str | None:
    if agent is None or agent.lower_ in PERSON_PRONOUNS or agent.pos_ == "PRON":
        return None
    if agent.lower_ in _SPELL_NOUNS:
        of = next((c for c in agent.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        cause = next((g for g in of.children if g.dep_ == "pobj"), None) if of else None
        if cause is not None:
            return f"{agent.text} of {_head_phrase(cause) or cause.text}"
    return _head_phrase(agent) or None


def _subject_elsewhere(noun: Token, link: _Link) -> str | None:
    """Who was counted, when the count itself names nobody: "37 of the dead were children",
    "Of those arrested, 97 were students" (the "be" complement), "the number of journalists
    detained rose to 27" (the toll's "of" phrase)."""
    top = noun
    while top.dep_ == "nummod" or (top.dep_ == "pobj" and top.head.lower_ == "of"):
        top = top.head.head if top.dep_ == "pobj" else top.head
    if top.dep_ == "nsubj" and top.head.lemma_.lower() == "be":
        complement = next((c for c in top.head.children if c.dep_ == "attr"), None)
        if complement is not None and complement.pos_ == "NOUN":
            return _head_phrase(complement) or None
    if link.anchor.i == noun.i and noun.lemma_.lower() in OUTCOME_NOUNS:
        for modifier in noun.lefts:
            # "had recorded 1,480 civilian deaths": civilians died
            people = PEOPLE_MODIFIERS.get(modifier.lemma_.lower())
            if people and modifier.dep_ in ("amod", "compound"):
                return people
        # "has counted 4,380 arrests of protesters": who was arrested
        for prep in noun.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                counted = next((g for g in prep.children if g.dep_ == "pobj"), None)
                if (
                    counted is not None
                    and counted.tag_ == "NNS"
                    and counted.lemma_.lower() not in OUTCOME_NOUNS
                    and not any(c.like_num for c in counted.children)
                ):
                    return _head_phrase(counted) or None
    if link.anchor.lemma_.lower() in TOLL_NOUNS:
        for prep in link.anchor.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                counted = next((g for g in prep.children if g.dep_ == "pobj"), None)
                if (
                    counted is not None
                    and counted.pos_ == "NOUN"
                    and counted.tag_ == "NNS"
                    and counted.lemma_.lower() not in OUTCOME_NOUNS
                ):
                    return _head_phrase(counted) or None
    return None


def _subject_text(noun: Token) -> str | None:
    lemma = noun.lemma_.lower()
    if lemma in REMAINS_NOUNS and not any(c.dep_ == "prep" for c in noun.children):
        return _head_phrase(noun) or None  # "recovered seven bodies": nobody else is named
    if noun.pos_ == "NUM" or lemma in OUTCOME_NOUNS.keys() | REPORT_NOUNS | TOLL_NOUNS:
        return None
    if lemma == "life":
        return None  # "claimed 12 lives": whose lives the sentence does not say
    if lemma in ("other", "others", "more"):
        return None  # "400 others under arrest": who they are is said elsewhere
    if noun.pos_ not in ("NOUN", "PROPN"):
        return None
    return _head_phrase(noun) or None


def _counted_noun(head: Token) -> Token:
    """The noun a number counts: "26 protesters", "two of its commanders", "a family of four"."""
    if head.dep_ == "conj" and head.pos_ == "NUM" and head.head.dep_ == "nummod":
        head = head.head  # "where 105 and 92 people died respectively"
    if (
        head.dep_ == "npadvmod"
        and head.head.lower_ in ("more", "other", "others", "fewer")
        and head.head.head.pos_ == "NOUN"
        and head.head.dep_ == "amod"
    ):
        return head.head.head  # "detained at least 11 more people"
    if head.dep_ in ("nummod", "quantmod") and head.head.pos_ in ("NOUN", "PROPN", "ADJ"):
        noun = head.head
        # "one Azerbaijani serviceman" with the number hung on the nationality: the noun the
        # modifier belongs to is what is counted.
        while (
            noun.dep_ in ("compound", "amod")
            and noun.head.i > noun.i
            and noun.head.pos_ in ("NOUN", "PROPN")
        ):
            noun = noun.head
        return noun
    if head.dep_ == "pobj" and head.head.lower_ == "of":
        owner = head.head.head
        if owner.lemma_.lower() in GROUP_NOUNS:
            return owner
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ == "of":
            pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
            if (
                pobj is not None
                and pobj.pos_ in ("NOUN", "PROPN")
                and pobj.lemma_.lower() not in OUTCOME_NOUNS.keys() | TOLL_NOUNS | REPORT_NOUNS
            ):
                return pobj  # "two of its field commanders"
    return head


def _covered(token: Token, numbers: set[int]) -> bool:
    """Whether the noun's phrase holds a count. "a Somali national and five foreigners" is one
    enumeration counted by its number, not a separate figure of one."""
    # A subtree is a contiguous span in spaCy's projective parses: compare its edges.
    left, right = token.left_edge.i, token.right_edge.i
    return any(left <= i <= right for i in numbers)


def _covered_before_conj(token: Token, numbers: set[int]) -> bool:
    """_covered, leaving out the conjuncts coordinated with the token."""
    right = token.i
    for child in token.rights:
        if child.dep_ in ("conj", "cc", "punct"):
            break
        right = child.right_edge.i
    return any(token.left_edge.i <= i <= right for i in numbers)


_PERSON_NOUNS = frozenset({"man", "woman", "boy", "girl", "suspect", "child", "son", "daughter",
                           "wife", "husband", "father", "mother", "brother", "sister", "victim",
                           "driver", "owner", "guard", "mayor", "cousin", "nephew", "uncle",
                           "teenager", "youth", "nurse", "cleric", "pilot"})  # fmt: skip
_AGENT_SUFFIXES = ("er", "or", "ist", "ian", "ant", "ent", "ee")


def _names_a_person(noun: Token) -> bool:
    """A rough test that a common noun names a person ("the owner", "the suspect"), not a
    thing ("the convoy", "the shipment")."""
    lemma = noun.lemma_.lower()
    return lemma in _PERSON_NOUNS or is_role_word(noun) or lemma.endswith(_AGENT_SUFFIXES)


def _half_tagged_name(token: Token) -> bool:
    """ "Imran Qureshi" with only "Qureshi" tagged as a place: the small model's slip on a
    personal name; a real place name is tagged whole ("South Sudan")."""
    span = name_span(token)
    return span is not None and len(span) > 1 and any(t.ent_type_ == "" for t in span)


def _shared_participle(noun: Token) -> _Link | None:
    """ "with 412 security personnel and 276 civilians killed": counts coordinated before one
    participle share it."""
    conjuncts = [c for c in noun.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")]
    if not conjuncts:
        return None
    last = conjuncts[-1]
    for child in last.children:
        if (
            child.dep_ == "acl"
            and child.tag_ == "VBN"
            and child.i == last.right_edge.i
            and verb_outcome(child)
            and not negated(child)
        ):
            return _Link(verb_outcome(child), child, by_agent(child), rule="participle")
    return None


def _among_them(token: Token) -> bool:
    """ "included 19 journalists, among them Marta Siljan": a named part of the count before,
    however the parser hung the name."""
    return any(
        c.dep_ == "prep"
        and c.lower_ == "among"
        and any(g.lower_ in ("them", "those") for g in c.children)
        for c in token.children
    )


def _of_remains(token: Token) -> bool:
    """ "the body of a missing shopkeeper, Fazal Wahid": the person the body was."""
    return (
        token.dep_ == "pobj"
        and token.head.lower_ == "of"
        and token.head.head.lemma_.lower() in REMAINS_NOUNS
    )


def _apposed_name(noun: Token) -> Token | None:
    """The name a description of one person stands beside: "Tomas Reyl, a student who ...",
    "a 70-year-old imam, Sheikh Abdullah Mansour" (however the parser hung the name)."""
    head = noun.head
    if noun.dep_ == "appos" and head.pos_ == "PROPN" and head.ent_type_ == "PERSON":
        return head if name_span(head) is not None else None
    doc = noun.doc
    after = noun.i + 1
    if after + 1 < len(doc) and doc[after].text == ",":
        word = doc[after + 1]
        end = word
        while end.i + 1 < len(doc) and end.dep_ == "compound" and end.head.i > end.i:
            end = end.head  # "Sheikh Abdullah Mansour": to the name's last word
        if end.pos_ == "PROPN" and end.dep_ == "appos" and end.ent_type_ == "PERSON":
            return end if name_span(end) is not None else None
    return None


# Conjunctions of a clause that is asked about or supposed, not stated: "declined to say
# whether Sanogo was in custody", "if more people were detained".
_QUESTION_MARKS = frozenset({"whether", "if", "unless"})


def _hypothetical(anchor: Token) -> bool:
    """Whether the outcome word sits in a "whether" or "if" clause."""
    current = anchor
    for _ in range(4):
        if any(c.dep_ == "mark" and c.lower_ in _QUESTION_MARKS for c in current.children):
            return True
        if current.head.i == current.i or current.pos_ in ("VERB", "AUX"):
            return False
        current = current.head
    return False


def _singular(token: Token) -> tuple[Token, str | None] | None:
    """A one-person figure: a named person, "he", or "a man". Returns the subject token."""
    if token.lower_ in PERSON_PRONOUNS:
        return token, None
    for child in token.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN" and name_span(child) is not None:
            return child, "name"
    if (
        token.pos_ == "PROPN"
        and (token.ent_type_ not in _NOT_PEOPLE_ENTS or _half_tagged_name(token))
        and name_span(token) is not None
        and not is_role_word(token)
    ):
        return token, "name"
    if token.pos_ == "NOUN" and token.tag_ == "NN":
        lemma = token.lemma_.lower()
        if lemma in GROUP_NOUNS | OUTCOME_NOUNS.keys() | TOLL_NOUNS | REPORT_NOUNS:
            return None
        if any(c.dep_ == "det" and c.lower_ in _SINGULAR_DETS for c in token.children):
            return token, "noun"
        # "police arrested the factory's owner", "detained the owner of the motorcycle": a
        # definite person taken into custody (the dead are usually counted already).
        definite = any(
            (c.dep_ == "det" and c.lower_ == "the") or c.dep_ == "poss" for c in token.children
        )
        taken = token.dep_ in ("dobj", "nsubjpass") and verb_outcome(token.head) in (
            "arrested",
            "detained",
        )
        # "Among those arrested was the editor of the opposition newspaper, Samir Haddad."
        # (Not "The boy was among three people killed": one of a count already given.)
        among = (
            token.dep_ == "nsubj"
            and token.head.lemma_.lower() == "be"
            and any(
                c.dep_ == "prep" and c.lower_ == "among" and not any(g.like_num for g in c.subtree)
                for c in token.head.children
            )
        )
        if definite and (taken or among) and token.ent_type_ == "" and _names_a_person(token):
            named = next(
                (
                    t
                    for t in token.subtree
                    if t.dep_ == "appos" and t.ent_type_ == "PERSON" and name_span(t) is not None
                ),
                None,
            )
            return (named, "name") if named is not None else (token, "noun")
        # "protester Sina Ghanbari" is parsed with the name inside; handled above.
    return None


# Long: two scans of one sentence, counted groups and then single people, the second
# skipping the tokens the first counted (`numbers`); kept whole so its output cannot move.
def find_figures(sent: Span) -> list[FigureMention]:
    figures: list[FigureMention] = []
    quantities = find_quantities(sent)
    numbers = {i for q in quantities for i in range(q.start, q.end)}
    for quantity in quantities:
        noun = _counted_noun(quantity.head)
        if noun.lemma_.lower() in ANIMAL_NOUNS or noun.lower_ in ANIMAL_NOUNS:
            continue
        link = _link(noun, sent)
        if link is None and noun.i != quantity.head.i:
            link = _link(quantity.head, sent)
        if link is None:
            link = _next_participle(noun)
        if link is None:
            link = _previous_verb(quantity)
        if link is None or _hypothetical(link.anchor):
            continue
        link = _with_named_agent(link)
        reported = noun.lemma_.lower() in REPORT_NOUNS
        subject = _subject_text(noun) if noun.i != quantity.head.i else None
        if noun.lemma_.lower() in _PEOPLE_IN_A_STATE and link.anchor.i != noun.i:
            subject = _head_phrase(noun)  # "15 detainees died": the detainees are who died
        if subject is None:
            subject = _subject_elsewhere(noun, link)
        figures.append(
            FigureMention(
                quantity.low,
                quantity.high,
                quantity.qualifier,
                link.outcome,
                subject,
                None,
                _agent_text(link.agent),
                link.anchor,
                quantity.head,
                reported,
                _is_pronoun(link.agent),
                link.rule,
            )
        )
    seen_persons: set[int] = set()
    for token in sent:
        if token.i in numbers or not (
            token.dep_ in ("dobj", "nsubjpass", "nsubj", "conj", "appos")
            or (token.dep_ == "pobj" and _of_remains(token))
            or (token.pos_ == "PROPN" and _among_them(token))
        ):
            continue
        single = _singular(token)
        if single is None:
            continue
        if _covered(token, numbers) and not (
            # "arrested opposition spokesperson Fatoumata Keita and nine members": a named
            # person is a figure of one even beside a counted group.
            single[1] == "name" and not _covered_before_conj(token, numbers)
        ):
            continue
        person, how = single
        if person.i in seen_persons:
            continue
        if (
            how == "noun"
            and token.dep_ == "nsubj"
            and any(c.dep_ == "dobj" for c in token.head.children)
        ):
            # "a similar collapse left 38 miners dead": the subject of a verb with an object
            # is what did it, not one more victim.
            continue
        if how == "noun" and token.dep_ == "appos" and _covered(token.head, numbers):
            # "had killed 20 militants, a claim that could not be verified": an apposition to
            # a counted group renames it or comments on it; it is nobody new.
            continue
        link = _link(token, sent)
        if link is None or _hypothetical(link.anchor):
            continue
        link = _with_named_agent(link)
        seen_persons.add(person.i)
        if how == "noun":
            named = _apposed_name(person)
            if named is not None:
                # "Tomas Reyl, a 22-year-old student who was detained ...", "a 70-year-old
                # imam, Sheikh Abdullah Mansour": the person has a name.
                person, how = named, "name"
                seen_persons.add(person.i)
        subject = None
        if how == "name":
            span = name_span(person)
            subject = span.text if span is not None else person.text
        elif how == "noun":
            subject = _head_phrase(person)
        figures.append(
            FigureMention(
                1,
                1,
                "exact",
                link.outcome,
                subject,
                person if how == "name" else None,
                _agent_text(link.agent),
                link.anchor,
                person,
                agent_is_pronoun=_is_pronoun(link.agent),
                rule="one-person",
            )
        )
    return figures
