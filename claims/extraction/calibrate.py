"""Calibrate claim confidence on annotated articles: how often each rule's claims were right.

    python -m claims.extraction.calibrate GOLD.json PRED.jsonl [GOLD.json PRED.jsonl ...]
        [--unseen GOLD.json PRED.jsonl ...]

PRED.jsonl is `manage.py extract_claims --format jsonl` over the gold's texts (each line has
the claim's `rule`); GOLD.json is the annotation format `../shared/eval/score.py` reads. A
prediction is *right* when an editor could accept it as shown: it matches a gold claim the way
the scorer matches one (same kind, the gold anchor inside its sentence, the same value for
figures) and every field the gold scores is right too (speaker, role, direct, hedged, outcome,
qualifier, upper value, subject, agent, as the scorer checks them). It is *wrong* when it
matches nothing or gets a field wrong. Predictions that match an optional gold claim are left
out, as the scorer leaves them out. The command prints the table for `confidence.py`
and, with two or more annotated sets, a leave-one-set-out check: each set scored with the table
made from the others, by bins of predicted confidence against the share observed right.

Sets the rules were tuned on overstate them. `--unseen` names predictions made on annotated sets
*before* anything was changed for them (scored blind, as the README's accuracy paragraph
describes; they may come from an older extractor, so their rules are not used): each kind's
shares are then scaled so the kind's overall share is the one observed on unseen text, keeping
the rules' order within the kind.

Pure Python, no Django, no spaCy: it reads files.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from claims.extraction.confidence import PRIOR_WEIGHT

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})


def _norm(text: object) -> str:
    return "" if text is None else re.sub(r"\s+", " ", str(text).translate(_QUOTES)).strip().lower()


def _speaker_fits(gold: dict, pred: dict) -> bool:
    keys = gold.get("speaker_keys")
    return keys is None or any(k in _norm(pred.get("speaker")) for k in keys)


def _fields_right(gold: dict, pred: dict) -> bool:
    """Every field the gold claim scores, checked as score.py checks it."""
    if not _speaker_fits(gold, pred):
        return False
    roles = gold.get("role_keys")
    if roles is not None and not any(k in _norm(pred.get("speaker_role")) for k in roles):
        return False
    if "direct" in gold and bool(pred.get("direct")) != gold["direct"]:
        return False
    if "hedged" in gold and bool(pred.get("hedges")) != gold["hedged"]:
        return False
    if gold["kind"] == "attribution":
        return True
    if any(f in gold and pred.get(f) != gold[f] for f in ("value_high", "qualifier", "outcome")):
        return False
    return all(
        _norm(gold[f]).split()[-1] in _norm(pred.get(f))
        for f in ("subject", "agent")
        if gold.get(f)
    )


def _locates(gold: dict, pred: dict) -> bool:
    if gold["kind"] != pred.get("kind") or _norm(gold["anchor"]) not in _norm(pred["sentence"]):
        return False
    if gold["kind"] != "attribution" and not gold.get("optional"):
        return pred.get("value_low") == gold.get("value_low")
    return True


@dataclass(frozen=True)
class Outcome:
    kind: str
    rule: str
    right: bool
    confidence: float | None  # what the extractor gave it


def judge(gold: dict, predictions: Iterable[dict]) -> list[Outcome]:
    """Right or wrong for every prediction of one annotated set (see the module docstring)."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    seen: set[tuple] = set()
    for pred in predictions:
        key = (pred["doc"], pred["kind"], _norm(pred["sentence"]), _norm(pred.get("speaker")),
               pred.get("value_low"))  # fmt: skip
        if key not in seen:  # the scorer counts repeats of one claim once
            seen.add(key)
            by_doc[pred["doc"]].append(pred)
    outcomes = []
    for document in gold["documents"]:
        pending = list(by_doc.get(document["doc"], []))
        for claim in sorted(document["claims"], key=lambda c: c.get("optional", False)):
            candidates = [p for p in pending if _locates(claim, p)]
            fitting = [
                p for p in candidates if claim.get("speaker_keys") and _speaker_fits(claim, p)
            ]
            match = (fitting or candidates or [None])[0]
            if match is None:
                continue
            if claim.get("optional"):
                pending = [p for p in pending if not (p is match or _locates(claim, p))]
                continue
            pending.remove(match)
            outcomes.append(_outcome(match, _fields_right(claim, match)))
        outcomes.extend(_outcome(p, False) for p in pending)
    return outcomes


def _outcome(pred: dict, right: bool) -> Outcome:
    return Outcome(pred["kind"], pred.get("rule") or "other", right, pred.get("confidence"))


