"""The pipeline's fast attribute ruler (claims/extraction/attribute_rules.py) leaves every token
exactly as spaCy's own `attribute_ruler` does: on every article and fixture text in the repository,
on sentences written to hit its multi-token and regular-expression rules, and on rules it cannot
index (they go through a Matcher). Speed itself is shown by `manage.py benchmark_import`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.attrs import DEP, LEMMA, MORPH, POS, TAG
from spacy.pipeline import AttributeRuler

from claims.extraction.attribute_rules import FastAttributeRuler
from claims.extraction.model import MODEL_NAME, get_nlp

REPO = Path(__file__).resolve().parent.parent
_ATTRS = [TAG, POS, MORPH, LEMMA, DEP]

pytestmark = pytest.mark.slow

# Sentences for the rules spanning two tokens ("gonna", "y'all", "there is"), the regular
# expressions ("nothin'", "ain't"), dependency tests and whitespace tokens.
_EDGE_TEXTS = [
    "Y'all ain't gonna believe it, the mayor said. There is nothin' we can do.\n\n  Let's go.",
    "C'mon, we gotta leave.  \n There were 400 others under arrest; that was what he said.",
    "Gonna",  # a two-token pattern cut off by the end of the text
]


def _texts() -> list[str]:
    paths = sorted(REPO.glob("seeds/*.txt")) + sorted(REPO.glob("tests/fixtures/**/*.txt"))
    return [path.read_text(encoding="utf-8") for path in paths] + _EDGE_TEXTS


def _parsed(texts: list[str]) -> list:
    """The texts through the pipeline up to (not including) the attribute rules."""
    nlp = get_nlp()
    with nlp.select_pipes(disable=["claimdesk_attribute_rules", "claimdesk_lemmas", "ner"]):
        return list(nlp.pipe(texts))


def _after(component, docs: list) -> list:
    return [component(doc.copy()).to_array(_ATTRS) for doc in docs]


def test_the_pipeline_runs_the_fast_ruler_in_place_of_spacys():
    names = get_nlp().pipe_names
    assert "attribute_ruler" not in names and "lemmatizer" not in names
    assert names.index("claimdesk_attribute_rules") == names.index("parser") + 1


def test_tokens_come_out_as_spacys_attribute_ruler_leaves_them():
    original = spacy.load(MODEL_NAME).get_pipe("attribute_ruler")
    fast = get_nlp().get_pipe("claimdesk_attribute_rules")
    docs = _parsed(_texts())
    assert len(docs) > 20
    expected, got = _after(original, docs), _after(fast, docs)
    for doc, want, have in zip(docs, expected, got, strict=True):
        assert (want == have).all(), doc.text[:80]
    # The texts did reach the rules of more than one token and the regular expressions.
    edge = [fast(doc.copy()) for doc in docs[-len(_EDGE_TEXTS) :]]
    lemmas = {(token.lower_, token.lemma_) for doc in edge for token in doc}
    assert {("gon", "go"), ("na", "to"), ("nothin'", "nothing")} <= lemmas


def test_rules_it_cannot_index_go_through_the_matcher_with_the_same_result():
    vocab = get_nlp().vocab
    original = AttributeRuler(vocab)
    original.add(
        [[{"LOWER": "police"}, {"IS_PUNCT": True, "OP": "*"}, {"LOWER": "said"}]],
        {"LEMMA": "X"},
        index=-1,
    )
    original.add([[{"TAG": "NNP"}]], {"LEMMA": "name"})
    original.add([[{"LENGTH": {">": 6}}]], {"POS": "X"})
    original.add([[{"LOWER": {"NOT_IN": ["the", "a"]}, "TAG": "DT"}]], {"LEMMA": "det"})
    fast = FastAttributeRuler(original)
    assert set(fast.matcher_indices) == {0, 2}
    docs = _parsed(["Police, they said, said NO to the Velmar committee.", "Police said so."])
    assert all(
        (w == h).all() for w, h in zip(_after(original, docs), _after(fast, docs), strict=True)
    )
    lemmas = [token.lemma_ for token in fast(docs[1].copy())]
    assert lemmas[1] == "X"  # index -1 of "Police said"


def test_the_whole_pipeline_tags_and_lemmatizes_as_the_stock_one():
    """Ours against the stock model given the same tokens and sentence starts (our tokenizer
    exceptions and paragraph component run in both), so only the two replaced parts differ."""
    ours = get_nlp()
    stock = spacy.load(MODEL_NAME)
    stock.tokenizer = ours.tokenizer
    stock.add_pipe("claimdesk_paragraphs", before="parser")
    assert {"attribute_ruler", "lemmatizer"} <= set(stock.pipe_names)
    assert {"claimdesk_attribute_rules", "claimdesk_lemmas"} <= set(ours.pipe_names)
    texts = _texts()
    for twice in range(2):  # the second time from the lemma cache
        for text, want, have in zip(texts, stock.pipe(texts), ours.pipe(texts), strict=True):
            assert (want.to_array(_ATTRS) == have.to_array(_ATTRS)).all(), (twice, text[:80])
