"""The words that differ between two sentences, for the claim page's "Seen before"."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


def _key(token: str) -> str:
    # "Friday," and "Friday" are the same word; so are "Police" and "police".
    return _EDGE_PUNCTUATION.sub("", token.lower()) or token


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """`old` turned into `new`, word by word: ("equal" | "delete" | "insert", text) runs.

    Words are split on white space and compared without case and edge punctuation; the text of
    each run is the original words. Plain text: the template escapes it.
    """
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(None, [_key(t) for t in a], [_key(t) for t in b], autojunk=False)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("equal", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            runs.append(("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("insert", " ".join(b[j1:j2])))
    return runs
