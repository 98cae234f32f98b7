"""Entry points of the extractor. (Placeholder: the extraction work replaces this body.)"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claims.extraction.types import ExtractedClaim


def extract_claims(text: str) -> list[ExtractedClaim]:
    """Claims found in one article body."""
    return next(extract_claims_many([text]))


def extract_claims_many(
    texts: Iterable[str], *, batch_size: int = 16
) -> Iterator[list[ExtractedClaim]]:
    """Claims for each text, in order, parsing in batches with nlp.pipe."""
    for _text in texts:
        yield []
