"""Entry points of the extractor: parse in batches, then run every rule over the parsed Doc.

Nothing here parses twice: each text goes through `nlp.pipe` once and the rules read tokens,
the dependency parse and entities of that Doc.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Span, Token

from claims.extraction.actors import ArticleActors
from claims.extraction.attributions import Cue, Quote, find_cues, paragraph_ids, quote_regions
from claims.extraction.confidence import confidence_for
from claims.extraction.figures import FigureMention, find_figures
from claims.extraction.hedges import (
    PREVIOUS,
    SENTENCE,
    claimant,
    qualified_outcomes,
    reports_hedge,
    sentence_hedges,
    verification_scope,
    verifies_media_only,
)
from claims.extraction.lexicon import (
    CHARGE_NOUNS,
    FIGURE_NOUNS,
    GROUP_PRONOUNS,
    KIND_OF_OUTCOME,
    PERSON_PRONOUNS,
    QUOTE_CHARS,
)
from claims.extraction.mentions import GROUP, ORGANISATION
from claims.extraction.model import get_nlp
from claims.extraction.speakers import Speaker, SpeakerResolver
from claims.extraction.types import ExtractedClaim


def extract_claims(text: str) -> list[ExtractedClaim]:
    """Claims found in one article body."""
    return next(extract_claims_many([text]))


def extract_claims_many(
    texts: Iterable[str], *, batch_size: int = 16
) -> Iterator[list[ExtractedClaim]]:
    """Claims for each text, in order, parsing in batches with nlp.pipe."""
    nlp = get_nlp()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield claims_from_doc(doc)


@dataclass
class _Draft:
    """A claim being built; hedges can still be added by a later sentence."""

    kind: str
    sent: Span
    speaker: Speaker | None
    paragraph: int
    fields: dict = field(default_factory=dict)
    hedges: list[str] = field(default_factory=list)


def _sentence_bounds(sent: Span) -> tuple[int, int] | None:
    # From both ends inwards: listing every token of every sentence twice was measurable.
    doc = sent.doc
    first, last = sent.start, sent.end - 1
    while first <= last and doc[first].is_space:
        first += 1
    while last >= first and doc[last].is_space:
        last -= 1
    if first > last:
        return None
    return doc[first].idx, doc[last].idx + len(doc[last].text)


def _speaker_fields(speaker: Speaker | None) -> dict:
    if speaker is None:
        return {}
    return {
        "speaker": speaker.name,
        "speaker_text": speaker.text,
        "speaker_role": speaker.role,
        "speaker_kind": speaker.kind,
        "speaker_aliases": speaker.aliases,
    }


def _quote_text(doc: Doc, quote: Quote, sent: Span) -> str:
    start, end = max(quote.start, sent.start), min(quote.end, sent.end)
    return doc[start:end].text.strip(" ,\n\t") if end > start else ""


# Long on purpose: two passes over the sentences that share their state (cues, resolved
# speakers, quotations, hedge scopes), and the order of the steps decides the output. It is
# kept whole so that splitting it cannot change what is extracted.
def claims_from_doc(doc: Doc) -> list[ExtractedClaim]:
    paragraphs = paragraph_ids(doc)
    quotes = quote_regions(doc, paragraphs)
    quoted = [-1] * len(doc)
    for n, quote in enumerate(quotes):
        for i in range(quote.start, quote.end):
            quoted[i] = n
    actors = ArticleActors(doc)
    resolver = SpeakerResolver(actors)
    sentences = [s for s in doc.sents if _sentence_bounds(s) is not None]
    text = doc.text  # Doc.text joins every token: build it once

    # Pass 1, in reading order: cues and their speakers ("he" needs the speakers before it).
    cues_by_sentence: list[list[tuple[Cue, Speaker | None]]] = []
    last_before: list[Speaker | None] = []
    quote_speaker: dict[int, Speaker] = {}
    quote_cue_at: dict[int, int] = {}
    claimants: list[Speaker | None] = []  # whose claims a "could not be verified" doubts
    scopes = [verification_scope(sent) for sent in sentences]
    for index, sent in enumerate(sentences):
        last_before.append(resolver.last)
        doubted = claimant(sent) if scopes[index] is not None else None
        claimants.append(resolver.resolve((doubted,), sent) if doubted is not None else None)
        resolved = []
        for cue in find_cues(sent, quoted, quotes):
            speaker = resolver.resolve(cue.subjects, sent)
            if speaker is not None:
                resolver.remember(speaker, cue.marker.i)
            resolved.append((cue, speaker))
            # The quotations this sentence's cue introduces or closes.
            for n, quote in enumerate(quotes):
                if speaker is not None and quote.start <= sent.end and quote.end >= sent.start:
                    quote_speaker.setdefault(n, speaker)
                    quote_cue_at.setdefault(n, sent.start)
        cues_by_sentence.append(resolved)

    # A paragraph that is only a quotation, with no cue: the speaker before it goes on talking.
    for n, quote in enumerate(quotes):
        if n in quote_speaker or quote.words < 2:
            continue
        first = next((s for s in sentences if s.end > quote.start), None)
        if first is None:
            continue
        index = sentences.index(first)
        starts_paragraph = all(
            t.is_space or t.text in QUOTE_CHARS or t.text == "‘"
            for t in doc[first.start : quote.start]
        ) and (index == 0 or paragraphs[sentences[index - 1].start] != paragraphs[quote.start])
        # Or a quotation right after a sentence with a speaker, in the same paragraph:
        # "“We are devastated,” said Jane Morris. “Nobody has told us anything.”"
        follows = (
            index > 0
            and paragraphs[sentences[index - 1].start] == paragraphs[quote.start]
            and any(speaker is not None for _, speaker in cues_by_sentence[index - 1])
        )
        if (starts_paragraph or follows) and last_before[index] is not None:
            quote_speaker[n] = last_before[index]
            quote_cue_at[n] = first.start

    # Pass 2: claims.
    drafts: list[_Draft] = []
    since = 0  # where the figures the next "could not be verified" sentence may reach start
    for index, sent in enumerate(sentences):
        paragraph = paragraphs[sent.start]
        hedges, scoped = sentence_hedges(sent)
        sent_quotes = [
            (n, q) for n, q in enumerate(quotes) if q.start < sent.end and q.end > sent.start
        ]
        attributions: list[tuple[Cue | None, Speaker | None]] = []
        merged: dict[str | None, _Draft] = {}
        for cue, speaker in cues_by_sentence[index]:
            # What the sentence's other speakers said ("X was accused of “...” hours after a
            # memo suggested ..."): their quotations are not this speaker's.
            key = _speaker_key(speaker)
            others = [other for other, who in cues_by_sentence[index] if _speaker_key(who) != key]
            if key in merged:
                # "X said ... and said ...": one claim per speaker and sentence, quoting the
                # speaker if either cue does ("said ... and accused the police of “...”").
                if not merged[key].fields["direct"] and _direct(cue, sent_quotes, sent, others):
                    merged[key].fields["direct"] = True
                continue
            content = _content_text(doc, cue, sent_quotes, sent)
            draft = _Draft(
                "attribution",
                sent,
                speaker,
                paragraph,
                {
                    "content": content or None,
                    "direct": _direct(cue, sent_quotes, sent, others),
                    "rule": cue.rule,
                },
                _with_scoped(hedges, scoped, _cue_scope(cue)),
            )
            merged[key] = draft
            drafts.append(draft)
            attributions.append((cue, speaker))
        # Sentences inside a quotation with no cue of their own.
        if not attributions:
            for n, quote in sent_quotes:
                inside = sum(1 for t in sent if quoted[t.i] == n and t.is_alpha)
                words = sum(1 for t in sent if t.is_alpha)
                # Sentences of a quotation after its cue (or of a whole quoted paragraph): the
                # ones before the cue are left out, since the reader meets them unattributed.
                after_cue = quote_cue_at.get(n, quote.start) <= sent.start
                if n in quote_speaker and after_cue and words and inside / words > 0.5:
                    speaker = quote_speaker[n]
                    drafts.append(
                        _Draft(
                            "attribution",
                            sent,
                            speaker,
                            paragraph,
                            {
                                "content": _quote_text(doc, quote, sent),
                                "direct": True,
                                "rule": "quote",
                            },
                            [*hedges, *(marker for marker, _ in scoped)],
                        )
                    )
                    attributions.append((None, speaker))
                    break

        for figure in find_figures(sent):
            speaker = _figure_speaker(figure, cues_by_sentence[index], quoted, quote_speaker)
            subject = figure.subject
            if figure.subject_token is not None and subject:
                actor = actors.lookup(subject)
                if actor is not None and len(actor.name) > len(subject):
                    subject = actor.name
            figure_hedges = _with_scoped(hedges, scoped, _figure_scope(figure))
            reported = "reports" if figure.reported else reports_hedge(figure.count)
            if reported and reported not in figure_hedges:
                figure_hedges.append(reported)
            drafts.append(
                _Draft(
                    KIND_OF_OUTCOME[figure.outcome],
                    sent,
                    speaker,
                    paragraph,
                    {
                        "value_low": figure.value_low,
                        "value_high": figure.value_high,
                        "qualifier": figure.qualifier,
                        "outcome": figure.outcome,
                        "subject": subject,
                        "agent": _agent(figure, speaker),
                        "rule": figure.rule,
                    },
                    figure_hedges,
                )
            )

        scope = scopes[index]
        own = [draft for draft in drafts if draft.sent.start == sent.start]
        if scope == SENTENCE and own:
            # "..., a claim that could not be independently verified": the sentence's own
            # claims, and nothing the article said before.
            for draft in own:
                if sent.text.strip() not in draft.hedges:
                    draft.hedges.append(sent.text.strip())
        elif scope in (SENTENCE, PREVIOUS):
            _hedge_previous(drafts, sent, index, sentences, paragraphs, since, claimants[index])
            since = sent.start

    return _finish(text, drafts)


# Singular words for a figure: a sentence about "the toll" means the last figures given.
_TOLL_WORDS = frozenset({"figure", "toll", "number", "count", "tally", "estimate", "casualty"})


def _hedge_previous(
    drafts: list[_Draft],
    sent: Span,
    index: int,
    sentences: list[Span],
    paragraphs: list[int],
    since: int,
    doubted: Speaker | None = None,
) -> None:
    """ "The figures could not be independently verified." qualifies the claims before it in its
    paragraph. Standing as a paragraph of its own it reaches back only to the figures it
    plausibly refers to: "the figures/numbers/tolls" to every figure since the last such
    sentence (token `since`), and so does "the toll"; "the figure" to the last paragraph with
    figures,
    anything else ("the junta's claim", "There was no official confirmation") to the claims of
    the paragraph just before it. A paragraph whose earlier sentences hold no claims counts as
    standing alone."""
    marker = sent.text.strip()
    paragraph = paragraphs[sent.start]
    earlier = [d for d in drafts if since <= d.sent.start < sent.start and marker not in d.hedges]
    if doubted is not None:
        # "He did not provide evidence for the claim", "The rebels' claims could not be
        # verified": that speaker's claims only, the nearest paragraph that has any.
        theirs = [d for d in earlier if _same_speaker(d.speaker, doubted)]
        nearest = max((d.paragraph for d in theirs), default=None)
        for draft in theirs:
            if draft.paragraph == nearest and not verifies_media_only(sent):
                draft.hedges.append(marker)
        return
    targets = [d for d in earlier if d.paragraph == paragraph]
    nouns = [t for t in sent if t.lemma_.lower() in FIGURE_NOUNS]
    if nouns and not any(d.kind != "attribution" for d in targets):
        targets = []  # "the toll" with no figure before it in the paragraph: look further back
    if not targets:
        # Alone in its paragraph, or after sentences with no claims ("Satellite images showed
        # large fires at the port. AFP could not verify the toll.").
        figures = [d for d in earlier if d.kind != "attribution"]
        if any(t.tag_ == "NNS" or t.lemma_.lower() in ("toll", "tally") for t in nouns):
            # "the figures", "the toll": every figure since the last such sentence (a toll
            # sums the article's counts: "killed 58 and wounded 126 ... five paramedics").
            targets = figures
        elif any(t.lemma_.lower() in _TOLL_WORDS for t in nouns):
            # "the figure", "the number": the last figures given, however far back.
            nearest = max((d.paragraph for d in figures), default=None)
            targets = [d for d in figures if d.paragraph == nearest]
        else:
            # "Human Rights Watch was unable to verify the junta's claim.": the paragraph just
            # before, whatever it holds; figures further back are not what it speaks of.
            before = max(
                (paragraphs[s.start] for s in sentences[:index] if paragraphs[s.start] < paragraph),
                default=None,
            )
            targets = [d for d in earlier if d.paragraph == before]
    if verifies_media_only(sent):
        return  # "DW was unable to verify the footage": not the figures
    outcomes = qualified_outcomes(sent)
    for draft in targets:
        if (
            outcomes is not None
            and draft.kind != "attribution"
            and draft.fields.get("outcome") not in outcomes
        ):
            continue  # "The number of missing could not be confirmed": not the dead
        draft.hedges.append(marker)


def _speaker_key(speaker: Speaker | None) -> str | None:
    """One claim per speaker and sentence: "Philippa Stokes has said ..., and she was telling
    journalists ..." is one speaker, under either name."""
    if speaker is None:
        return None
    return (speaker.name or speaker.text).lower()


