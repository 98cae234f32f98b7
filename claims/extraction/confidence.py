"""How far to trust a claim: the share of its rule's claims that were right on annotated articles.

Every claim carries the name of the rule that found it (`ExtractedClaim.rule`): for an
attribution the class of its speech verb ("report", "manner", "evaluation", "topic", "writing",
"tally"), a speech setting ("setting"), "according", a claim noun ("claim-noun"), a quotation
continued from an earlier cue ("quote") or a cue with nobody named ("agentless"); for a figure how
the count was tied to its outcome ("verb-object", "verb-passive", "outcome-noun", "toll", "part",
"state", "custody", "one-person", ...). `RULE_CONFIDENCE` is the share of each rule's claims
that matched the hand-annotated gold (kind, sentence, value and speaker), pulled toward the share
of its kind by `PRIOR_WEIGHT` claims when a rule is rare; `python -m claims.extraction.calibrate`
prints it from gold files and the extractor's output. Rules it has never seen get their kind's
share ("*").

The score ranks and marks claims for editors; it never hides one.
"""

from __future__ import annotations

# How many claims' worth of the kind's share a rule's own record is mixed with.
PRIOR_WEIGHT = 5
# Calibrated by `python -m claims.extraction.calibrate` on the seed, the dev set and the three
# blind batches of 2026-12-02 (extractor 1.2.0, 553 claims). We had tuned on all of them, so the
# shares are optimistic; see the README's accuracy paragraph.
RULE_CONFIDENCE: dict[str, dict[str, float]] = {
    "casualty": {
        "*": 0.949, "coordinated": 0.957, "gapped": 0.957, "include": 0.957, "one-person": 0.974,
        "outcome-noun": 0.985, "part": 0.974, "participle": 0.964, "partitive": 0.974,
        "relative": 0.964, "state": 0.984, "toll": 0.977, "verb-object": 0.897,
        "verb-passive": 0.907,
    },
    "arrest": {
        "*": 0.949, "coordinated": 0.957, "custody": 0.968, "include": 0.963, "one-person": 0.879,
        "outcome-noun": 0.972, "part": 0.968, "partitive": 0.957, "relative": 0.972,
        "state": 0.963, "tally": 0.963, "toll": 0.963, "verb-object": 0.937,
        "verb-passive": 0.988,
    },
    "attribution": {
        "*": 0.968, "according": 0.995, "agentless": 0.977, "claim-noun": 0.977,
        "evaluation": 0.932, "manner": 0.989, "quote": 0.977, "report": 0.964, "setting": 0.973,
        "tally": 0.986, "topic": 0.977, "writing": 0.986,
    },
}  # fmt: skip


def confidence_for(kind: str, rule: str) -> float | None:
    """The calibrated confidence of a claim of this kind found by this rule."""
    rules = RULE_CONFIDENCE.get(kind)
    if not rules:
        return None
    return rules.get(rule, rules.get("*"))
