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
    CUE_VERBS,
    DIRECTIVE_CUES,
    DOCUMENT_NOUNS,
    HEARSAY_VERBS,
    QUOTE_CHARS,
    RELATIVE_PRONOUNS,
    TOLL_NOUNS,
    WEAK_CUES,
)
from claims.extraction.mentions import antecedent, with_conjuncts
from claims.extraction.model import is_paragraph_break

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


@dataclass(frozen=True, slots=True)
class Quote:
    start: int  # first token inside the quotation marks
    end: int  # token index of the closing mark (or the paragraph end)
    words: int


def paragraph_ids(doc: Doc) -> list[int]:
    """Paragraph number of every token; a blank line (or any newline token) starts a new one."""
    ids = []
    current = 0
    for token in doc:
        if is_paragraph_break(token):
            ids.append(current)
            current += 1
            continue
        ids.append(current)
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
        elif current.dep_ == "acomp" and current.i != verb.i:
            current = current.head  # "was quick to deny": through the adjective to its verb
        elif current.dep_ == "acl":
            noun = current.head
            # "Russian airstrikes killed six" misparsed as a reduced relative: the noun is the
            # doer. But "posted a video claiming ..." -> whoever posted it.
            active = current.tag_ != "VBN" or any(c.dep_ == "dobj" for c in current.children)
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
    return any(
        t.dep_ == "mark" and t.lower_ == "that" and t.head.dep_ in ("acl", "advcl") and t.i > verb.i
        for t in verb.subtree
    )


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
    if verb.dep_ not in _CUE_DEPS and not _quoted_as_saying(verb) and not with_saying:
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
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in ("refuse", "decline", "fail"):
        return False  # "have refused to acknowledge holding them", "declined to confirm"
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
        # past-tense verb on the sentence's root noun is its main verb.
        and not (verb.tag_ == "VBD" and verb.head.dep_ == "ROOT" and verb.head.i < verb.i)
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
        # "called for an inquiry", "called on the army to ..." - not "can call 13YARN on ..."
        return _has_clause(verb) or (
            not any(c.dep_ == "dobj" for c in verb.children)
            and any(c.dep_ == "prep" and c.lower_ in ("for", "on", "upon") for c in verb.children)
        )
    if lemma == "claim" and not _has_clause(verb):
        return False  # "claimed responsibility" is not reported speech about the facts
    if lemma in WEAK_CUES:
        return _has_clause(verb) or sentence_has_quote
    return True


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


def _contrasted(verb: Token) -> bool:
    """A rival source set against the sentence's first: "..., while local media put the figure
    at nearly 200", "..., a claim disputed by rights groups, which say at least three died"."""
    if verb.dep_ == "advcl" and any(
        c.dep_ == "mark" and c.lower_ in ("while", "whereas", "whilst") for c in verb.children
    ):
        return True
    if verb.dep_ != "relcl":
        return False
    source = verb.head  # "rights groups", the relative clause's antecedent
    disputing = source.head.head if source.dep_ == "pobj" else None  # "contradicted by"
    return (
        disputing is not None
        and source.head.dep_ == "agent"
        and disputing.lemma_.lower() in _DISPUTING_VERBS
    )


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
        if noun.dep_ in ("npadvmod", "appos") and noun.head.pos_ in ("VERB", "AUX"):
            # "X accused the police of ..., a charge the government denied": what was denied
            # is the sentence the appositive comments on, not the appositive itself.
            skip = {t.i for t in noun.subtree}
            main = noun.head
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
        elif child.dep_ == "advcl" and child.tag_ == "VBG":
            parts.append(child)  # "..., declaring they will face consequences"
    if not parts:
        doc = sent.doc
        # "said in a statement that ...", with the clause misattached: from "that" on.
        mark = next(
            (
                t
                for t in doc[verb.i + 1 : verb.right_edge.i + 1]
                if t.dep_ == "mark" and t.lower_ == "that"
            ),
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
    if verb.lemma_.lower() in DIRECTIVE_CUES and any(p.dep_ in ("prep", "dobj") for p in parts):
        # "called for an independent investigation", "accused the police of using live
        # ammunition": without the cue the content would start at "for ..." or read as if the
        # police were what was said.
        return _with_cue(verb)
    indices: set[int] = set()
    for part in parts:
        indices.update(t.i for t in part.subtree)
    start, end = min(indices), max(indices) + 1
    return frozenset(indices), (start, end)


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
        indices.update(t.i for t in child.subtree)
    # Leading particles stay with the verb ("called off" is rare; "called on" is a prep).
    start, end = min(indices), max(indices) + 1
    return frozenset(indices), (start, end)


def find_cues(sent: Span, quoted: list[int], quotes: list[Quote]) -> list[Cue]:
    """Cues of one sentence, outermost first, nested ones dropped."""
    # Quotation marks in or right around the sentence (a quote may close in the next one).
    has_quote = any(q.start - 1 <= sent.end and q.end >= sent.start for q in quotes)
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
                cues.append(Cue(token, tuple(with_conjuncts(pobj)), content, span, True))
            continue
        if not _is_cue(token, has_quote):
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
        cues.append(Cue(token, subjects, content, span))
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
        or not any(c.marker.i in o.content and c.marker.i > o.marker.i for o in cues if o is not c)
    ]
    verbs = [c for c in outer if not c.according and not _contrasted(c.marker)]
    if verbs:
        # "..., Syniehubov said, according to Reuters": the cue verb names the source; the
        # agency is only the channel it reached us through.
        outer = [c for c in outer if c in verbs or _contrasted(c.marker)]
    return outer
