"""Reported speech: cue verbs with their speakers and content, "according to X", quotations.

A cue is a reporting verb (said, told, warned, called on ...) placed in the parse where it
reports: a main or coordinated verb, a clause complement, a participle ("..., saying ...") or a
relative clause ("a missile attack that officials said injured six"), never a noun or an
adjective ("the reported killings"). A cue inside the reported content of another cue in the same
sentence is part of that content, not a claim of its own. Words inside quotation marks are the
quoted speaker's, so cue verbs there are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from claims.extraction.lexicon import (
    CLAIM_NOUNS,
    CUE_VERBS,
    DEED_EVALUATIONS,
    DIRECTIVE_CUES,
    DOCUMENT_NOUNS,
    HEARSAY_VERBS,
    INTENTION_VERBS,
    NOT_TOPICS,
    OUTCOME_NOUNS,
    PHRASAL_EVALUATIONS,
    PUBLISHED_NOUNS,
    QUOTE_CHARS,
    RELATIVE_PRONOUNS,
    REPORTING_VERBS,
    SETTING_PARTICIPLES,
    SOURCE_NOUNS,
    SPEECH_CLASS,
    SPEECH_SETTINGS,
    TOLL_NOUNS,
    WEAK_CUES,
)
from claims.extraction.mentions import antecedent, with_conjuncts
from claims.extraction.model import is_paragraph_break, space_positions
from claims.extraction.outcomes import verb_outcome

# "Reuters was unable to confirm", "The figures are difficult to verify": not a speaker's claim.
_NO_SPEAKER_ADJECTIVES = frozenset({"unable", "impossible", "possible", "difficult", "hard", "easy",
                                    "tough"})  # fmt: skip
# Modals that put a cue in the future or make it a demand: "should disclose", "will announce".
# ("can confirm" is a statement: "Police can confirm that ...".)
_NOT_SAID_MODALS = frozenset({"should", "must", "ought", "might", "may", "will", "would", "could",
                              "shall", "'ll", "wo"})  # fmt: skip
# Cue verbs that take "to" only in the passive ("is believed to be", "are thought to have
# died"); "claimed to have captured" is an active claim.
_RAISING_CUES = HEARSAY_VERBS - {"claim"}
_CUE_DEPS = frozenset({"ROOT", "conj", "ccomp", "xcomp", "advcl", "relcl", "acl", "parataxis"})
_CONTENT_DEPS = frozenset({"ccomp", "xcomp", "dobj", "oprd", "dative", "attr"})
_CONTENT_PREPS = frozenset({"for", "on", "upon", "about", "against", "of", "over", "that"})
_CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "oprd"})
_DISPUTING_VERBS = frozenset({"contradict", "dispute", "deny", "reject", "challenge", "contest",
                              "question"})  # fmt: skip
_REPORTING_MARKS = frozenset({"as", "while", "whereas", "whilst"})
_AGENTLESS_CUES = frozenset({"blame", "accuse", "allege", "report", "say", "claim"})


@dataclass(frozen=True, slots=True)
class Cue:
    marker: Token  # the reporting verb, or "according"
    subjects: tuple[Token, ...]  # heads of the speaker phrase; empty when nobody is named
    content: frozenset[int]  # token indices of what was said
    content_span: tuple[int, int]
    according: bool = False
    # Which rule found it, for its confidence: the speech-act class of the verb ("report",
    # "manner", ...), "setting", "according", "claim-noun" or "agentless".
    rule: str = "report"


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # first token inside the quotation marks
    end: int  # token index of the closing mark (or the paragraph end)
    words: int


def paragraph_ids(doc: Doc) -> list[int]:
    """Paragraph number of every token; a blank line (or any newline token) starts a new one."""
    ids: list[int] = []
    current = 0
    for i in space_positions(doc):
        if is_paragraph_break(doc[i]):
            # Tokens up to and including the break are in the paragraph it ends.
            ids.extend([current] * (i + 1 - len(ids)))
            current += 1
    ids.extend([current] * (len(doc) - len(ids)))
    return ids


def quote_regions(doc: Doc, paragraphs: list[int]) -> list[Quote]:
    """Quotations by toggling on each double quotation mark, within a paragraph.

    Direction is ignored because real copy mixes up opening and closing marks; an opening mark
    with no closing one runs to the end of its paragraph (the convention for quotations that go
    on into the next paragraph). British-style single quotation marks count too, but only a
    ‘ opens one and only a ’ that is not an apostrophe (not followed by a letter) closes it.
    """
    regions: list[Quote] = []
    open_at: int | None = None
    single = False
    for token in doc:
        paragraph_changed = open_at is not None and paragraphs[token.i] != paragraphs[open_at]
        if paragraph_changed:
            regions.append(_quote(doc, open_at + 1, token.i))
            open_at = None
        text = token.text
        if text in QUOTE_CHARS and not single:
            if open_at is None:
                open_at = token.i
            else:
                regions.append(_quote(doc, open_at + 1, token.i))
                open_at = None
        elif text == "‘" and open_at is None:
            open_at, single = token.i, True
        elif text == "’" and single and open_at is not None:
            following = doc[token.i + 1] if token.i + 1 < len(doc) else None
            if following is None or not following.text[:1].isalpha() or token.whitespace_:
                regions.append(_quote(doc, open_at + 1, token.i))
                open_at, single = None, False
        if open_at is None:
            single = False
    if open_at is not None:
        regions.append(_quote(doc, open_at + 1, len(doc)))
    return regions


def _quote(doc: Doc, start: int, end: int) -> Quote:
    words = sum(1 for t in doc[start:end] if t.is_alpha or t.like_num)
    return Quote(start, end, words)


def is_passive(verb: Token) -> bool:
    children = list(verb.children)
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in children):
        return True
    # "soldiers accused of ..." (a reduced passive), unlike "airstrikes killed six" misparsed.
    return verb.tag_ == "VBN" and verb.dep_ == "acl" and not any(c.dep_ == "dobj" for c in children)


def subject_of(verb: Token, *, passive_agent: bool = True) -> Token | None:
    """The doer of `verb`, climbing through "continues to claim", "..., saying", "and said"."""
    current = verb
    for _ in range(8):
        # With two subjects (a misparse), the one nearest the verb: "31 migrants drowned ...,
        # the coast guard said".
        subjects = [c for c in current.children if c.dep_ == "nsubj" and c.lower_ != "there"]
        if current.i == verb.i and not subjects:
            named = _named_before_participle(verb)
            if named is not None:
                return named
        if current.i == verb.i and any(s.tag_ == "VBG" for s in subjects):
            # "Reporting from Kabul, Al Jazeera's Ali Noor said ...": the participle clause
            # was parsed as the subject and the speaker hung inside it.
            left = _phrase_before(verb)
            if left is not None:
                return left
        if subjects:
            return antecedent(min(subjects, key=lambda c: abs(c.i - current.i)))
        for child in current.children:
            if child.dep_ == "agent" and passive_agent:
                pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    return antecedent(pobj)
        if is_passive(current) and current.i == verb.i:
            return None
        if current.i == verb.i:
            gerund = _gerund_subject(verb)
            if gerund is not None:
                return gerund
        if current.i == verb.i and verb.dep_ in ("ROOT", "parataxis"):
            # "..., regional Governor Oleh Syniehubov said", "“...,” the chairperson, Roseline
            # Odede, told reporters": the parser hung the speaker on a word before it. The
            # phrase that ends right before the cue is its subject.
            left = _phrase_before(verb)
            if left is not None:
                return left
        if _quoted_as_saying(current):
            # "The minister was quoted (by state media) as saying ...", "The agency quoted the
            # minister as saying ...": whoever was quoted.
            quoted = current.head.head
            person = next((c for c in quoted.children if c.dep_ in ("nsubjpass", "dobj")), None)
            return antecedent(person) if person is not None else None
        if current.dep_ in ("xcomp", "advcl", "conj"):
            current = current.head
        elif _by_saying(current):
            current = current.head.head  # "closed by telling ...": whoever closed
        elif current.dep_ == "acomp" and current.i != verb.i:
            current = current.head  # "was quick to deny": through the adjective to its verb
        elif current.dep_ == "acl":
            noun = current.head
            # "Russian airstrikes killed six" misparsed as a reduced relative: the noun is the
            # doer. But "posted a video claiming ..." -> whoever posted it.
            active = (
                current.tag_ != "VBN"
                or any(c.dep_ == "dobj" for c in current.children)
                or _misparsed_main_verb(current)
            )
            if noun.lemma_.lower() not in DOCUMENT_NOUNS and active:
                return antecedent(noun)
            current = noun.head
            if current.i == noun.i or current.pos_ not in ("VERB", "AUX"):
                return None
        else:
            return None
    return None


def _gerund_subject(verb: Token) -> Token | None:
    """ "said that shelling killed three people": the parser may hang a bare gerund before an
    active verb with an object as a modifier ("shelling", "fighting"); it is the subject."""
    if verb.i == 0 or not any(c.dep_ == "dobj" for c in verb.children):
        return None
    before = verb.doc[verb.i - 1]
    if (
        before.head.i == verb.i
        and before.tag_ == "VBG"
        and before.dep_ in ("advmod", "npadvmod", "csubj")
        and not any(c.dep_ in ("dobj", "prep", "nsubj") for c in before.children)
    ):
        return before
    return None


def _phrase_before(verb: Token) -> Token | None:
    doc = verb.doc
    i = verb.i - 1
    while (
        i >= 0 and doc[i].is_punct and doc[i].text not in QUOTE_CHARS and not doc[i].is_sent_start
    ):
        i -= 1
    if i < 0 or doc[i].is_sent_start or doc[i].pos_ not in ("PROPN", "NOUN"):
        return None
    left = doc[i]
    if left.head.i > left.i or left.dep_ not in ("appos", "conj", "pobj", "npadvmod", "dobj"):
        return None
    # "a relative of one of the victims": the phrase's head, not the last noun in it.
    while left.dep_ == "pobj" and left.head.lower_ == "of" and left.head.head.i < left.i:
        owner = left.head.head
        if owner.pos_ not in ("NOUN", "NUM", "PRON"):
            break
        left = owner
    # "the commission's chairperson, Roseline Odede": the whole apposition speaks.
    while (
        left.dep_ == "appos"
        and left.pos_ == "PROPN"
        and left.head.i < left.i
        and left.head.pos_ == "NOUN"
    ):
        left = left.head
    return left


def _has_clause(verb: Token) -> bool:
    if any(c.dep_ in _CLAUSE_DEPS for c in verb.children):
        return True
    # "noted on page 14 of the report that 700 ...": a "that" clause the parser hung on a noun
    # after the verb (a relative "that" would be the clause's subject, not its marker).
    return any(t.i > verb.i and _complementizer(t) for t in verb.subtree)


def _complementizer(token: Token) -> bool:
    """A "that" opening a reported clause, however the parser hung it: as a marker under a
    noun ("noted on page 14 of the report that ..."), or as a relative pronoun whose clause has
    an object or subject of its own ("recounted in a column that he had faced a standoff")."""
    if token.lower_ != "that":
        return False
    if token.dep_ == "mark":
        return token.head.dep_ in ("acl", "advcl", "relcl")
    clause = token.head
    return (
        token.dep_ in ("dobj", "nsubj")
        and clause.dep_ in ("relcl", "acl")
        and any(c.dep_ == token.dep_ and c.i != token.i for c in clause.children)
    )


# Long: an ordered list of vetoes and per-verb tests, the first that applies deciding, so
# the order is part of the rule.
def _is_cue(verb: Token, sentence_has_quote: bool) -> bool:
    lemma = verb.lemma_.lower()
    if verb.pos_ not in ("VERB", "AUX") or lemma not in CUE_VERBS:
        return False
    # "..., with Kyrgyzstan saying at least nine were killed": a cue in a "with" phrase.
    with_saying = (
        verb.dep_ == "pcomp"
        and verb.head.lower_ == "with"
        and any(c.dep_ == "nsubj" for c in verb.children)
    )
    if (
        verb.dep_ not in _CUE_DEPS
        and not _quoted_as_saying(verb)
        and not with_saying
        and not _by_saying(verb)
    ):
        return False
    if any(c.dep_ == "neg" for c in verb.children):
        return False  # "did not say", "declined to comment" is not a claim
    if verb.lemma_.lower() in _RAISING_CUES and not any(c.dep_ == "ccomp" for c in verb.children):
        infinitive = any(
            c.dep_ == "xcomp" and any(g.tag_ == "TO" for g in c.children) for c in verb.children
        )
        if infinitive:
            return False  # "armed men believed to belong to the militia" (a reduced passive)
    modal_from = (verb, verb.head) if verb.dep_ == "conj" else (verb,)
    if any(c.tag_ == "MD" and c.lower_ in _NOT_SAID_MODALS for v in modal_from for c in v.children):
        return False  # "the junta should disclose ...", "will announce": nothing said yet
    if (
        verb.dep_ == "xcomp"
        and verb.head.lemma_.lower() in INTENTION_VERBS
        and any(c.tag_ == "TO" for c in verb.children)
    ):
        # "have refused to acknowledge holding them", "wants to talk about the deficit",
        # "plans to announce": nothing said yet ("continues to claim", "went on to say" are).
        return False
    if verb.dep_ == "xcomp" and _unable(verb):
        return False  # "it was not possible to confirm", "Reuters was unable to verify"
    if (
        (is_passive(verb) or (verb.dep_ == "acl" and verb.tag_ == "VBN"))
        and any(c.dep_ == "xcomp" for c in verb.children)
        and not any(c.dep_ == "agent" for c in verb.children)
    ):
        return False  # "15 people are said to have died": a hedge, nobody says it
    if (
        verb.dep_ == "acl"
        and verb.head.lemma_.lower() not in DOCUMENT_NOUNS
        and not any(c.dep_ == "agent" for c in verb.children)
        # "A security source confirmed to Crisis Group that ...", parsed as a noun phrase: a
        # past-tense verb on the sentence's root noun is its main verb (so is a participle
        # with a clause: "Its spokesman, Yusuf Darwish, posted on Telegram that ...").
        and not _misparsed_main_verb(verb)
    ):
        # "a rally calling for ...": only a document speaks for its author, or a source named
        # by "by" ("the figure, reported by the state news channel").
        return False
    if (
        verb.dep_ == "advcl"
        and verb.tag_ != "VBG"
        and not any(c.dep_ == "mark" and c.lower_ in _REPORTING_MARKS for c in verb.children)
        # "..., the rebels, who said 40 soldiers had died": a relative clause misparsed
        and not any(c.dep_ == "nsubj" and c.lower_ in ("who", "which") for c in verb.children)
        and not _reported_event(verb)
    ):
        # "after criticizing ...": a circumstance, not a report; but "..., while local media
        # put the figure at nearly 200" sets a second source against the first.
        return False
    if lemma == "plead" and any(c.lower_ in ("guilty", "innocent") for c in verb.children):
        return False  # "pleaded not guilty": a plea in court, not a statement of fact
    if lemma == "put":
        return any(c.dep_ == "dobj" and c.lemma_.lower() in TOLL_NOUNS for c in verb.children)
    if lemma == "describe":
        # "described the killings as genocide", not "described a morning of panic"
        return (
            _has_clause(verb)
            or sentence_has_quote
            or any(c.dep_ == "prep" and c.lower_ == "as" for c in verb.children)
        )
    if lemma == "call":
        # "called for an inquiry", "called on the army to ...", "has called the referendum
        # ... "a constitutional coup"" - not "can call 13YARN on ...", "called his wife"
        if any(c.dep_ == "dobj" for c in verb.children) and any(
            t.text in QUOTE_CHARS for t in verb.subtree if t.i > verb.i
        ):
            return True
        return _has_clause(verb) or (
            not any(c.dep_ == "dobj" for c in verb.children)
            and any(c.dep_ == "prep" and c.lower_ in ("for", "on", "upon") for c in verb.children)
        )
    if lemma == "claim" and not _has_clause(verb):
        return False  # "claimed responsibility" is not reported speech about the facts
    speech_class = SPEECH_CLASS.get(lemma)
    if speech_class is not None:
        return _CLASS_TESTS[speech_class](verb, sentence_has_quote)
    if lemma in WEAK_CUES:
        # "Speaking to reporters, the commissioner dismissed the criticism": in a speech
        # setting the weak verb is a report too.
        return _has_clause(verb) or sentence_has_quote or _in_speech_setting(verb)
    return True


def _has_finite_clause(verb: Token) -> bool:
    """A reported clause ("joked that ...", "recounted how ..."), not an infinitive ("shouted
    at the crowd to disperse" is an order)."""
    return any(c.dep_ == "ccomp" for c in verb.children) or (
        _has_clause(verb) and not any(c.dep_ in ("xcomp", "oprd") for c in verb.children)
    )


def _manner_cue(verb: Token, sentence_has_quote: bool) -> bool:
    """ "“...,” the governor joked", "recounted how officers dragged her": a way of speaking
    reports speech only with what was said."""
    return sentence_has_quote or _has_finite_clause(verb)


def _evaluation_cue(verb: Token, sentence_has_quote: bool) -> bool:
    """ "blasted the budget", "thanked the troops", "boasted that ...", "hit out at": a judgement
    aimed at something. Verbs that are as often deeds ("defended the town") need words: a
    clause, a quotation or a speech setting."""
    lemma = verb.lemma_.lower()
    particles = PHRASAL_EVALUATIONS.get(lemma)
    if particles is not None and not any(
        c.dep_ == "prt" and c.lower_ in particles for c in verb.children
    ):
        return False  # "shelling hit the town", not "hit out at the government"
    if _has_clause(verb) or _in_speech_setting(verb):
        return True
    if lemma in DEED_EVALUATIONS:
        # A quotation of its own: "defended the arrests as “necessary”".
        return any(t.text in QUOTE_CHARS for t in verb.subtree)
    return sentence_has_quote or any(c.dep_ in ("dobj", "prep", "prt") for c in verb.children)


def _topic_cue(verb: Token, sentence_has_quote: bool) -> bool:
    """ "spoke about the need for ...", "talked of betrayal", "discussed the proposal",
    "referred to the protesters as ...". Not "spoke on condition of anonymity" or "spoke to
    reporters" alone, and "Speaking to reporters, ..." is a setting for the verb it hangs on."""
    if verb.dep_ == "advcl" and verb.tag_ in ("VBG", "VBN"):
        return False
    lemma = verb.lemma_.lower()
    if _has_finite_clause(verb):
        return True
    if sentence_has_quote and verb.dep_ in ("ROOT", "conj", "parataxis"):
        return True
    preps = {
        c.lower_
        for c in verb.children
        if c.dep_ == "prep"
        and not any(g.lemma_.lower() in NOT_TOPICS for g in c.children if g.dep_ == "pobj")
    }
    if lemma in ("speak", "talk"):
        return bool(preps & {"about", "of", "on", "against"}) or any(
            c.dep_ == "prt" and c.lower_ == "out" for c in verb.children
        )
    if lemma == "refer":
        return "to" in preps
    if lemma == "elaborate":
        return "on" in preps
    return any(c.dep_ == "dobj" for c in verb.children)  # "discussed", "mentioned"


# Participles that give a document's content: "figures showing ...", "a statement saying ...".
_SHOWING = frozenset({"show", "say", "suggest", "indicate", "find", "reveal", "confirm", "put"})


def _writing_cue(verb: Token, sentence_has_quote: bool) -> bool:
    """ "emailed staff that ...", "texted: “...”"; a publishing verb with what it put out:
    "issued a statement", "released figures" (not "released the detainees")."""
    if verb.lemma_.lower() in ("release", "issue", "circulate", "pen", "publish"):
        # What the document says must be there too: "issued a statement condemning ...",
        # "released figures showing ..." (not "The memo was released by her office").
        published = [
            c for c in verb.children if c.dep_ == "dobj" and c.lemma_.lower() in PUBLISHED_NOUNS
        ]
        return any(
            g.dep_ in ("acl", "relcl", "ccomp")
            or (g.dep_ == "prep" and g.lower_ in ("on", "about", "into"))
            for c in published
            for g in c.children
        ) or bool(
            published
            and (
                sentence_has_quote
                # "published figures on Friday showing ...", the participle hung further on
                or any(t.tag_ == "VBG" and t.lemma_.lower() in _SHOWING for t in verb.subtree)
            )
        )
    return _has_clause(verb) or sentence_has_quote


def _tally_cue(verb: Token, sentence_has_quote: bool) -> bool:
    """ "has counted 4,380 arrests of protesters", "keeps a tally of 2,315 arrests", "documents
    the deaths of 11 people", "recorded a further 97": a count kept by whoever keeps it (not
    "counted the votes", "recorded an album")."""
    if _has_finite_clause(verb):
        return True  # "documented that ..."
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    if verb.lemma_.lower() == "keep":
        return any(o.lemma_.lower() in TOLL_NOUNS | SOURCE_NOUNS for o in objects)
    return any(t.like_num or t.lemma_.lower() in OUTCOME_NOUNS for o in objects for t in o.subtree)


_CLASS_TESTS = {
    "tally": _tally_cue,
    "manner": _manner_cue,
    "evaluation": _evaluation_cue,
    "topic": _topic_cue,
    "writing": _writing_cue,
}


def _in_speech_setting(verb: Token) -> bool:
    """Whether the verb is set in speech: "in an interview with CNN", "at a news conference",
    "in a statement", or a participle before it ("Speaking to reporters, ...", "Asked about the
    arrests, ...")."""
    for child in verb.children:
        setting = child.dep_ == "prep" and child.lower_ in ("in", "at", "during", "on")
        if setting and any(
            g.dep_ == "pobj" and g.lemma_.lower() in SPEECH_SETTINGS for g in child.children
        ):
            return True
        if (
            child.dep_ == "advcl"
            and child.i < verb.i
            and child.tag_ in ("VBG", "VBN")
            and child.lemma_.lower() in SETTING_PARTICIPLES
        ):
            return True
    return False


# Verbs a speech setting does not turn into a report: "In a statement, the group was ...".
_NOT_SETTING_VERBS = frozenset({"be", "have", "do", "get", "go", "come", "become", "seem"})


def _setting_cue(verb: Token) -> bool:
    """A verb that is no speech verb, set in speech: "In an interview with CNN, the senator
    defended the arrests", "Speaking to the BBC, the minister dismissed ..."."""
    if verb.pos_ != "VERB" or verb.dep_ not in ("ROOT", "conj"):
        return False
    lemma = verb.lemma_.lower()
    if lemma in CUE_VERBS | _NOT_SETTING_VERBS | INTENTION_VERBS or verb_outcome(verb):
        return False  # "Asked about the memo, Lyle declined to say": nothing said
    if is_passive(verb) or any(c.dep_ == "neg" for c in verb.children):
        return False
    if any(c.tag_ == "MD" and c.lower_ in _NOT_SAID_MODALS for c in verb.children):
        return False
    if not any(c.dep_ in ("dobj", "ccomp", "prep", "xcomp") for c in verb.children):
        return False
    if verb.dep_ == "conj" and not _in_speech_setting(verb):
        return verb.head.pos_ == "VERB" and _in_speech_setting(verb.head)
    return _in_speech_setting(verb)


# Conjunctions of a clause that has not happened: "if the minister says ...", "unless ...".
_HYPOTHETICAL_MARKS = frozenset({"if", "unless", "until", "whether", "once", "lest"})


def _reported_event(verb: Token) -> bool:
    """ "... stalled after Minority Leader Dale Hutchens blasted the provision", "hours after a
    leaked memo suggested ...": a finite clause with a subject of its own tells of something
    said, unlike "after criticizing ..." or "if the minister says ..."."""
    return any(
        c.dep_ == "nsubj" and c.pos_ in ("PROPN", "NOUN") for c in verb.children
    ) and not any(c.dep_ == "mark" and c.lower_ in _HYPOTHETICAL_MARKS for c in verb.children)


def _misparsed_main_verb(verb: Token) -> bool:
    """A verb hung as a reduced relative on the sentence's root noun, which is really the main
    verb: "A security source confirmed to Crisis Group that ...", "Its spokesman, Yusuf
    Darwish, posted on Telegram that ..."."""
    return (
        verb.dep_ == "acl"
        and verb.head.dep_ == "ROOT"
        and verb.head.i < verb.i
        and (verb.tag_ == "VBD" or (verb.tag_ == "VBN" and _has_clause(verb)))
    )


def _unable(cue: Token) -> bool:
    """ "was unable to confirm", "was not possible to say", "it is important to note": a "be" +
    adjective that says the act after it did not or could not happen, or one with an empty "it".
    The parser hangs the act on the "be" or on the adjective."""
    be = cue.head.head if cue.head.dep_ == "acomp" else cue.head
    if be.lemma_.lower() not in ("be", "become", "seem", "remain", "prove", "appear"):
        return False
    adjective = next((c for c in be.children if c.dep_ == "acomp"), None)
    if adjective is None:
        return False
    return (
        # "unable to say"; "difficult to confirm" says nothing of who might confirm it
        adjective.lower_ in _NO_SPEAKER_ADJECTIVES
        or any(c.dep_ == "neg" for c in be.children)
        or any(c.dep_ == "nsubj" and c.lower_ == "it" for c in be.children)
    )


def _by_saying(verb: Token) -> bool:
    """ "Reid closed by telling the prime minister ...", "responded by saying ..."."""
    return verb.dep_ == "pcomp" and verb.tag_ == "VBG" and verb.head.lower_ == "by"


def _quoted_as_saying(verb: Token) -> bool:
    """ "was quoted (by state media) as saying ...", "was cited as saying ..."."""
    return (
        verb.dep_ == "pcomp"
        and verb.head.lower_ == "as"
        and verb.head.head.lemma_.lower() in ("quote", "cite")
    )


def _named_before_participle(verb: Token) -> Token | None:
    """ "... and Tajikistan saying four died": a name right before a speech participle that has
    no subject of its own is its subject (the parser may coordinate it with something else)."""
    if verb.tag_ != "VBG" or verb.i == 0:
        return None
    before = verb.doc[verb.i - 1]
    if before.pos_ == "PROPN" and before.dep_ in ("conj", "nsubj", "appos") and before.i != verb.i:
        return before
    return None


def _second_speaker(verb: Token) -> bool:
    """ "with Kyrgyzstan saying nine were killed and Tajikistan saying four died": a coordinated
    cue with a named subject of its own is a second source, however the parser hung it."""
    named_subject = any(c.dep_ == "nsubj" and c.pos_ == "PROPN" for c in verb.children)
    if verb.dep_ == "conj" and verb.head.lemma_.lower() not in CUE_VERBS and named_subject:
        return True
    before = _named_before_participle(verb)
    return before is not None and before.dep_ == "conj" and not named_subject


# Nouns that restate a figure in an aside a second source comments on.
_RESTATED_FIGURES = frozenset({"figure", "number", "toll", "estimate", "count", "tally"})


def _contrasted(verb: Token) -> bool:
    """A rival source set against the sentence's first: "..., while local media put the figure
    at nearly 200", "..., a claim disputed by rights groups, which say at least three died"."""
    if verb.dep_ == "advcl" and any(
        c.dep_ == "mark" and c.lower_ in ("while", "whereas", "whilst") for c in verb.children
    ):
        return True
    if verb.dep_ != "relcl":
        return False
    lemma = verb.lemma_.lower()
    if (
        (
            lemma in _DISPUTING_VERBS
            # "..., a figure the office said it was not in a position to verify"
            or (lemma in REPORTING_VERBS and verb.head.lemma_.lower() in _RESTATED_FIGURES)
        )
        and verb.head.lemma_.lower() in CLAIM_NOUNS | _RESTATED_FIGURES
        and verb.head.dep_ in ("appos", "npadvmod")
        and any(c.dep_ == "nsubj" and c.lower_ not in RELATIVE_PRONOUNS for c in verb.children)
    ):
        return True  # "..., a claim the Green Party rejected as "nonsense""
    source = verb.head  # "rights groups", the relative clause's antecedent
    disputing = source.head.head if source.dep_ == "pobj" else None  # "contradicted by"
    return (
        disputing is not None
        and source.head.dep_ == "agent"
        and disputing.lemma_.lower() in _DISPUTING_VERBS
    )


# Long: an ordered fallback from the clearest parse (a reported clause) to the weakest
# (the sentence minus speaker and cue); the first that finds words wins.
def _content(verb: Token, sent: Span) -> tuple[frozenset[int], tuple[int, int]]:
    clauses = [c for c in verb.children if c.dep_ in ("ccomp", "xcomp")]
    if (
        clauses
        and all(c.dep_ == "xcomp" for c in clauses)
        and verb.lemma_.lower() in DIRECTIVE_CUES
    ):
        # "calls on the authorities to release ...", "urged Western allies to send ...": whom
        # the speaker called on is part of what was said, and so is the cue itself.
        return _with_cue(verb)
    if clauses:
        # "told the Associated Press that ...": the addressee is not part of what was said.
        indices = {t.i for clause in clauses for t in clause.subtree}
        return frozenset(indices), (min(indices), max(indices) + 1)
    if verb.dep_ == "relcl" and not any(c.dep_ in _CONTENT_DEPS for c in verb.children):
        noun = verb.head
        main = noun.head
        if noun.lemma_.lower() in CLAIM_NOUNS:
            # "said the army had shelled the town, a charge the rebels denied": the clause of
            # the noun the appositive hangs on.
            while main.pos_ not in ("VERB", "AUX") and main.head.i != main.i:
                main = main.head
        if noun.dep_ in ("npadvmod", "appos") and main.pos_ in ("VERB", "AUX"):
            # "X accused the police of ..., a charge the government denied": what was denied
            # is the sentence the appositive comments on, not the appositive itself.
            skip = {t.i for t in noun.subtree}
            rest = [
                t.i
                for t in main.subtree
                if t.i not in skip and not (t.is_punct and t.i in (main.right_edge.i, noun.i - 1))
            ]
            return frozenset(rest), (min(rest), max(rest) + 1)
    parts: list[Token] = []
    for child in verb.children:
        if child.dep_ == "dobj" and child.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
            # "the allegations, which it has denied": what was denied is the antecedent.
            noun = verb.head
            indices = frozenset(range(noun.left_edge.i, noun.i + 1))
            return indices, (noun.left_edge.i, noun.i + 1)
        if child.dep_ in _CONTENT_DEPS or (child.dep_ == "prep" and child.lower_ in _CONTENT_PREPS):
            parts.append(child)
        elif child.dep_ == "prt" and verb.lemma_.lower() in PHRASAL_EVALUATIONS:
            parts.append(child)  # "hit out at the decision"
        elif child.dep_ == "advcl" and child.tag_ == "VBG":
            parts.append(child)  # "..., declaring they will face consequences"
    if not parts:
        doc = sent.doc
        # "said in a statement that ...", with the clause misattached: from "that" on.
        mark = next(
            (t for t in doc[verb.i + 1 : verb.right_edge.i + 1] if _complementizer(t)),
            None,
        )
        if mark is not None:
            rest = [i for i in range(mark.i, verb.right_edge.i + 1) if not doc[i].is_punct]
            return frozenset(rest), (min(rest), max(rest) + 1)
        # "Gunmen abducted 15 passengers, police said, ...": the cue is an aside, and what was
        # said is the clause it hangs on (or, for a bare root cue, the rest of the sentence).
        own = set(range(verb.left_edge.i, verb.right_edge.i + 1))
        if verb.dep_ in ("parataxis", "advcl", "ccomp") and verb.head.i != verb.i:
            head = verb.head
            around = range(head.left_edge.i, head.right_edge.i + 1)
        else:
            around = range(sent.start, sent.end)
        rest = [i for i in around if i not in own and not sent.doc[i].is_punct]
        if not rest:
            # Everything hangs on the cue (a misparse): the sentence minus speaker and cue.
            speaker = subject_of(verb)
            skip = range(speaker.left_edge.i, speaker.right_edge.i + 1) if speaker else ()
            rest = [
                i
                for i in range(sent.start, sent.end)
                if i != verb.i and i not in skip and not doc[i].is_punct and not doc[i].is_space
            ]
        if not rest:
            return frozenset(), (verb.i, verb.i)
        return frozenset(rest), (min(rest), max(rest) + 1)
    if _acts_on_object(verb) and any(p.dep_ in ("prep", "dobj", "prt") for p in parts):
        # "called for an independent investigation", "accused the police of using live
        # ammunition": without the cue the content would start at "for ..." or read as if the
        # police were what was said.
        return _with_cue(verb)
    indices: set[int] = set()
    for part in parts:
        indices.update(t.i for t in part.subtree)
    start, end = min(indices), max(indices) + 1
    return frozenset(indices), (start, end)


def _acts_on_object(verb: Token) -> bool:
    """Cues whose object is what they act on, not what was said: "called for an inquiry",
    "blasted the budget", "spoke about the need for ...", "defended the arrests"."""
    lemma = verb.lemma_.lower()
    return (
        lemma in DIRECTIVE_CUES
        or SPEECH_CLASS.get(lemma) in ("evaluation", "topic")
        or lemma not in CUE_VERBS
    )


# Right-hand dependents of a cue that are not part of what was said: another clause
# ("..., a charge the government denied"), coordinated verbs, asides.
_NOT_CONTENT = frozenset(
    {"punct", "npadvmod", "conj", "cc", "parataxis", "appos", "relcl", "nsubj", "nsubjpass"}
)


def _with_cue(verb: Token) -> tuple[frozenset[int], tuple[int, int]]:
    """The cue verb and what it governs to its right: "urged anyone with information to
    contact detectives"."""
    indices = {verb.i}
    for child in verb.rights:
        if child.dep_ in _NOT_CONTENT or (child.dep_ == "advcl" and child.tag_ != "VBG"):
            continue
        if child.dep_ == "prep" and any(
            g.lemma_.lower() in SPEECH_SETTINGS for g in child.children if g.dep_ == "pobj"
        ):
            continue  # "... in an interview with CNN": where it was said, not what
        indices.update(t.i for t in child.subtree)
    # Leading particles stay with the verb ("called off" is rare; "called on" is a prep).
    start, end = min(indices), max(indices) + 1
    return frozenset(indices), (start, end)


def _nominal_cue(noun: Token, sent: Span) -> Cue | None:
    """A source named by a noun phrase: "by Detention Watch's count" (like "according to"), and
    "Its claim that the officers were attacked could not be verified" (the owner's claim, its
    content the "that" clause)."""
    if noun.pos_ != "NOUN":
        return None
    lemma = noun.lemma_.lower()
    owner = next((c for c in noun.children if c.dep_ == "poss"), None)
    if owner is None:
        return None
    if lemma in SOURCE_NOUNS and noun.dep_ == "pobj" and noun.head.lower_ == "by":
        # "..., by Detention Watch's count": the rest of the sentence is the owner's.
        skip = {t.i for t in noun.head.subtree}
        content = frozenset(t.i for t in sent if t.i not in skip and not t.is_punct)
        if not content:
            return None
        return Cue(noun, (owner,), content, (min(content), max(content) + 1), True, "according")
    if lemma in CLAIM_NOUNS and noun.dep_ in ("nsubj", "nsubjpass", "dobj"):
        clause = next(
            (
                c
                for c in noun.children
                if c.dep_ in ("acl", "ccomp", "relcl")
                and any(g.lower_ == "that" and g.dep_ == "mark" for g in c.children)
            ),
            None,
        )
        if clause is None:
            return None
        content = frozenset(t.i for t in clause.subtree if not t.is_punct)
        return Cue(noun, (owner,), content, (min(content), max(content) + 1), rule="claim-noun")
    return None


def _reporting_cue_around(cue: Cue, cues: list[Cue]) -> bool:
    return any(
        cue.marker.i in other.content and other.marker.lemma_.lower() in REPORTING_VERBS
        for other in cues
        if other is not cue
    )


def find_cues(sent: Span, quoted: list[int], quotes: list[Quote]) -> list[Cue]:
    """Cues of one sentence, outermost first, nested ones dropped."""
    # Quotation marks in or right around the sentence (a quote may close in the next one).
    # ('“Get out!” the chairman shouted.' is split after the closing mark: it still counts.)
    has_quote = any(q.start - 1 <= sent.end and q.end >= sent.start - 1 for q in quotes)
    cues: list[Cue] = []
    for token in sent:
        if quoted[token.i] >= 0:
            continue
        if token.lower_ == "according" and token.i + 1 < sent.end:
            to = token.doc[token.i + 1]
            pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
            if to.lower_ == "to" and pobj is not None:
                skip = {t.i for t in token.subtree} | {t.i for t in to.subtree}
                # "..., according to AFP, while local media put the figure at nearly 200": the
                # rival source's clause is not AFP's.
                skip |= {t.i for v in sent if _contrasted(v) for t in v.subtree}
                content = frozenset(t.i for t in sent if t.i not in skip and not t.is_punct)
                span = (min(content), max(content) + 1) if content else (token.i, token.i)
                cues.append(
                    Cue(token, tuple(with_conjuncts(pobj)), content, span, True, "according")
                )
            continue
        nominal = _nominal_cue(token, sent)
        if nominal is not None:
            cues.append(nominal)
            continue
        if _is_cue(token, has_quote):
            rule = SPEECH_CLASS.get(token.lemma_.lower(), "report")
        elif _setting_cue(token):
            rule = "setting"
        else:
            continue
        subject = subject_of(token)
        if subject is None and not is_passive(token):
            continue
        # An accusation or report with nobody named ("X has been blamed for 1,400 deaths") is
        # still a claim; "an operation was announced" or "soldiers accused of ..." is not.
        if subject is None and (
            token.dep_ not in ("ROOT", "conj") or token.lemma_.lower() not in _AGENTLESS_CUES
        ):
            continue
        content, span = _content(token, sent)
        subjects = tuple(with_conjuncts(subject)) if subject is not None else ()
        cues.append(Cue(token, subjects, content, span, rule=rule if subjects else "agentless"))
    # A cue inside another cue's content belongs to that content, and "according to Reuters,
    # which cited an official" is one source, not two.
    according_phrases = {t.i for c in cues if c.according for t in c.marker.subtree}
    cues = [c for c in cues if c.according or c.marker.i not in according_phrases]
    # Only a cue *after* the outer cue is nested: in "Hamas said 33 died; the army said ..." a
    # misparse can hang the first cue under the second.
    # "..., while local media put the figure at nearly 200" is a rival source, never nested.
    outer = [
        c
        for c in cues
        if _contrasted(c.marker)
        or _second_speaker(c.marker)
        # "... hours after a leaked memo suggested ...": an event of its own, told in passing
        or (c.marker.dep_ == "advcl" and _reported_event(c.marker))
        # "She spoke about her son ..., according to a spokesperson": the source of the
        # report of a speech act, not part of what was said
        or (c.according and not _reporting_cue_around(c, cues))
        or not any(c.marker.i in o.content and c.marker.i > o.marker.i for o in cues if o is not c)
    ]
    verbs = [c for c in outer if not c.according and not _contrasted(c.marker)]
    if any(c.marker.lemma_.lower() in REPORTING_VERBS for c in verbs):
        # "..., Syniehubov said, according to Reuters": the cue verb names the source; the
        # agency is only the channel it reached us through. But "She spoke about her son ...,
        # according to a spokesperson" reports a speech act: the spokesperson is a source too.
        outer = [c for c in outer if c in verbs or _contrasted(c.marker)]
    return outer
