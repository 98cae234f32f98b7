"""An unfolding story through import and the figures API, with the real extractor.

tests/fixtures/unfolding/ is our own four-article story (Kazakhstan, 6-8 January 2022), one
case of issue 13 in each: a toll that rises over two days from several sources (12, at least
19, 25, more than a hundred), two official counts of security forces killed that disagree the
same morning (the interior ministry's 18 "law enforcement officers", the health ministry's 13
"security officers"), a named arrest among mass arrests, a national toll with a city's part,
and an article without a Published: header (dated by its dateline). Then the demo's seeds/:
the seed and two follow-ups give one figure per measure, each with a chart.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from claims.models import Article, Claim, Figure

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

STORY = Path(__file__).parent / "fixtures" / "unfolding"
SEEDS = Path(settings.BASE_DIR) / "seeds"


def import_path(path: Path) -> None:
    call_command("import_articles", str(path), stdout=StringIO(), stderr=StringIO())


def figure_json(client, label_start: str) -> dict:
    (figure,) = Figure.objects.filter(label__startswith=label_start)
    return client.get(f"/api/figures/{figure.pk}/").json()


def values(figure: dict) -> list[str]:
    return [entry["display"] for entry in figure["timeline"]]


def test_a_rising_toll_is_one_timeline_without_conflicts(client):
    import_path(STORY)
    killed = figure_json(client, "People killed")
    assert values(killed) == ["12", "at least 19", "25", "9", "more than 100"]
    assert killed["conflicts"] == [] and killed["conflict_count"] == 0
    # "including 9 in Almaty" is a part of the 25, shown as such and never a rival total.
    parts = {e["display"]: e["part"] for e in killed["timeline"]}
    assert parts == {"12": False, "at least 19": False, "25": False, "9": True,
                     "more than 100": False}  # fmt: skip
    assert killed["lowest"]["display"] == "12"
    # "More than a hundred people died" is a lower bound, not exactly 100.
    last = killed["timeline"][-1]
    assert (last["value_low"], last["value_high"], last["qualifier"]) == (100, None, "more_than")
    # Each report says the moment its value is for, and how that moment is known.
    assert [(e["moment"], e["moment_basis"]) for e in killed["timeline"]] == [
        ("2022-01-06T12:00:00Z", "header"),
        ("2022-01-07T03:30:00Z", "header"),
        ("2022-01-07T08:00:00Z", "header"),
        ("2022-01-07T08:00:00Z", "header"),
        ("2022-01-08T00:00:00Z", "dateline"),  # the article without a Published: header
    ]


def test_two_official_counts_that_disagree_are_one_figure_in_conflict(client):
    import_path(STORY)
    assert not Figure.objects.filter(label__startswith="Officials").exists()
    security = figure_json(client, "Security forces killed")
    assert values(security) == ["18", "13"]
    (conflict,) = security["conflicts"]
    assert conflict["values"] == ["13", "18"]
    assert conflict["reason"] == (
        "13 vs 18: different sources give values that cannot all be true for the same moment "
        "(7 Jan 2022)."
    )
    # One conflict, one date: both reasons name the same moment.
    reasons = [e["suggestion_reason"] for e in security["timeline"]]
    assert all(r.endswith("(7 Jan 2022).") for r in reasons)
    assert {e["suggested_status"] for e in security["timeline"]} == {"disputed"}


def test_a_named_arrest_stays_apart_from_the_mass_arrests(client):
    import_path(STORY)
    detained = figure_json(client, "People arrested or detained")
    assert values(detained) == ["240", "more than 300", "more than 4,000"]
    assert detained["conflicts"] == []
    named = figure_json(client, "Karim Massimov arrested or detained")
    assert values(named) == ["1"]
    assert Figure.objects.count() == 4


def test_the_article_without_a_date_header_is_dated_by_its_dateline(client):
    import_path(STORY)
    article = Article.objects.get(title="Massimov held as detentions pass 4,000")
    assert article.published_basis == Article.PublishedBasis.DATELINE
    data = client.get(f"/api/articles/{article.pk}/").json()
    assert (data["published_at"], data["published_basis"]) == ("2022-01-08T00:00:00Z", "dateline")


def test_figure_list_query_count(client, django_assert_num_queries):
    import_path(STORY)
    # 1. the page of figures that still have a current claim; 2. their current claims, with
    # article, outlet and speaker joined and the credited agencies annotated
    with django_assert_num_queries(2):
        data = client.get("/api/figures/").json()
    assert len(data["results"]) == 4


def test_the_demo_seeds_give_one_figure_per_measure_each_with_a_chart(client, editor_client):
    import_path(SEEDS)
    labels = set(Figure.objects.values_list("label", flat=True))
    assert labels == {
        "People killed — Kazakhstan, from 7 Jan 2022",
        "Security forces killed — Kazakhstan, from 7 Jan 2022",
        "People arrested or detained — Kazakhstan, from 7 Jan 2022",
        "Karim Massimov arrested or detained — Kazakhstan, from 7 Jan 2022",
    }
    for label, expected in [
        ("People killed", ["26", "164", "103", "225"]),
        ("Security forces killed", ["18", "16", "19"]),
        ("People arrested or detained", ["more than 3,800", "5,800", "7,939"]),
    ]:
        figure = figure_json(client, label)
        assert values(figure) == expected, label
        assert figure["conflicts"] == []
        claim = Claim.objects.filter(figure_id=figure["id"]).first()
        page = editor_client.get(f"/review/claims/{claim.pk}/").content.decode()
        assert '<svg class="figure-chart"' in page, label
