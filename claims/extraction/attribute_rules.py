"""The model's attribute ruler with its one-token rules looked up by tag and word, not matched.

spaCy's `attribute_ruler` runs every one of its 179 rules (tag map, exceptions) through the
Matcher at every token: about an eighth of the pipeline's time, more than all our rules together.
Nearly all of them test one token for a tag, a lower-case form, a dependency or whitespace, so
here they are indexed by tag and by lower-case form and only the few candidates are tested.
Rules spanning several tokens (and any kind of test not handled here) still go through a
Matcher holding only them. The attributes are set by spaCy's own function, in the same order
(a later rule overrides an earlier one), so the tokens come out exactly as the original leaves
them: `tests/test_extraction_speed.py` compares the two on every test text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import product

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

# The token attributes handled here (columns of `Doc.to_array`), by the Matcher's names.
_COLUMNS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_ARRAY_ATTRS = [TAG, LOWER, DEP, IS_SPACE]
_TAG, _LOWER = _COLUMNS["TAG"], _COLUMNS["LOWER"]

# A test on one token: its column, then either ("in" | "not_in", hashes) or ("regex", pattern).
_Test = tuple[int, str, object]
_CACHE_ROWS = 200_000
# A rule's pattern: one list of tests per token, the rule's number and which token it sets.
_Rule = tuple[int, list[list[_Test]], int]


def _compile(pattern: list[dict], strings) -> list[list[_Test]] | None:
    """The pattern as tests on attribute hashes, or None if only the Matcher can run it."""
    compiled = []
    for token_spec in pattern:
        tests: list[_Test] = []
        for attr, value in token_spec.items():
            if attr not in _COLUMNS:
                return None
            column = _COLUMNS[attr]
            if not isinstance(value, dict):
                tests.append((column, "in", frozenset([_hash(value, strings)])))
            elif len(value) == 1 and ("IN" in value or "NOT_IN" in value):
                kind = "in" if "IN" in value else "not_in"
                (values,) = value.values()
                tests.append((column, kind, frozenset(_hash(v, strings) for v in values)))
            elif len(value) == 1 and "REGEX" in value:
                tests.append((column, "regex", re.compile(value["REGEX"])))
            else:
                return None
        compiled.append(tests)
    return compiled


def _hash(value: object, strings) -> int:
    # As the Matcher compares them: strings by their hash, True and False as 1 and 0.
    return strings[value] if isinstance(value, str) else int(value)


class FastAttributeRuler:
    """Applies an AttributeRuler's rules; built from the loaded one, its tokens identical."""

    def __init__(self, original: AttributeRuler) -> None:
        self.attrs = original.attrs
        self.strings = original.vocab.strings
        # Rules by the columns their first token tests for set values ("TAG is NN and LOWER
        # is 'her'"), then by those values: a token looks up only the rules it already passes
        # on those columns, and runs their other tests.
        self.tables: dict[tuple[int, ...], dict[tuple[int, ...], list[_Rule]]] = {}
        self._cache: dict[tuple[int, ...], list[_Rule]] = {}
        self.matcher = Matcher(original.vocab)
        self.matcher_indices: dict[int, int] = {}
        for number, spec in enumerate(original.patterns):
            compiled = [_compile(pattern, self.strings) for pattern in spec["patterns"]]
            if any(tokens is None for tokens in compiled):
                self.matcher.add(str(number), spec["patterns"])
                self.matcher_indices[number] = spec["index"]
                continue
            for tokens in compiled:
                self._index(number, tokens, spec["index"])

    def _index(self, number: int, tokens: list[list[_Test]], index: int) -> None:
        keyed = sorted((c, values) for c, kind, values in tokens[0] if kind == "in")
        columns = tuple(column for column, _values in keyed)
        table = self.tables.setdefault(columns, defaultdict(list))
        for key in product(*(values for _column, values in keyed)):
            table[key].append((number, tokens, index))

    def __call__(self, doc: Doc) -> Doc:
        # All matches first, then the attributes: a rule may change what another one tests
        # (the last sets TAG), and the original matches the whole doc before setting anything.
        matches = self._matches(doc)
        if self.matcher_indices:
            for match_id, start, end in self.matcher(doc, allow_missing=True):
                number = int(self.strings[match_id])
                target = doc[start:end][self.matcher_indices[number]].i
                matches.append((number, start, target))
        # Rule order decides which rule's attribute stands: the original sorts the same way.
        matches.sort()
        for number, _start, target in matches:
            set_token_attrs(doc[target], self.attrs[number])
        return doc

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        rows = [tuple(row) for row in doc.to_array(_ARRAY_ATTRS).tolist()]
        matches = []
        for start, row in enumerate(rows):
            candidates = self._cache.get(row)
            if candidates is None:
                candidates = self._first_token_rules(row)
            for number, following, index in candidates:
                end = start + 1 + len(following)
                if not following or self._passes(following, rows[start + 1 : end]):
                    matches.append((number, start, (start if index >= 0 else end) + index))
        return matches

    def _first_token_rules(self, row: tuple[int, ...]) -> list[_Rule]:
        """The rules whose first token the row passes, with their tests on the tokens after it.

        They depend on the row alone, and rows repeat (words and their tags), so they are
        remembered; the cache is emptied when it grows large, as a worker lives long.
        """
        rules = []
        for columns, table in self.tables.items():
            for number, tokens, index in table.get(tuple(row[c] for c in columns), ()):
                if self._passes(tokens[:1], [row]):
                    rules.append((number, tokens[1:], index))
        if len(self._cache) >= _CACHE_ROWS:
            self._cache.clear()
        self._cache[row] = rules
        return rules

    def _passes(self, tokens: list[list[_Test]], rows: list[tuple[int, ...]]) -> bool:
        if len(rows) < len(tokens):  # the pattern runs past the end of the doc
            return False
        for row, tests in zip(rows, tokens, strict=True):
            for column, kind, values in tests:
                value = row[column]
                if kind == "in":
                    passed = value in values
                elif kind == "not_in":
                    passed = value not in values
                else:
                    passed = values.search(self.strings[value]) is not None
                if not passed:
                    return False
        return True

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)


@Language.factory("claimdesk_attribute_rules")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    """Built from the pipeline's own `attribute_ruler`, which must be loaded when it is added."""
    return FastAttributeRuler(nlp.get_pipe("attribute_ruler"))
