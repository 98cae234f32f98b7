"""Words, shingles and MinHash signatures of claim sentences and article bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from spacy.lang.en.stop_words import STOP_WORDS

# 128 permutations: the Jaccard estimate's standard error is about 0.04, enough to tell a reprint
# (0.6 and up) from two stories on one event (under 0.3). The seed is fixed so that signatures
# stored by one worker compare with those of any other.
NUM_PERM = 128
MINHASH_SEED = 13
# 32 bands of 4 rows: two texts share a band with probability 1 - (1 - J^4)^32, about 0.99 at
# J = 0.5 and 0.03 at J = 0.1, so reprints are found and unrelated stories rarely probed.
BANDS = 32
ROWS = NUM_PERM // BANDS

_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*", re.UNICODE)
_NEGATIONS = frozenset({"not", "no", "never", "denied", "denies", "deny", "rejected", "n't"})
# Words that say how something was reported rather than what: "said" and "told" must not make two
# statements look alike.
_REPORTING = frozenset(
    {"said", "says", "say", "told", "added", "according", "stated", "statement", "reporters"}
)


# Cached: one lookup compares a claim with dozens of candidates, each text read many times.
@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """Lower-case words, with numbers written without separators ("3,800" is "3800")."""
    out = []
    for match in _WORD.finditer(text.lower()):
        word = match.group().replace("’", "'")
        if word[0].isdigit():
            word = re.sub(r"[.,](?=\d{3}\b)", "", word)
        out.append(word)
    return tuple(out)


@lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The words that carry what a sentence says: no stop words, no reporting verbs."""
    return tuple(w for w in words(text) if w not in STOP_WORDS and w not in _REPORTING)


def negations(text: str) -> frozenset[str]:
    found = set(words(text)) & _NEGATIONS
    if "n't" in text or "’t" in text:
        found.add("not")
    return frozenset(found)


def shingles(tokens: Sequence[str], size: int = 3) -> set[str]:
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def signature(items: Iterable[str]) -> np.ndarray:
    """The MinHash signature of a set of strings: NUM_PERM unsigned 32-bit values."""
    minhash = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    minhash.update_batch([item.encode("utf-8") for item in items])
    return minhash.hashvalues.astype(np.uint32)


def signature_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (a database bigint), the band number mixed in."""
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS].astype(np.uint64)
        key = band
        for value in rows.tolist():
            key = (key * 0x100000001B3 ^ value) & 0xFFFFFFFFFFFFFFFF
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)
    return keys


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