def _same_speaker(speaker: Speaker | None, doubted: Speaker) -> bool:
    if speaker is None:
        return False
    if speaker.name and doubted.name:
        return speaker.name.lower() == doubted.name.lower()
    return speaker.text.lower() == doubted.text.lower()


def _cue_scope(cue: Cue) -> tuple[int, int] | frozenset[int]:
    """Tokens a speaker's claim covers: everything the cue verb governs (its content and the
    verbs it is coordinated with), or what an "according to" phrase is attached to."""
    if cue.according:
        return cue.content
    return (cue.marker.left_edge.i, cue.marker.right_edge.i)


def _figure_scope(figure: FigureMention) -> frozenset[int]:
    tokens = {figure.count.i, figure.count.head.i}
    for word in (figure.anchor, figure.count):
        tokens.update(range(word.left_edge.i, word.right_edge.i + 1))
    return frozenset(tokens)


def _with_scoped(
    hedges: list[str],
    scoped: list[tuple[str, int]],
    scope: tuple[int, int] | frozenset[int],
) -> list[str]:
    found = list(hedges)
    for marker, word in scoped:
        inside = scope[0] <= word <= scope[1] if isinstance(scope, tuple) else word in scope
        if inside and marker not in found:
            found.append(marker)
    return found


def _content_text(doc: Doc, cue: Cue, quotes: list[tuple[int, Quote]], sent: Span) -> str:
    """What was said: the quotation when it carries the content, else the reported clause."""
    start, end = cue.content_span
    content_tokens = [t for t in doc[start:end] if t.is_alpha]
    for _, quote in quotes:
        if quote.words < 2 or quote.start <= cue.marker.i < quote.end:
            continue
        quoted = [t for t in content_tokens if quote.start <= t.i < quote.end]
        if not content_tokens or len(quoted) * 2 > len(content_tokens):
            return _quote_text(doc, quote, sent)
    return doc[start:end].text.strip(" ,\n\t")


