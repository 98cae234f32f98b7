"""GET /api/figures/ and /api/figures/{id}/: figures with their timelines, over the corpus."""

from __future__ import annotations

import pytest
from django.test import Client

from claims.api.figures import claim_figure_summary
from claims.models import Claim, Figure
from claims.services.figures import figure_split
from tests.test_figures_service import Corpus, load_corpus


@pytest.fixture
def kz(db) -> Corpus:
    return load_corpus()


def all_pages(client: Client, url: str) -> list[dict]:
    results = []
    while url:
        body = client.get(url).json()
        results += body["results"]
        url = body["next"]
    return results


def test_list_shows_every_figure_with_its_extremes(kz, client):
    figures = {f["label"]: f for f in all_pages(client, "/api/figures/")}
    assert len(figures) == Figure.objects.count() == 8
    killed = figures["People killed — Kazakhstan, from 7 Jan 2022"]
    assert (killed["report_count"], killed["source_count"], killed["conflict_count"]) == (7, 6, 1)
    assert killed["latest"]["display"] == "225"
    assert killed["latest"]["published_at"] == "2022-01-15T14:05:00Z"
    assert killed["highest"]["value_low"] == 225
    assert killed["lowest"]["display"] == "26"
    assert killed["lowest"]["source"] == "Kazakhstan Interior Ministry"
    assert (killed["date_start"], killed["date_end"]) == ("2022-01-07", "2022-01-15")
    assert killed["url"] == f"/api/figures/{killed['id']}/"
    assert "timeline" not in killed


def test_list_query_count_does_not_grow_with_figures_or_claims(
    kz, client, django_assert_num_queries
):
    # 1. the page of figures; 2. their current claims joined with article, outlet, speaker,
    # and the articles' origin agency as an annotation (no query of its own).
    with django_assert_num_queries(2):
        response = client.get("/api/figures/?page_size=50")
    assert len(response.json()["results"]) == 8


def test_list_pages_by_cursor(kz, client):
    first = client.get("/api/figures/?page_size=3").json()
    assert len(first["results"]) == 3
    assert first["next"]
    ids = [f["id"] for f in all_pages(client, "/api/figures/?page_size=3")]
    assert ids == sorted(ids, reverse=True) and len(ids) == 8


def test_detail_timeline_with_speakers_outlets_dates_and_suggestions(kz, client):
    figure = kz.figure("kz-killed")
    body = client.get(f"/api/figures/{figure.pk}/").json()
    timeline = body["timeline"]
    assert [e["display"] for e in timeline] == [
        "26",
        "26",
        "164",
        "more than 200",
        "164",
        "225",
        "225",
    ]
    first = timeline[0]
    assert first["claim_id"] == kz.claims[1].pk
    assert first["claim_url"] == f"/api/claims/{kz.claims[1].pk}/"
    assert first["speaker"] == {
        "id": kz.actors["Kazakhstan Interior Ministry"].pk,
        "name": "Kazakhstan Interior Ministry",
    }
    assert first["article"]["outlet"] == "Northern Courier"
    assert first["article"]["published_at"] == "2022-01-07T08:10:00Z"
    assert first["suggested_status"] == "verified"
    assert first["corroborated_by"] == [kz.claims[5].pk]
    doctors = timeline[1]
    assert doctors["speaker"] is None and doctors["speaker_text"].startswith("Doctors")
    opposition = timeline[3]
    assert opposition["is_hedged"] is True
    assert opposition["suggested_status"] == "disputed"
    assert opposition["conflicts_with"] == [kz.claims[15].pk]
    (conflict,) = body["conflicts"]
    assert conflict["values"] == ["164", "more than 200"]
    assert conflict["start"] == "2022-01-09T18:20:00Z"  # the evening: the morning 164 is earlier
    by_value = {c["display"]: c for c in body["corroborations"]}
    assert by_value["225"]["corroborated"] is True
    assert by_value["225"]["sources"] == ["Kazakhstan Prosecutor General's Office", "Kadir-Kasiet"]


def test_detail_follows_an_editors_split_at_once(kz, client):
    raid = kz.figure("mm-killed")
    before = client.get(f"/api/figures/{raid.pk}/").json()
    # The raid's 14 "on Friday" (in Saturday's report) is for Friday; the 1,400 since the coup
    # is as of Saturday: a lower count for an earlier moment, so no conflict, only two reports.
    assert [(e["moment"], e["moment_basis"]) for e in before["timeline"]] == [
        ("2022-01-07T00:00:00Z", "sentence"),
        ("2022-01-08T07:40:00Z", ""),  # the fixture's article, written without a basis
    ]
    assert before["conflict_count"] == 0 and before["report_count"] == 2
    figure_split(figure=raid, claims=[kz.claims[25]], label="Since the coup")
    body = client.get(f"/api/figures/{raid.pk}/").json()
    assert body["report_count"] == 1 and body["edited_by_editor"] is True
    assert [e["claim_id"] for e in body["timeline"]] == [kz.claims[24].pk]


def test_detail_query_count(kz, client, django_assert_num_queries):
    figure = kz.figure("kz-killed")
    # 1. the figure; 2. its claims with article, outlet, speaker and origin agency (annotated)
    with django_assert_num_queries(2):
        assert client.get(f"/api/figures/{figure.pk}/").status_code == 200


@pytest.mark.parametrize(("query", "labels"), [
    ("kind=arrest", {"People arrested or detained — Kazakhstan, from 7 Jan 2022", "People arrested or detained — Kazakhstan, from 20 Mar 2022", "Karim Massimov arrested or detained — Kazakhstan, from 7 Jan 2022"}),
    ("place=myanmar", {"People killed — Myanmar, from 8 Jan 2022"}),
    ("outcome=injured", {"People injured — Kazakhstan, from 7 Jan 2022"}),
    ("q=miners", {"Miners killed — Kazakhstan, from 10 Jan 2022"}),
])  # fmt: skip
def test_filters(kz, client, query, labels):
    assert {f["label"] for f in all_pages(client, f"/api/figures/?{query}")} == labels


@pytest.mark.parametrize("query", ["kind=deaths", "outcome=dead"])
def test_bad_filter_values_are_a_400_naming_the_parameter(kz, client, query):
    response = client.get(f"/api/figures/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize("path", ["abc", "0", "99999", "9" * 30])
def test_unknown_figures_are_json_404s(kz, client, path):
    response = client.get(f"/api/figures/{path}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_figures_are_read_only(kz, editor_client):
    figure = kz.figure("kz-killed")
    assert editor_client.post("/api/figures/", {"label": "x"}).status_code in (403, 405)
    assert editor_client.delete(f"/api/figures/{figure.pk}/").status_code in (403, 405)
    assert Figure.objects.filter(pk=figure.pk).exists()


def test_etag_and_304(kz, client):
    figure = kz.figure("kz-killed")
    first = client.get(f"/api/figures/{figure.pk}/")
    assert first.has_header("ETag")
    again = client.get(f"/api/figures/{figure.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    Claim.objects.filter(pk=kz.claims[14].pk).update(in_article=False)
    changed = client.get(f"/api/figures/{figure.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed.json()["conflict_count"] == 0


def test_claim_figure_summary_for_the_claims_api(kz):
    summary = claim_figure_summary(kz.figure("kz-killed").pk)
    assert summary["label"] == "People killed — Kazakhstan, from 7 Jan 2022"
    assert summary["latest"]["display"] == "225"
    assert summary["conflict_count"] == 1
    assert claim_figure_summary(None) is None
    assert claim_figure_summary(10**9) is None
