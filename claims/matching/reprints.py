"""Is this article a reprint of that one? The same wire story under another headline, a paragraph
cut or a line added, decided from MinHash signatures of the bodies' word 3-shingles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claims.matching.text import estimated_jaccard, shingles, signature, words

# Stories about one event by two outlets share names and numbers but few runs of three words:
# measured on the matching benchmark, such pairs stay under 0.25 while reprints start near 0.5.
REPRINT_JACCARD = 0.45
# A cut reprint is mostly inside the original even when the Jaccard of the two is lower.
REPRINT_CONTAINMENT = 0.8
# Under this many shingles (a two-sentence brief) overlap says little about being one story.
MIN_SHINGLES = 40


@dataclass(frozen=True)
class BodyPrint:
    """What is kept of an article body to find its reprints."""

    signature: np.ndarray
    size: int  # the number of distinct shingles


def body_print(body: str) -> BodyPrint:
    grams = shingles(words(body), 3)
    return BodyPrint(signature(grams), len(grams))


def reprint_score(new: BodyPrint, old: BodyPrint) -> float:
    """How much of one body the other carries: max(Jaccard, containment of the smaller), 0-1."""
    if min(new.size, old.size) < MIN_SHINGLES:
        return 0.0
    j = estimated_jaccard(new.signature, old.signature)
    # |A ∩ B| = J (|A| + |B|) / (1 + J); divided by the smaller set, that is its containment.
    containment = j * (new.size + old.size) / (1 + j) / min(new.size, old.size)
    return max(j, min(containment, 1.0)) if j >= 0.2 else j


def is_reprint(new: BodyPrint, old: BodyPrint) -> bool:
    if min(new.size, old.size) < MIN_SHINGLES:
        return False
    j = estimated_jaccard(new.signature, old.signature)
    return j >= REPRINT_JACCARD or (j >= 0.2 and reprint_score(new, old) >= REPRINT_CONTAINMENT)
