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
# Calibrated by `python -m claims.extraction.calibrate` (extractor 1.2.0, 2026-12-02): the rules'
# shares on the seed, the dev set and three blind batches (558 claims, all of which we had tuned
# on, so 0.95-0.98 right), scaled per kind to the share right on the same three batches scored
# before any fix for them (casualty 0.719, arrest 0.780, attribution 0.884): our best estimate
# for text nobody has tuned on. "Right" means right as shown: every scored field, not only found.
RULE_CONFIDENCE: dict[str, dict[str, float]] = {
    "casualty": {
        "*": 0.719, "coordinated": 0.724, "gapped": 0.724, "include": 0.724, "one-person": 0.735,
        "outcome-noun": 0.741, "part": 0.735, "participle": 0.728, "partitive": 0.735,
        "relative": 0.728, "state": 0.74, "toll": 0.736, "verb-object": 0.675,
        "verb-passive": 0.703,
    },
    "arrest": {
        "*": 0.78, "coordinated": 0.787, "custody": 0.795, "include": 0.792, "one-person": 0.725,
        "outcome-noun": 0.798, "part": 0.8, "partitive": 0.787, "relative": 0.798, "state": 0.792,
        "tally": 0.792, "toll": 0.792, "verb-object": 0.769, "verb-passive": 0.811,
    },
    "attribution": {
        "*": 0.884, "according": 0.9, "agentless": 0.889, "claim-noun": 0.889,
        "evaluation": 0.897, "manner": 0.896, "quote": 0.889, "report": 0.88, "setting": 0.887,
        "tally": 0.894, "topic": 0.889, "writing": 0.895,
    },
}  # fmt: skip


def confidence_for(kind: str, rule: str) -> float | None:
    """The calibrated confidence of a claim of this kind found by this rule."""
    rules = RULE_CONFIDENCE.get(kind)
    if not rules:
        return None
    return rules.get(rule, rules.get("*"))
