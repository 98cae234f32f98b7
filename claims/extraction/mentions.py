"""What a noun phrase names, read off the parse: people with their titles, organisations,
unnamed groups. "US Secretary of State Antony Blinken" -> name "Antony Blinken", role "US Secretary
of State"; "Feng Chongyi, associate professor of ..." -> the apposition is the role.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from claims.extraction.lexicon import (
    DOCUMENT_NOUNS,
    DOCUMENT_READERS,
    HONORIFICS,
    NAME_PARTICLES,
    ORG_NOUNS,
    RELATIVE_PRONOUNS,
    ROLE_WORDS,
    SOURCE_NOUNS,
)

PERSON = "person"
ORGANISATION = "organisation"
GROUP = "group"

_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod", "poss", "case", "npadvmod", "nummod"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those"})
_AGE_WORDS = frozenset({"-", "year", "years", "old", "-year", "-old"})


@dataclass(frozen=True, slots=True)
class Mention:
    """One noun phrase as the text puts it."""

    text: str  # the words of the phrase, without relative clauses
    head: Token
    name: str | None = None  # a proper name in it ("Antony Blinken", "Amnesty International")
    role: str | None = None  # title or apposition ("US Secretary of State", "lawyer")
    kind: str | None = None  # person | organisation | group


def _clean(text: str) -> str:
    words = text.strip(" ,;:").split()
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    if words and words[-1] in ("'s", "’s"):
        words = words[:-1]  # "by Detention Watch's count": the possessive ending
    return " ".join(words).strip(" ,;:")


def _span_text(doc: Doc, start: int, end: int) -> str:
    return doc[start:end].text if end > start else ""


def _same_entity(a: Token, b: Token) -> bool:
    if not a.ent_type_ or not b.ent_type_:
        return False
    span = a.doc[min(a.i, b.i) : max(a.i, b.i) + 1]
    return all(t.ent_type_ == a.ent_type_ for t in span) and all(
        t.ent_iob_ == "I" for t in span[1:]
    )


def is_role_word(token: Token) -> bool:
    text = token.lower_.rstrip(".")
    return text in ROLE_WORDS or token.lemma_.lower() in ROLE_WORDS or text in HONORIFICS


def name_span(head: Token) -> Span | None:
    """The proper name ending at `head`, without the title words in front of it."""
    if head.pos_ != "PROPN" or is_role_word(head):
        return None
    doc = head.doc
    start = head.i
    while start > 0:
        prev = doc[start - 1]
        if not any(ch.isalpha() for ch in prev.text) and prev.text not in ("-", "‑"):
            break  # "Col. Ahmed Khalil": the abbreviation's full stop ends the name
        if prev.pos_ == "PROPN" and not is_role_word(prev) and prev.head.i >= start - 1:
            # A token of another organisation or place ("State" in "Secretary of State Antony
            # Blinken") ends the name, unless the recogniser put the whole run in one entity.
            if (
                prev.ent_type_ in ("ORG", "GPE", "NORP")
                and not _same_entity(prev, head)
                and head.ent_type_ != ""
                and prev.ent_type_ != head.ent_type_
            ):
                break
            if prev.ent_type_ in ("GPE", "NORP") and head.ent_type_ == "PERSON":
                break
            start -= 1
        elif (
            (prev.text in ("-", "‑") and not prev.whitespace_ and start >= 2)
            or prev.lower_ in NAME_PARTICLES
        ) and doc[start - 2].pos_ == "PROPN":
            start -= 1
        else:
            break
    # "Kassym-Jomart": do not start on a hyphen.
    while start < head.i and doc[start].text in ("-", "‑"):
        start += 1
    return doc[start : head.i + 1]


def _left_modifiers_start(head: Token, before: int) -> int:
    """Where the modifiers in front of `head` start (titles, adjectives, possessors)."""
    start = before
    for child in head.lefts:
        if child.dep_ in _MODIFIER_DEPS or child.dep_ in ("prep", "punct"):
            start = min(start, child.left_edge.i)
    doc = head.doc
    # "co-ordinator", split by the tokenizer and parsed as separate words: keep the word whole,
    # with the modifiers in front of it ("the UN's humanitarian co-ordinator").
    if (
        start == head.i
        and start >= 2
        and doc[start - 1].text == "-"
        and not doc[start - 1].whitespace_
        and not doc[start - 2].whitespace_
    ):
        start -= 2
        for child in doc[start].lefts:
            if child.dep_ in _MODIFIER_DEPS:
                start = min(start, child.left_edge.i)
    # Do not swallow a number or a determiner at the very left.
    while start < before and (
        doc[start].dep_ in ("det", "predet", "quantmod", "nummod")
        or doc[start].like_num
        or doc[start].lower_ in ("more", "than", "least", "at", "about", "some", "nearly", "over")
        # "a 29-year-old mechanic": the age goes with the number
        or (doc[start].lower_ in _AGE_WORDS and start > 0 and doc[start - 1].like_num)
        or (doc[start].lower_ in _AGE_WORDS and start > 0 and doc[start - 1].lower_ in _AGE_WORDS)
    ):
        start += 1
    return start


def _phrase_end(head: Token) -> int:
    """Right edge of a phrase, keeping "of" and name-internal tokens, dropping clauses."""
    end = head.i + 1
    for child in head.rights:
        counted = any(g.like_num for g in child.children)  # "a group of six": not a name part
        if (
            child.dep_ == "prep"
            and child.lower_ in ("of", "for")
            and child.i == end
            and not counted
        ):
            end = child.right_edge.i + 1
        elif child.dep_ in ("compound", "flat") and child.i == end:
            end = child.i + 1
        else:
            break
    return end


def _entity_span(token: Token) -> Span | None:
    # Walks the IOB tags instead of scanning doc.ents, which is rebuilt on every access.
    if not token.ent_type_:
        return None
    doc = token.doc
    start = token.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = token.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return Span(doc, start, end, label=token.ent_type_)


def noun_phrase(head: Token) -> str:
    """The phrase for a subject or object head, without determiners and clauses."""
    doc = head.doc
    if head.pos_ == "PROPN":
        ent = _entity_span(head)
        if ent is not None and ent.label_ in ("ORG", "GPE", "NORP", "FAC") and len(ent) > 1:
            return _clean(ent.text)
        span = name_span(head)
        if span is not None:
            start = _left_modifiers_start(head, span.start)
            return _clean(_span_text(doc, start, max(span.end, _phrase_end(head))))
    start = _left_modifiers_start(head, head.i)
    return _clean(_span_text(doc, start, _phrase_end(head)))


def _role_text(doc: Doc, start: int, end: int) -> str | None:
    # "23-year-old student" -> "student": an age is not part of the role.
    tokens = list(doc[start:end])
    while tokens and (
        tokens[0].like_num
        or tokens[0].is_punct
        or tokens[0].lower_ in _AGE_WORDS
        or tokens[0].lower_ in _DETERMINERS
    ):
        tokens = tokens[1:]
    if not tokens:
        return None
    text = _clean(doc[tokens[0].i : end].text)
    words = text.split()
    # "his lawyer" -> "lawyer"; "Mr" is a form of address, not a role.
    while words and (
        words[0].lower() in ("his", "her", "their", "its", "our", "my")
        or words[0].lower().rstrip(".") in HONORIFICS
    ):
        words = words[1:]
    return " ".join(words).strip(" ,") or None


def _appos_role(token: Token) -> str | None:
    """ "Feng Chongyi, associate professor of Chinese studies at ..." -> the apposition."""
    for child in token.rights:
        if child.dep_ == "appos" and child.pos_ in ("NOUN", "PROPN") and not _is_name(child):
            start = child.left_edge.i
            end = child.i + 1
            for grand in child.rights:
                if grand.dep_ in ("prep", "compound", "amod"):
                    end = grand.right_edge.i + 1
            return _role_text(token.doc, start, end)
    return None


def _title_of_place_name(head: Token) -> Mention | None:
    """ "President of Kazakhstan Kassym-Jomart Tokayev", "Prime Minister of Pakistan Shehbaz
    Sharif": the parser reads the place and the name as one "of" object. A one-word place
    followed by at least two more capitalised words is split there: the place goes to the role,
    the rest is the name."""
    if not is_role_word(head):
        return None
    of = next((c for c in head.rights if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((g for g in of.children if g.dep_ == "pobj"), None) if of is not None else None
    if pobj is None or pobj.pos_ != "PROPN":
        return None
    tokens = list(head.doc[of.i + 1 : pobj.i + 1])
    words = [t for t in tokens if t.is_alpha]
    if (
        len(words) < 3
        or tokens[0] is not words[0]
        or not all(t.pos_ == "PROPN" and t.text[:1].isupper() for t in words)
        or any(is_role_word(t) or t.lower_ in ORG_NOUNS for t in words)
    ):
        return None
    doc = head.doc
    name = _clean(doc[tokens[1].i : pobj.i + 1].text)
    role = _role_text(doc, _left_modifiers_start(head, head.i), tokens[1].i)
    return Mention(name, pobj, name, role, PERSON)


def _affiliation(token: Token) -> str | None:
    """ "Hassan Nasser of the Independent Human Rights Commission" -> the organisation: a
    person's only stated role is where they work."""
    if token.ent_type_ != "PERSON":
        return None
    for child in token.rights:
        if child.dep_ == "prep" and child.lower_ in ("of", "from", "at", "with"):
            pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
            if pobj is None or pobj.ent_type_ != "ORG":
                return None
            ent = _entity_span(pobj)
            return _clean(ent.text) if ent is not None else None
    return None


