"""A claim's extraction rule and confidence: stored by the import, shown in the API and the review
queue (sortable, low ones marked), never used to hide a claim."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.extraction import extract_claims_many
from claims.extraction.confidence import RULE_CONFIDENCE
from claims.importers import ArticleRecord
from claims.models import LOW_CONFIDENCE, Article, Claim
from claims.services.imports import articles_import
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db

BODY = (
    "Police detained 40 people, including six students, the interior ministry said.\n\n"
    "“We will not be silenced,” the student union’s leader, Ana Ruiz, shouted outside the court."
)


def test_import_stores_each_claims_rule_and_confidence_and_updates_them():
    record = ArticleRecord(title="Arrests", body=BODY, origin="t.txt", url="https://n.example/a")
    [result] = articles_import([record], extractor=extract_claims_many)

    claims = Claim.objects.filter(article_id=result.article_id).order_by("start", "kind", "id")
    assert [(c.kind, c.rule) for c in claims] == [
        ("arrest", "verb-object"),
        ("arrest", "part"),
        ("attribution", "report"),
        ("attribution", "manner"),
    ]
    for claim in claims:
        assert claim.confidence == RULE_CONFIDENCE[claim.kind][claim.rule]

    # A recalibrated table is written on the next extraction; the claim keeps its identity.
    part = claims.get(rule="part")
    Claim.objects.filter(pk=part.pk).update(confidence=0.1)
    Article.objects.filter(pk=result.article_id).update(extractor_version="old")
    list(articles_import([record], extractor=extract_claims_many))
    part.refresh_from_db()
    assert part.confidence == RULE_CONFIDENCE["arrest"]["part"]


def test_api_lists_rule_and_confidence(client):
    claim = make_claim(rule="toll", confidence=0.42)

    item = client.get("/api/claims/").json()["results"][0]
    assert item["id"] == claim.id
    assert (item["rule"], item["confidence"]) == ("toll", 0.42)
    detail = client.get(f"/api/claims/{claim.id}/").json()
    assert (detail["rule"], detail["confidence"]) == ("toll", 0.42)


def test_queue_sorts_least_confident_first_and_marks_low_ones_without_hiding_any(editor_client):
    article = make_article()
    sure = make_claim(article, rule="report", confidence=0.99)
    doubtful = make_claim(article, rule="gapped", confidence=LOW_CONFIDENCE - 0.2)
    middling = make_claim(article, rule="toll", confidence=0.93)

    response = editor_client.get(reverse("claims:queue"), {"order": "confidence"})
    assert [c.pk for c in response.context["page"].object_list] == [
        doubtful.pk,
        middling.pk,
        sure.pk,
    ]
    html = response.content.decode()
    assert html.count(">low confidence</span>") == 1
    assert "Least confident first" in html

    # The default queue lists every claim, low confidence or not.
    default = editor_client.get(reverse("claims:queue"))
    assert {c.pk for c in default.context["page"].object_list} == {
        sure.pk,
        doubtful.pk,
        middling.pk,
    }


def test_next_claim_follows_the_confidence_order(editor_client):
    article = make_article()
    first = make_claim(article, confidence=0.5)
    second = make_claim(article, confidence=0.7)

    response = editor_client.get(reverse("claims:next", args=[first.pk]), {"order": "confidence"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("claims:claim", args=[second.pk]))


def test_claim_page_shows_the_rule_and_its_confidence(editor_client):
    claim = make_claim(rule="gapped", confidence=0.61)

    html = editor_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert "0.61" in html and "rule “gapped”" in html and "low confidence" in html
