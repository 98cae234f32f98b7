"""Assignment in the API: who holds a claim in the list and the detail, the `assigned_to`
filter, and POST /api/claims/{id}/assign/ with the review UI's permissions."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import AssignmentChange, Claim
from claims.services.assignment import claims_assign
from tests.conftest import make_claim

pytestmark = pytest.mark.django_db


def api_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_list_and_detail_say_who_holds_the_claim(client, editor):
    held, free = make_claim(), make_claim()
    claims_assign(claim_ids=[held.pk], to=editor, by=editor)

    items = {item["id"]: item for item in client.get("/api/claims/").json()["results"]}
    assert (items[held.pk]["assigned_to"], items[free.pk]["assigned_to"]) == ("eddie", None)
    assert client.get(f"/api/claims/{held.pk}/").json()["assigned_to"] == "eddie"
    csv = client.get("/api/claims/?format=csv").content.decode()
    assert "assigned_to" in csv.splitlines()[0]


def test_assigned_to_filters_by_username_me_and_none(client, editor, second_editor):
    mine, erins, nobodys = make_claim(), make_claim(), make_claim()
    claims_assign(claim_ids=[mine.pk], to=editor, by=editor)
    claims_assign(claim_ids=[erins.pk], to=second_editor, by=editor)
    as_editor = api_client(editor)

    assert ids(client.get("/api/claims/?assigned_to=erin")) == [erins.pk]
    assert ids(as_editor.get("/api/claims/?assigned_to=me")) == [mine.pk]
    assert ids(client.get("/api/claims/?assigned_to=none")) == [nobodys.pk]
    assert ids(client.get("/api/claims/?assigned_to=me")) == []  # anonymous: holds nothing
    assert ids(client.get("/api/claims/?assigned_to=nobody-by-that-name")) == []


def test_an_editor_assigns_and_releases_through_the_api(editor, second_editor):
    claim = make_claim()
    client = api_client(editor)

    response = client.post(f"/api/claims/{claim.pk}/assign/", {"assignee": "erin"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"] == "erin"
    assert response.json()["version"] == 1  # not a decision
    assert Claim.objects.get(pk=claim.pk).assigned_to == second_editor

    response = client.post(f"/api/claims/{claim.pk}/assign/", {"assignee": None}, format="json")
    assert response.status_code == 200 and response.json()["assigned_to"] is None
    assert Claim.objects.get(pk=claim.pk).assigned_to is None
    assert list(
        AssignmentChange.objects.filter(claim=claim)
        .order_by("id")
        .values_list("from_user__username", "to_user__username", "changed_by__username")
    ) == [(None, "erin", "eddie"), ("erin", None, "eddie")]


def test_a_desk_chief_may_assign(chief, editor):
    claim = make_claim()
    response = api_client(chief).post(
        f"/api/claims/{claim.pk}/assign/", {"assignee": "eddie"}, format="json"
    )
    assert response.status_code == 200 and response.json()["assigned_to"] == "eddie"


def test_viewers_and_anonymous_clients_are_refused(client, viewer, editor):
    claim = make_claim()
    url = f"/api/claims/{claim.pk}/assign/"
    assert api_client(viewer).post(url, {"assignee": "eddie"}, format="json").status_code == 403
    response = client.post(url, {"assignee": "eddie"}, content_type="application/json")
    assert response.status_code == 403  # session auth first: no WWW-Authenticate, so not 401
    assert Claim.objects.get(pk=claim.pk).assigned_to is None
    assert not AssignmentChange.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"assignee": "ghost"}, "No user named 'ghost'."),
        ({"assignee": "vera"}, "vera is not an editor and cannot hold claims."),
        ({}, "This field is required."),
        ({"assignee": ""}, "This field may not be blank."),
    ],
)
def test_a_bad_assignee_is_a_400_naming_the_field(editor, viewer, body, message):
    claim = make_claim()
    response = api_client(editor).post(f"/api/claims/{claim.pk}/assign/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"assignee": [message]}
    assert not AssignmentChange.objects.exists()


def test_assigning_an_unknown_claim_is_404(editor):
    response = api_client(editor).post(
        "/api/claims/999999/assign/", {"assignee": None}, format="json"
    )
    assert response.status_code == 404