_PREDICATE_DEPS = frozenset({"acomp", "oprd", "xcomp", "ccomp", "ROOT", "conj"})


def _direct(cue: Cue, quotes: list[tuple[int, Quote]], sent: Span, others: list[Cue]) -> bool:
    """Whether the sentence quotes the speaker: a quotation of two or more words beside the cue
    ("..., he said") or in what was said ("called the attorneys a "criminal gang"", "According
    to the memo, staff were told to "keep quiet""), or a quoted one-word predicate. Not a
    scare-quoted name ("so-called "reforms""), not the name of a charge ("on charges of
    "inciting subversion of state power""), not another speaker's quotation in the sentence."""
    for _, quote in quotes:
        inside = [t for t in sent if quote.start <= t.i < quote.end and not t.is_punct]
        if quote.words < 2 and not (len(inside) == 1 and _predicate(inside[0])):
            # A scare-quoted name ("the so-called “reforms”", "used by “terrorists”"); but a
            # quoted predicate is the speaker's word ("said she was “appalled”").
            continue
        in_content = [t for t in inside if t.i in cue.content]
        if not in_content:
            if any(_closer(other, cue, inside) for other in others):
                continue  # another speaker's quotation in the same sentence
            return True
        if not _charge_name(inside):
            return True
    return False


