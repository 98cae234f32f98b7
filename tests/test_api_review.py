"""POST /api/claims/{id}/review/: editors only, through claim_review, 409 on a stale version."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from claims.models import Claim, Evidence, StatusChange
from claims.services import claim_review
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db


def post_review(client: Client, claim: Claim, **body) -> object:
    return client.post(
        f"/api/claims/{claim.id}/review/", json.dumps(body), content_type="application/json"
    )


def test_editor_review_changes_status_writes_audit_row_and_returns_the_claim(editor_client):
    claim = make_claim()
    assert claim.status == "unreviewed" and claim.version == 1

    response = post_review(
        editor_client,
        claim,
        status="verified",
        note="Confirmed by the hospital",
        evidence=[{"url": "https://hospital.example/list", "stance": "supports"}],
        version=1,
    )

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.status_changed_by.username) == (
        "verified",
        2,
        "eddie",
    )
    change = StatusChange.objects.get(claim=claim)
    assert (change.from_status, change.to_status, change.note) == (
        "unreviewed",
        "verified",
        "Confirmed by the hospital",
    )
    assert Evidence.objects.get(claim=claim).url == "https://hospital.example/list"
    data = response.json()
    assert data["status"] == "verified" and data["version"] == 2
    assert data["history"][0]["changed_by"] == "eddie"
    assert data["evidence"][0]["stance"] == "supports"


def test_stale_version_is_409_with_the_current_state_and_nothing_written(
    editor_client, second_editor
):
    claim = make_claim()
    # A colleague decides first, from the same version 1.
    claim_review(claim=claim, status="disputed", by=second_editor, note="Tolls conflict")

    response = post_review(editor_client, claim, status="verified", note="Looks right", version=1)

    assert response.status_code == 409
    data = response.json()
    assert "erin" in data["detail"] and "Disputed" in data["detail"]
    assert data["current"]["status"] == "disputed"
    assert data["current"]["version"] == 2
    assert data["current"]["history"][-1]["changed_by"] == "erin"
    claim.refresh_from_db()
    assert claim.status == "disputed"
    assert StatusChange.objects.filter(claim=claim).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "verified", "version": 1}, "note"),  # verified needs a note or evidence
        ({"status": "true", "note": "x", "version": 1}, "status"),
        ({"status": "disputed", "note": "x"}, "version"),  # the version is required
        ({"status": "disputed", "version": 0}, "version"),
        ({"status": "disputed", "version": 1, "evidence": [{"url": "not a url"}]}, "evidence"),
        (
            {
                "status": "disputed",
                "version": 1,
                "evidence": [{"url": "https://a.example", "stance": "meh"}],
            },
            "evidence",
        ),
    ],
)
def test_invalid_reviews_are_400_naming_the_field_and_change_nothing(editor_client, body, field):
    claim = make_claim()
    response = post_review(editor_client, claim, **body)
    assert response.status_code == 400
    assert field in response.json()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("unreviewed", 1)
    assert not StatusChange.objects.exists()


def test_malformed_json_is_a_400(editor_client):
    claim = make_claim()
    response = editor_client.post(
        f"/api/claims/{claim.id}/review/", "{status:", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize("who", ["anonymous", "viewer", "outsider"])
def test_only_editors_may_review(who, client, viewer_client, outsider_client):
    claim = make_claim()
    as_client = {"anonymous": client, "viewer": viewer_client, "outsider": outsider_client}[who]
    response = post_review(as_client, claim, status="disputed", note="x", version=1)
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == "unreviewed"


def test_unknown_claim_is_404(editor_client):
    response = editor_client.post(
        "/api/claims/424242/review/",
        json.dumps({"status": "disputed", "note": "x", "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_token_authentication_for_scripts(editor):
    claim = make_claim()
    token = Token.objects.create(user=editor)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/api/claims/{claim.id}/review/",
        json.dumps({"status": "unverified", "version": 1}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.status == "unverified"


def test_session_posts_need_the_csrf_token(editor):
    claim = make_claim()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = post_review(client, claim, status="unverified", version=1)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    claim.refresh_from_db()
    assert claim.status == "unreviewed"


def test_get_on_review_is_not_allowed(editor_client):
    claim = make_claim()
    assert editor_client.get(f"/api/claims/{claim.id}/review/").status_code == 405


def test_options_describes_the_review_input(editor_client):
    claim = make_claim()
    response = editor_client.options(f"/api/claims/{claim.id}/review/")
    assert set(response.json()["actions"]["POST"]) == {
        "status",
        "note",
        "evidence",
        "version",
        "apply_to_matches",
    }


def test_the_browsable_api_renders_for_people(editor_client):
    claim = make_claim()
    for url in ["/api/", "/api/claims/", f"/api/claims/{claim.id}/", "/api/status-changes/"]:
        response = editor_client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