def _is_name(token: Token) -> bool:
    return token.pos_ == "PROPN" and not is_role_word(token)


def _org_like(head: Token, text: str) -> bool:
    words = {w.lower().strip(".,'’s") for w in text.split()}
    if head.lemma_.lower() in ORG_NOUNS or head.lower_ in ORG_NOUNS:
        return True
    if head.pos_ == "PROPN" and words & ORG_NOUNS:
        return True
    # Acronyms: "AAPP", "NATO", "OVD-Info".
    return head.pos_ == "PROPN" and head.text.isupper() and len(head.text) > 1


def _title_before_acronym(name: Span) -> str | None:
    """ "Superintendent of Police (SP) Anil Chaturvedi": the capitalised title and its bracketed
    acronym right before a name, however the parser attached them."""
    doc = name.doc
    close = name.start - 1
    if close < 3 or doc[close].text != ")" or doc[close - 2].text != "(":
        return None
    start = close - 2
    while start > 0 and (
        doc[start - 1].text[:1].isupper() or doc[start - 1].lower_ in ("of", "for", "and")
    ):
        start -= 1
    while start < close - 2 and doc[start].lower_ in ("of", "for", "and"):
        start += 1
    if not any(is_role_word(t) for t in doc[start : close - 2]):
        return None
    return _role_text(doc, start, name.start)


