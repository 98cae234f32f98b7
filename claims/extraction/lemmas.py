"""The model's rule lemmatizer with every answer remembered, read and written as arrays.

spaCy's `lemmatizer` builds a Token for every word and caches only some of its answers. A rule
lemma depends on the word, its part of speech and its morphology alone, so here it is worked
out once per (word, POS, morphology) by spaCy's own `rule_lemmatize` and written back with
`Doc.from_array`: the same lemmas (`tests/test_extraction_speed.py` compares them), less time.
"""

from __future__ import annotations

from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

_CACHE_WORDS = 200_000  # emptied when larger: a worker process lives long


class CachedLemmatizer:
    """Sets the lemma of every token that has none, as the loaded rule lemmatizer would."""

    def __init__(self, original: Lemmatizer) -> None:
        if original.mode != "rule" or original.overwrite:
            raise ValueError("only a rule lemmatizer that keeps existing lemmas is supported")
        self.original = original
        self.strings = original.vocab.strings
        self._lemmas: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3].copy()
        changed = False
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma:  # set by the attribute rules: kept, as the original keeps it
                continue
            key = (orth, pos, morph)
            value = self._lemmas.get(key)
            if value is None:
                value = self.strings.add(self.original.rule_lemmatize(doc[i])[0])
                if len(self._lemmas) >= _CACHE_WORDS:
                    self._lemmas.clear()
                self._lemmas[key] = value
            lemmas[i] = value
            changed = True
        if changed:
            doc.from_array([LEMMA], lemmas)
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)


@Language.factory("claimdesk_lemmas")
def make_cached_lemmatizer(nlp: Language, name: str) -> CachedLemmatizer:
    """Built from the pipeline's own `lemmatizer`, which must be loaded when it is added."""
    return CachedLemmatizer(nlp.get_pipe("lemmatizer"))