def table(outcomes: list[Outcome]) -> dict[str, dict[str, tuple[int, int]]]:
    """(right, total) by kind and rule."""
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for outcome in outcomes:
        cell = counts[outcome.kind][outcome.rule]
        cell[0] += int(outcome.right)
        cell[1] += 1
    return {
        kind: {rule: (r, n) for rule, (r, n) in rules.items()} for kind, rules in counts.items()
    }


def rates(
    counts: dict[str, dict[str, tuple[int, int]]], unseen: dict[str, float] | None = None
) -> dict[str, dict[str, float]]:
    """Each rule's share right, pulled toward its kind's share when the rule is rare; with
    `unseen` (a kind's share right on text nobody tuned on), scaled to that share."""
    result = {}
    for kind, rules in counts.items():
        right = sum(r for r, _ in rules.values())
        total = sum(n for _, n in rules.values())
        prior = right / total if total else 0.5
        scale = unseen[kind] / prior if unseen and kind in unseen and prior else 1.0
        shares = {"*": prior} | {
            rule: (r + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT)
            for rule, (r, n) in sorted(rules.items())
        }
        result[kind] = {rule: round(min(1.0, share * scale), 3) for rule, share in shares.items()}
    return result


def kind_shares(outcomes: list[Outcome]) -> dict[str, float]:
    """The share right of each kind."""
    counts = table(outcomes)
    return {
        kind: sum(r for r, _ in rules.values()) / sum(n for _, n in rules.values())
        for kind, rules in counts.items()
    }


def _read(pairs: list[str]) -> list[tuple[str, list[Outcome]]]:
    sets = []
    for gold_path, pred_path in zip(pairs[::2], pairs[1::2], strict=True):
        gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
        lines = Path(pred_path).read_text(encoding="utf-8").splitlines()
        sets.append((gold_path, judge(gold, [json.loads(line) for line in lines if line.strip()])))
    return sets


_BINS = ((0.0, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01))


def bins(scored: list[tuple[float, bool]]) -> list[tuple[str, int, float, float]]:
    """(bin, claims, mean predicted, share right) for predicted-confidence bins."""
    rows = []
    for low, high in _BINS:
        inside = [(p, ok) for p, ok in scored if low <= p < high]
        if inside:
            predicted = sum(p for p, _ in inside) / len(inside)
            observed = sum(ok for _, ok in inside) / len(inside)
            rows.append((f"{low:.2f}-{min(high, 1.0):.2f}", len(inside), predicted, observed))
    return rows


def _lookup(table_: dict[str, dict[str, float]], kind: str, rule: str) -> float:
    rules = table_.get(kind, {})
    return rules.get(rule, rules.get("*", 0.5))


def main(argv: list[str]) -> int:
    tuned, _, blind = " ".join(argv).partition("--unseen")
    tuned_pairs, blind_pairs = tuned.split(), blind.split()
    if len(tuned_pairs) < 2 or len(tuned_pairs) % 2 or len(blind_pairs) % 2:
        print(__doc__)
        return 2
    sets = _read(tuned_pairs)
    every = [o for _, outcomes in sets for o in outcomes]
    counts = table(every)
    unseen = None
    if blind_pairs:
        unseen = kind_shares([o for _, outcomes in _read(blind_pairs) for o in outcomes])
        tuned_shares = kind_shares(every)
        print("kind          share right: tuned sets  unseen (before any fix)")
        for kind in sorted(unseen):
            print(f"{kind:13} {tuned_shares.get(kind, 0):24.3f}  {unseen[kind]:.3f}")
        print()
    print("kind          rule                 right  total  share")
    for kind, rules in sorted(counts.items()):
        for rule, (r, n) in sorted(rules.items(), key=lambda item: -item[1][1]):
            print(f"{kind:13} {rule:20} {r:5}  {n:5}  {r / n:.3f}")
    print("\nRULE_CONFIDENCE =", json.dumps(rates(counts, unseen), indent=4))
    if len(sets) > 1:
        scored = []
        for n, (_name, outcomes) in enumerate(sets):
            others = [o for m, (_, os) in enumerate(sets) if m != n for o in os]
            held_out = rates(table(others))
            scored += [(_lookup(held_out, o.kind, o.rule), o.right) for o in outcomes]
        print("\nLeave one set out: predicted confidence against the share right")
        print("bin        claims  predicted  observed")
        for name, count, predicted, observed in bins(scored):
            print(f"{name:10} {count:6}  {predicted:9.3f}  {observed:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