def _name_after_acronym(head: Token) -> Mention | None:
    """ "District Police Officer (DPO) Nazir Khan Wazir", "Superintendent of Police (SP) Anil
    Chaturvedi": a title, its acronym in brackets, then the person's name, which the parser
    tends to cut off from the title."""
    doc = head.doc
    i = head.i + 1
    if i + 3 >= len(doc) or doc[i].text != "(" or doc[i + 2].text != ")":
        return None
    first = doc[i + 3]
    if first.ent_type_ != "PERSON" or first.ent_iob_ != "B":
        return None
    end = first.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I" and doc[end].ent_type_ == "PERSON":
        end += 1
    name = _clean(doc[first.i : end].text)
    role = _role_text(doc, _left_modifiers_start(head, head.i), i + 3)
    return Mention(name, doc[end - 1], name, role, PERSON)


# Long: an ordered chain of parse patterns in which the first that matches decides the
# mention (name, role, kind), so the order is part of the rule (the fixture sentences in
# tests/fixtures/extraction pin it).
def describe(head: Token) -> Mention:
    """Read a mention (subject of a cue verb, object of "according to") off the parse."""
    doc = head.doc
    if is_role_word(head):
        titled = _name_after_acronym(head)
        if titled is not None:
            return titled
    # "Zimbabwe Republic Police spokesperson, Senior Assistant Paul Nyathi", "Information
    # Secretary, Nick Mangwana", "A recent graduate from Islamabad, Tasneem Bari": the name is
    # in an apposition and the head is the role.
    # "The UN Resident and Humanitarian Coordinator for Sudan, Clementine Nkweta-Salami": a
    # titled phrase the recogniser took for a name, with a person's name in apposition.
    named_appos = (
        head.pos_ == "PROPN"
        and head.ent_type_ not in ("PERSON", "GPE", "LOC")
        # a title word in it: a place ("Reporting from Kabul, Ali Noor said") is no title
        and any(is_role_word(t) for t in head.doc[head.left_edge.i : head.right_edge.i + 1])
        and any(c.dep_ == "appos" and c.ent_type_ == "PERSON" and _is_name(c) for c in head.rights)
    )
    if head.pos_ == "NOUN" or (head.pos_ == "PROPN" and is_role_word(head)) or named_appos:
        appos = _appositive_name(head)
        if appos is not None:
            inner = describe(appos)
            start = _left_modifiers_start(head, head.i)
            name_start = name_span(appos)
            cut = name_start.start if name_start is not None else appos.i
            end = _phrase_end(head)
            if appos.head.i == head.i:
                # The role runs up to the apposition: "Resident and Humanitarian Coordinator
                # for Sudan", not only the first noun.
                end = appos.left_edge.i
            role = _role_text(doc, start, min(end, cut))
            if inner.role:
                role = f"{role}, {inner.role}" if role else inner.role
            return Mention(inner.text, appos, inner.name, role, inner.kind or PERSON)
        # "A State Department notice", "a tally by AFP", "a statement from the army": whoever
        # issued the document speaks.
        if head.lemma_.lower() in DOCUMENT_NOUNS | SOURCE_NOUNS or head.lower_ in SOURCE_NOUNS:
            owners = [c for c in head.lefts if c.dep_ in ("compound", "poss")]
            for prep in head.rights:
                if prep.dep_ == "prep" and prep.lower_ in ("by", "from", "of"):
                    owners += [g for g in prep.children if g.dep_ == "pobj"]
                if prep.dep_ == "acl" and prep.lemma_.lower() not in DOCUMENT_READERS:
                    # "data compiled by ACLED", "a tally kept by AFP"; not "documents seen by
                    # Continental Dispatch"
                    for agent in prep.children:
                        if agent.dep_ == "agent":
                            owners += [g for g in agent.children if g.dep_ == "pobj"]
            # "estimates by independent monitors": people who keep counts speak too
            owners = [
                o
                for o in owners
                if o.pos_ == "PROPN" or _org_like(o, o.text) or (o.tag_ == "NNS" and o.i > head.i)
            ]
            if owners:
                inner = describe(owners[-1])
                return Mention(inner.text, owners[-1], inner.name, None, ORGANISATION)
    titled = _title_of_place_name(head)
    if titled is not None:
        return titled
    if head.pos_ == "PROPN":
        span = name_span(head)
        ent = _entity_span(head)
        text = noun_phrase(head)
        if head.lower_ in ORG_NOUNS and head.lower_ != "police" and len(text.split()) > 1:
            # "Zamfara State Police Command": an organisation's name ends in an organisation
            # word, whatever title words ("Police") come before it.
            return Mention(text, head, _clean(text), None, ORGANISATION)
        if span is not None:
            start = _left_modifiers_start(head, span.start)
            # Words in front of a name are a title only with a title word in them ("Tehran
            # lawmaker"), not "the arrest Ngarivhume".
            titled = _role_has_title(doc, start, span.start)
            role = _role_text(doc, start, span.start) if titled else None
            if role is None:
                role = _title_before_acronym(span)
            appos = _appos_role(head) or _affiliation(head)
            if appos:
                role = f"{role}, {appos}" if role else appos
            name = span.text
            # A multi-word organisation keeps its whole name ("Amnesty International"). The small
            # model often calls a full personal name ORG ("Kassym-Jomart Tokayev"); without an
            # organisation word or an acronym in it, it is read as a name.
            titled = ent is not None and any(is_role_word(t) for t in ent)
            looks_like_org = ent is not None and (
                ent.label_ != "ORG"
                or (not titled and (_org_like(head, ent.text) or _words(ent) > 3))
            )
            if (
                ent is not None
                and ent.label_ in ("ORG", "GPE", "NORP", "FAC")
                and len(ent) > 1
                and looks_like_org
                and not (role and _role_has_title(doc, start, span.start))
            ):
                return Mention(text, head, _clean(ent.text), role, ORGANISATION)
            if _org_like(head, name) and not (role and _role_has_title(doc, start, span.start)):
                # "Kazakhstan's interior ministry": the possessor is part of the name.
                return Mention(text, head, _clean(text), None, ORGANISATION)
            aged = any(c.dep_ in ("appos", "amod") and c.like_num for c in head.rights)
            # A two- or three-word name the recogniser called ORG, with no organisation word.
            misread_name = (
                ent is not None
                and ent.label_ == "ORG"
                and 1 < _words(span) <= 3
                and all(t.text.istitle() for t in span if t.is_alpha)
                and not _org_like(head, ent.text)
            )
            personish = (
                aged
                or misread_name
                or (
                    head.ent_type_ == "PERSON"
                    or bool(role and _role_has_title(doc, start, span.start))
                    or bool(appos)
                )
            )
            if head.ent_type_ in ("GPE", "NORP", "LOC") and not personish:
                # "Amnesty International Kenya": the organisation's words before the place.
                return Mention(text, head, _clean(text), None, ORGANISATION)
            kind = PERSON if personish else None  # decided by the article's other mentions
            return Mention(_clean(name), head, _clean(name), role, kind)
    text = noun_phrase(head)
    kind = ORGANISATION if _org_like(head, text) else GROUP
    role = None
    if kind == GROUP and head.tag_ in ("NN", "NNP") and is_role_word(head):
        role = text  # an unnamed official: "an Iranian lawmaker"
    return Mention(text, head, None, role, kind)


