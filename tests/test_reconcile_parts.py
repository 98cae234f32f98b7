"""Parts of a count, lower bounds and an article's own subgroups never read as rival totals
(pure: claims.reconcile)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claims.reconcile import (
    PART_REASON,
    Report,
    analyse_figure,
    conflict_reason,
    group_reports,
    is_part,
)
from tests.test_reconcile import report


@pytest.mark.parametrize(
    ("sentence", "value", "part"),
    [
        ("Officials put the national toll at 120, including 40 in the capital.", 40, True),
        ("Officials put the national toll at 120, including 40 in the capital.", 120, False),
        ("At least 164 people were killed, including 103 in Almaty.", 103, True),
        ("More than 300 people were held, among them twelve journalists.", 12, True),
        ("Of the 90 dead, police said, 30 were soldiers, of whom 12 were conscripts.", 12, True),
        # A cue without a count before it is not a part: the sentence gives no whole.
        ("Including 40 in the capital, the toll has doubled.", 40, False),
        ("The ministry said 40 people, including police officers, were hurt.", 40, False),
        ("Ten people were killed, including a child.", 10, False),
    ],
)
def test_is_part(sentence: str, value: int, part: bool) -> None:
    assert is_part(sentence, value) is part


def test_a_part_never_conflicts_with_the_totals_nor_counts_as_one() -> None:
    total = report(1, 120, when="2022-01-08T10:00", source="ministry")
    capital = report(2, 40, when="2022-01-08T10:00", source="ministry", part=True)
    rival = report(3, 118, when="2022-01-08T11:00", source="agency")
    analysis = analyse_figure([total, capital, rival])
    part_entry = analysis.entry_for(2)
    assert part_entry.conflicts_with == () and part_entry.suggestion.reason == PART_REASON
    assert analysis.lowest.claim_id == 3 and analysis.latest.claim_id == 3  # not the part
    assert [c.claim_ids for c in analysis.conflicts] == [(1, 3)]  # 120 against 118, not the 40
    assert 40 not in {c.value_low for c in analysis.corroborations}


def test_more_than_a_hundred_is_compatible_with_a_higher_count_of_the_same_moment() -> None:
    lower_bound = report(1, 100, when="2022-01-08T10:00", source="police", qualifier="more_than",
                         value_high=None)  # fmt: skip
    higher = report(2, 164, when="2022-01-08T12:00", source="ministry")
    exactly = report(3, 100, when="2022-01-08T12:00", source="ngo")
    analysis = analyse_figure([lower_bound, higher, exactly])
    # "more than 100" and 164 can both be true; exactly 100 and "more than 100" cannot.
    assert analysis.entry_for(2).conflicts_with == (3,)
    assert set(analysis.entry_for(1).conflicts_with) == {3}


def test_one_conflict_names_one_moment_in_every_reason() -> None:
    a = report(1, 12, when="2022-01-06T22:00", source="police")
    b = report(2, 30, when="2022-01-07T01:00", source="opposition")
    c = report(3, 20, when="2022-01-07T02:00", source="agency")
    analysis = analyse_figure([a, b, c])
    (conflict,) = analysis.conflicts
    reasons = [analysis.entry_for(i).suggestion.reason for i in (1, 2, 3)]
    assert all("(6 Jan 2022 to 7 Jan 2022)" in r for r in reasons)
    assert "(6 Jan 2022 to 7 Jan 2022)" in conflict_reason(conflict)


def arrest(claim_id: int, value: int, subject: str, article_id: int) -> Report:
    return Report(
        claim_id=claim_id, kind="arrest", outcome="arrested", value_low=value, subject=subject,
        published_at=datetime(2008, 4, 1, tzinfo=UTC), place="China", article_id=article_id,
    )  # fmt: skip


def test_a_general_count_never_joins_a_group_its_own_article_counted_apart() -> None:
    # "Three women were arrested for the fire ... 414 people have been arrested": two counts.
    women, everyone = arrest(1, 3, "three women", 7), arrest(2, 414, "people", 7)
    grouping = group_reports([women, everyone], [])
    assert sorted(new.claim_ids for new in grouping.new) == [[1], [2]]
    # Another article's general count still joins the one group figure of its measure.
    later = arrest(3, 420, "people", 8)
    grouping = group_reports([women, later], [])
    assert [new.claim_ids for new in grouping.new] == [[1, 3]]
