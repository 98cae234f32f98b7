"""End to end: the corpus through `import_articles` with the real extractor, then figures.

The other figure tests write the claims an editor would mark; this one checks that what the
extractor actually finds groups the same way. It asserts the grouping and the headline
findings, not every extracted field, which the extraction tests own.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from claims.models import Claim, Figure
from claims.services.figures import figure_analysis, role_flags_for
from tests.test_reconcile import CORPUS

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def figure_with(label_start: str) -> Figure:
    (figure,) = Figure.objects.filter(label__startswith=label_start)
    return figure


def test_import_groups_the_corpus_into_figures():
    out = StringIO()
    call_command("import_articles", str(CORPUS), stdout=out, stderr=StringIO())
    assert "9 created" in out.getvalue()
    assert not Claim.objects.figures().filter(figure__isnull=True).exists()
    labels = set(Figure.objects.values_list("label", flat=True))
    assert {
        "People killed — Kazakhstan, from 7 Jan 2022",
        "Security forces killed — Kazakhstan, from 7 Jan 2022",
        "People injured — Kazakhstan, from 7 Jan 2022",
        "People arrested or detained — Kazakhstan, from 7 Jan 2022",
        "Karim Massimov arrested or detained — Kazakhstan, from 7 Jan 2022",
        "People killed — Myanmar, from 8 Jan 2022",  # same days, another country
        "Miners killed — Kazakhstan, from 10 Jan 2022",  # same days and country, another group
        "People arrested or detained — Kazakhstan, from 20 Mar 2022",  # months later
    } <= labels

    detained = figure_analysis(figure_with("People arrested or detained — Kazakhstan, from 7 Jan"))
    assert [e.report.display for e in detained.timeline] == [
        "more than 3,800", "5,800", "5,800", "9,900",
    ]  # fmt: skip
    assert detained.latest.display == "9,900" and detained.conflicts == ()
    assert {e.suggestion.status for e in detained.timeline if e.report.value_low == 5800} == {
        "verified"
    }

    killed = figure_analysis(figure_with("People killed — Kazakhstan"))
    values = [e.report.display for e in killed.timeline]
    assert values[0] == "26" and "more than 200" in values and "225" in values
    assert killed.highest.display == "225"
    assert killed.conflicts  # the opposition's count against the official one

    flagged = {f.actor_name: f for f in role_flags_for()}
    assert set(flagged["Ursula von der Leyen"].conflicting) >= {"European Council President"}