def _appositive_name(head: Token) -> Token | None:
    """A proper name in apposition to `head`, or to the last noun of its prepositional tail."""
    current = head
    for _ in range(3):
        for child in current.rights:
            if child.dep_ == "appos" and _is_name(child) and not _bracketed_acronym(child):
                return child
        tail = [c for c in current.rights if c.dep_ == "prep"]
        if not tail:
            return None
        pobj = next((g for g in tail[-1].children if g.dep_ == "pobj"), None)
        if pobj is None:
            return None
        current = pobj
    return None


def _bracketed_acronym(token: Token) -> bool:
    """ "the Congolese armed forces (FARDC)": an abbreviation of the phrase, not a name."""
    doc = token.doc
    return (
        token.text.isupper()
        and token.i > 0
        and doc[token.i - 1].text == "("
        and token.i + 1 < len(doc)
        and doc[token.i + 1].text == ")"
    )


def _words(span: Span) -> int:
    return sum(1 for t in span if t.is_alpha)


def _role_has_title(doc: Doc, start: int, end: int) -> bool:
    return any(is_role_word(t) for t in doc[start:end])


def with_conjuncts(head: Token) -> list[Token]:
    """ "Witnesses and security officials" -> both heads."""
    heads = [head]
    conjuncts = [c for c in head.children if c.dep_ == "conj"]
    if conjuncts and any(
        c.dep_ == "appos" and c.i > conjuncts[-1].i and _is_name(c) for c in head.children
    ):
        # "The UN Resident and Humanitarian Coordinator, Clementine Nkweta-Salami": one person
        # with a two-part title, named after it.
        return heads
    for child in head.children:
        if child.dep_ == "conj" and child.pos_ in ("NOUN", "PROPN"):
            heads.extend(with_conjuncts(child))
    return heads


