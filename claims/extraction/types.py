"""The extraction module's output: plain frozen dataclasses, no ORM."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

# Bump when extraction output changes, so stored claims record which rules produced them.
EXTRACTOR_VERSION = "1.2.1"  # 1.2.1: "more than a hundred" keeps its qualifier

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ExtractedClaim:
    kind: str  # "casualty" | "arrest" | "attribution"
    sentence: str
    start: int  # character offsets of the sentence in the text
    end: int
    value_low: int | None = None
    value_high: int | None = None  # None with a value_low = open-ended ("more than 3,800")
    qualifier: str | None = None  # exact, more_than, at_least, about, up_to, fewer_than, range
    outcome: str | None = None  # killed, injured, missing, arrested, detained
    subject: str | None = None
    agent: str | None = None
    speaker: str | None = None  # resolved, full name ("Kassym-Jomart Tokayev")
    speaker_text: str | None = None  # the words of the text ("he", "the president")
    speaker_role: str | None = None
    speaker_kind: str | None = None  # person | organisation | group
    speaker_aliases: tuple[str, ...] = field(default=())
    content: str | None = None
    direct: bool | None = None
    hedges: tuple[str, ...] = field(default=())
    # The rule that found the claim ("report", "manner", "verb-object", "toll", ...) and how
    # often that rule was right on annotated articles (confidence.py); neither is part of the
    # fingerprint.
    rule: str = ""
    confidence: float | None = None

    @property
    def fingerprint(self) -> str:
        """Stable identity of the claim within its article.

        Built from what the text says (kind, sentence, figure, the speaker's words), not from
        resolved fields, so an improved extractor keeps matching the claims editors reviewed.
        """
        sentence = _SPACE.sub(" ", self.sentence).strip().lower()
        parts = [
            self.kind,
            sentence,
            "" if self.value_low is None else str(self.value_low),
            "" if self.value_high is None else str(self.value_high),
            (self.speaker_text or "").strip().lower(),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def as_json(self, *, doc: str) -> dict[str, Any]:
        """One line of `extract_claims --format jsonl` (the format score.py reads)."""
        return {
            "doc": doc,
            "kind": self.kind,
            "sentence": self.sentence,
            "value_low": self.value_low,
            "value_high": self.value_high,
            "qualifier": self.qualifier,
            "outcome": self.outcome,
            "subject": self.subject,
            "agent": self.agent,
            "speaker": self.speaker,
            "speaker_role": self.speaker_role,
            "direct": self.direct,
            "hedges": list(self.hedges),
            "start": self.start,
            "end": self.end,
            "content": self.content,
            "rule": self.rule,
            "confidence": self.confidence,
        }