def _closer(other: Cue, cue: Cue, inside: list[Token]) -> bool:
    """Whether a quotation outside the cue's content is rather the other speaker's: in their
    content, or under their verb, which sits lower than this cue's (", a claim the Greens
    dismissed as "fantasy"" under "said")."""
    held = all(t.i in other.content or t.i in _under(other.marker) for t in inside)
    if not held:
        return False
    if cue.according or not all(t.i in _under(cue.marker) for t in inside):
        return True
    return len(_under(other.marker)) < len(_under(cue.marker))


def _charge_name(inside: list[Token]) -> bool:
    """ "on charges of "inciting subversion of state power"": the name of an offence."""
    first, last = inside[0].i, inside[-1].i
    # The quotation's top word: the one whose head lies outside it.
    top = next((t for t in inside if not first <= t.head.i <= last), inside[0])
    head = top.head
    return head.lower_ == "of" and head.head.lemma_.lower() in CHARGE_NOUNS


def _predicate(token: Token) -> bool:
    """A one-word quotation that is what the speaker called something: "was “appalled”",
    "rejected as “nonsense”"."""
    return token.dep_ in _PREDICATE_DEPS or (token.dep_ == "pobj" and token.head.lower_ == "as")


def _under(top: Token) -> range:
    return range(top.left_edge.i, top.right_edge.i + 1)