def antecedent(token: Token) -> Token:
    """The noun a relative pronoun stands for ("Reuters, which cited ...")."""
    if token.lower_ in RELATIVE_PRONOUNS and token.head.dep_ in ("relcl", "acl"):
        noun = token.head.head
        # "Gulen is an Erdogan opponent who has denied ..." -> Gulen.
        if noun.dep_ == "attr":
            subject = next((c for c in noun.head.children if c.dep_ == "nsubj"), None)
            if subject is not None:
                return subject
        return noun
    if token.lower_ in RELATIVE_PRONOUNS and token.head.dep_ == "conj":
        return antecedent_from_verb(token.head)
    if token.lower_ in ("who", "which") and token.i >= 2 and token.doc[token.i - 1].text == ",":
        # "..., that of the rebels, who said ...", with the relative clause misparsed: the
        # noun right before the comma.
        noun = token.doc[token.i - 2]
        if noun.pos_ in ("NOUN", "PROPN"):
            return noun
    return token


def antecedent_from_verb(verb: Token) -> Token:
    while verb.dep_ == "conj":
        verb = verb.head
    if verb.dep_ in ("relcl", "acl"):
        noun = verb.head
        if noun.dep_ == "attr":
            subject = next((c for c in noun.head.children if c.dep_ == "nsubj"), None)
            if subject is not None:
                return subject
        return noun
    return verb
