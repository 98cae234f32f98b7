"""Figures for articles dated at the calendar's ends: grouping must not step past them."""

from __future__ import annotations

import pytest

from claims.importers.records import make_record
from claims.models import Claim
from claims.services import article_import

BODY = "Police said 12 protesters were killed in the capital on Friday."


@pytest.mark.parametrize("published", ["9999-12-31T12:00:00+00:00", "0001-01-01T12:00:00+00:00"])
def test_an_article_at_the_end_of_the_calendar_gets_its_figure(db, published: str) -> None:
    for n in range(2):  # the second looks for the first's figure around the same day
        record = make_record(
            origin=f"end{n}.txt",
            title=f"Calendar end {n}",
            body=BODY,
            published=published,
            outlet=f"Outlet {n}",
        )
        result = article_import(record=record)
        assert not result.failed, result.error
    figures = set(
        Claim.objects.filter(kind=Claim.Kind.CASUALTY).values_list("figure_id", flat=True)
    )
    assert len(figures) == 1 and None not in figures