def _agent(figure: FigureMention, speaker: Speaker | None) -> str | None:
    """ "Kenyan police said they had arrested a suspect": "they" is the speaker."""
    stands_in = (
        figure.agent is None
        and figure.agent_is_pronoun
        and speaker is not None
        and speaker.kind in (ORGANISATION, GROUP)
        and speaker.name
    )
    return speaker.name if stands_in and speaker is not None else figure.agent


def _figure_speaker(
    figure: FigureMention,
    cues: list[tuple[Cue, Speaker | None]],
    quoted: list[int],
    quote_speaker: dict[int, Speaker],
) -> Speaker | None:
    """Whose figure it is: the cue whose content holds it (the innermost, when one speaker's
    words are misparsed inside another's), else the sentence's cue."""
    holding = [
        (len(cue.content), speaker)
        for cue, speaker in cues
        if figure.anchor.i in cue.content or figure.count.i in cue.content
    ]
    if holding:
        return min(holding, key=lambda pair: pair[0])[1]
    region = quoted[figure.count.i]
    if region >= 0 and region in quote_speaker:
        return quote_speaker[region]
    return next((speaker for _cue, speaker in cues if speaker is not None), None)


def _aliases(drafts: list[_Draft]) -> dict[str, tuple[str, ...]]:
    """Every other name an article uses for each speaker ("Tokayev", "the president"), so the
    importer can match the actor across articles. Pronouns are not names."""
    names: dict[str, list[str]] = {}
    for draft in drafts:
        speaker = draft.speaker
        if speaker is None or speaker.name is None:
            continue
        seen = names.setdefault(speaker.name, [])
        for alias in (*speaker.aliases, speaker.text):
            plain = alias.lower()
            if alias != speaker.name and plain not in PRONOUNS and alias not in seen:
                seen.append(alias)
    return {name: tuple(found) for name, found in names.items()}


PRONOUNS = PERSON_PRONOUNS | GROUP_PRONOUNS | {"i", "you", "us", "me"}


def _finish(text: str, drafts: list[_Draft]) -> list[ExtractedClaim]:
    claims: list[ExtractedClaim] = []
    seen: set[str] = set()
    aliases = _aliases(drafts)
    for draft in drafts:
        if draft.speaker is not None and draft.speaker.name in aliases:
            draft.speaker = replace(draft.speaker, aliases=aliases[draft.speaker.name])
        bounds = _sentence_bounds(draft.sent)
        assert bounds is not None
        start, end = bounds
        claim = ExtractedClaim(
            kind=draft.kind,
            sentence=text[start:end],
            start=start,
            end=end,
            hedges=tuple(draft.hedges),
            confidence=confidence_for(draft.kind, draft.fields["rule"]),
            **_speaker_fields(draft.speaker),
            **draft.fields,
        )
        # The importer keys claims on the fingerprint: two people arrested in one sentence
        # ("arrested X and Y") give one value-1 claim, the first.
        if claim.fingerprint in seen:
            continue
        seen.add(claim.fingerprint)
        claims.append(claim)
    return claims
