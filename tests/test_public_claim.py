"""The public claim page, /claims/<id>/: what ClaimReview `url` and Atom entries point at.

Anyone may open it; it shows the sentence, the article and the last confirmed verdict with its
note and evidence, and never a proposal awaiting sign-off, who holds the claim, or an editor.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from claims.services import claim_confirm, claim_review
from claims.services.assignment import claims_assign
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(outlet):  # type: ignore[no-untyped-def]
    return make_article(
        title="Toll rises <b>again</b>",
        url="https://ledger.example/toll",
        outlet=outlet,
        published_at=datetime(2022, 1, 8, 9, 30, tzinfo=UTC),
        body="The ministry said <script>alert(1)</script> 40 people died.",
    )


def test_anyone_reads_the_verdict_its_note_evidence_and_article(
    article, editor, django_assert_num_queries
):
    claim = make_claim(article)
    claim_review(
        claim=claim,
        status="false",
        by=editor,
        note="The morgue counted <i>40</i>.",
        evidence=[
            {"url": "https://morgue.example/count", "title": "Morgue list", "stance": "refutes"}
        ],
    )
    claims_assign(claim_ids=[claim.pk], to=editor, by=editor)
    client = Client()  # anonymous, no session

    # 1. the claim with its article, outlet and the published note (a subquery)
    # 2. the evidence cited up to that decision
    with django_assert_num_queries(2):
        response = client.get(f"/claims/{claim.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    # Untrusted article text and notes arrive escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Toll rises &lt;b&gt;again&lt;/b&gt;" in html
    assert "The morgue counted &lt;i&gt;40&lt;/i&gt;." in html
    assert 'href="https://ledger.example/toll"' in html and "Daily Ledger" in html
    assert "8 January 2022" in html
    assert ">False</span>" in html and "Evidence contradicts it." in html
    assert 'href="https://morgue.example/count"' in html and "Morgue list" in html
    assert f'href="/api/claims/{claim.pk}/claimreview/"' in html
    assert "eddie" not in html  # neither the editor who decided nor the holder


def test_a_proposal_awaiting_signoff_is_not_shown(
    article, settings, editor, second_editor, django_assert_num_queries
):
    settings.CLAIMDESK_SIGNOFF = "required"
    claim = make_claim(article)
    claim_review(
        claim=claim,
        status="verified",
        by=editor,
        note="Hospital list agrees",
        evidence=[{"url": "https://hospital.example/list", "title": "Hospital list"}],
    )

    with django_assert_num_queries(1):  # unreviewed: no evidence to look up
        html = Client().get(f"/claims/{claim.pk}/").content.decode()
    assert "Not reviewed yet." in html
    assert "Verified" not in html and "Hospital list" not in html and "erin" not in html
    assert "claimreview" not in html  # an unreviewed claim has no ClaimReview

    claim_confirm(claim=claim, by=second_editor)
    html = Client().get(f"/claims/{claim.pk}/").content.decode()
    assert ">Verified</span>" in html and "Hospital list" in html
    assert "Not reviewed yet." not in html

    # A second proposal (and its evidence) stays internal until it is confirmed.
    claim_review(
        claim=claim,
        status="false",
        by=second_editor,
        note="New census data",
        evidence=[{"url": "https://census.example/", "title": "Census table"}],
    )
    html = Client().get(f"/claims/{claim.pk}/").content.decode()
    assert ">Verified</span>" in html and "Hospital list" in html
    assert "Census table" not in html and "New census data" not in html and ">False<" not in html


def test_unknown_claim_is_404(db):
    assert Client().get("/claims/999999/").status_code == 404
    assert Client().get("/claims/abc/").status_code == 404


def test_the_page_is_private_when_the_api_is(settings, editor_client):
    settings.CLAIMDESK_API_PUBLIC = False
    claim = make_claim()
    response = Client().get(f"/claims/{claim.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert editor_client.get(f"/claims/{claim.pk}/").status_code == 200
