"""Claim extraction: article text in, frozen dataclasses out. Imports nothing from Django."""

from claims.extraction.pipeline import extract_claims, extract_claims_many
from claims.extraction.types import EXTRACTOR_VERSION, ExtractedClaim

__all__ = ["EXTRACTOR_VERSION", "ExtractedClaim", "extract_claims", "extract_claims_many"]
