"""Four-eyes sign-off (CLAIMDESK_SIGNOFF=required): propose, confirm or return, publish only
confirmed verdicts. With the setting off (the default) every other test file shows reviews apply
at once, as before."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from claims.models import Claim, StatusChange
from claims.services import ReviewConflict, ReviewError, claim_confirm, claim_return, claim_review
from tests.conftest import make_claim
from tests.test_foundation import run_manage

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def signoff_required(settings) -> None:
    settings.CLAIMDESK_SIGNOFF = "required"


@pytest.fixture
def second_client(second_editor) -> Client:
    client = Client()
    client.force_login(second_editor)
    return client


def post(client: Client, claim: Claim, action: str, **body) -> object:
    return client.post(
        f"/api/claims/{claim.id}/{action}/", json.dumps(body), content_type="application/json"
    )


def test_a_verdict_is_proposed_and_a_second_editor_confirms_it(editor, second_editor):
    claim = make_claim()

    claim_review(
        claim=claim, status="verified", by=editor, note="Hospital list", expected_version=1
    )
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status, claim.proposed_by, claim.version) == (
        "unreviewed",
        "verified",
        editor,
        2,
    )

    claim_confirm(claim=claim, by=second_editor, note="Checked the list", expected_version=2)
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status, claim.proposed_by, claim.version) == (
        "verified",
        "",
        None,
        3,
    )
    assert claim.status_changed_by == second_editor
    history = list(
        StatusChange.objects.filter(claim=claim).values_list(
            "kind", "from_status", "to_status", "changed_by__username", "note"
        )
    )
    assert history == [
        ("proposal", "unreviewed", "verified", "eddie", "Hospital list"),
        ("confirmation", "unreviewed", "verified", "erin", "Checked the list"),
    ]


def test_the_proposer_cannot_confirm_or_return_their_own_proposal(editor):
    claim = make_claim()
    claim_review(claim=claim, status="false", by=editor, note="Refuted by the census")

    with pytest.raises(ReviewError, match="another editor must confirm"):
        claim_confirm(claim=claim, by=editor, expected_version=claim.version)
    with pytest.raises(ReviewError, match="another editor must return"):
        claim_return(claim=claim, by=editor, note="oops", expected_version=claim.version)

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status) == ("unreviewed", "false")
    assert StatusChange.objects.filter(claim=claim).count() == 1


def test_a_return_keeps_the_published_status_and_needs_a_note(editor, second_editor):
    claim = make_claim()
    claim_review(claim=claim, status="verified", by=editor, note="One source")

    with pytest.raises(ReviewError, match="needs a note"):
        claim_return(claim=claim, by=second_editor, note=" ")
    claim_return(claim=claim, by=second_editor, note="One source is not enough")

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status, claim.version) == ("unreviewed", "", 3)
    assert list(StatusChange.objects.filter(claim=claim).values_list("kind", flat=True)) == [
        "proposal",
        "return",
    ]
    with pytest.raises(ReviewError, match="no proposed verdict"):
        claim_confirm(claim=claim, by=second_editor)


def test_confirming_a_proposal_that_was_replaced_is_a_conflict(editor, second_editor):
    claim = make_claim()
    claim_review(claim=claim, status="verified", by=editor, note="first")
    seen = Claim.objects.get(pk=claim.pk).version
    claim_review(claim=claim, status="disputed", by=editor, note="second thoughts")

    with pytest.raises(ReviewConflict, match="eddie proposed Disputed"):
        claim_confirm(claim=claim, by=second_editor, expected_version=seen)
    assert Claim.objects.get(pk=claim.pk).status == "unreviewed"


def test_returning_to_unreviewed_needs_no_sign_off(editor, second_editor):
    claim = make_claim()
    claim_review(claim=claim, status="unverified", by=editor, note="n")
    claim_confirm(claim=claim, by=second_editor)
    claim_review(claim=claim, status="unreviewed", by=editor, note="Withdrawn: wrong article")
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status) == ("unreviewed", "")


def test_bad_signoff_setting_is_refused(tmp_path):
    result = run_manage(
        "check",
        env={"DEBUG": "1", "CLAIMDESK_SIGNOFF": "sometimes", "CLAIMDESK_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "CLAIMDESK_SIGNOFF must be off or required" in result.stderr


# --- the API ------------------------------------------------------------------------------------


def test_api_two_editors_propose_and_confirm(editor_client, second_client, client):
    claim = make_claim()

    response = post(editor_client, claim, "review", status="false", note="Census", version=1)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["proposed_status"], data["proposed_by"]) == (
        "unreviewed",
        "false",
        "eddie",
    )
    # Anyone reading sees the published (confirmed) status and the proposal beside it.
    public = client.get(f"/api/claims/{claim.id}/").json()
    assert (public["status"], public["proposed_status"]) == ("unreviewed", "false")

    response = post(second_client, claim, "confirm", note="Agreed", version=2)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["proposed_status"], data["proposed_by"], data["version"]) == (
        "false",
        "",
        None,
        3,
    )
    assert [(h["kind"], h["changed_by"]) for h in data["history"]] == [
        ("proposal", "eddie"),
        ("confirmation", "erin"),
    ]


def test_api_refuses_confirming_your_own_proposal(editor_client):
    claim = make_claim()
    post(editor_client, claim, "review", status="verified", note="Hospital", version=1)

    response = post(editor_client, claim, "confirm", note="", version=2)

    assert response.status_code == 400
    assert "another editor must confirm" in response.json()["status"][0]
    assert Claim.objects.get(pk=claim.pk).status == "unreviewed"


def test_api_return_and_stale_version_409(editor_client, second_client, viewer_client):
    claim = make_claim()
    post(editor_client, claim, "review", status="verified", note="Hospital", version=1)

    stale = post(second_client, claim, "return", note="Why?", version=1)
    assert stale.status_code == 409
    assert stale.json()["current"]["proposed_status"] == "verified"
    assert post(viewer_client, claim, "return", note="No", version=2).status_code == 403
    assert post(second_client, claim, "return", note="", version=2).status_code == 400

    response = post(second_client, claim, "return", note="One source only", version=2)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["proposed_status"]) == ("unreviewed", "")
    kinds = [h["kind"] for h in response.json()["history"]]
    assert kinds == ["proposal", "return"]


def test_public_outputs_show_only_confirmed_verdicts(
    editor, second_editor, client, django_assert_num_queries
):
    confirmed, proposed = make_claim(), make_claim()
    claim_review(claim=confirmed, status="verified", by=editor, note="Hospital")
    claim_confirm(claim=confirmed, by=second_editor, note="Agreed")
    claim_review(claim=proposed, status="false", by=editor, note="Census")

    # 1. the page of published changes joined with the editor's username
    with django_assert_num_queries(1):
        feed = client.get("/api/status-changes/").json()["results"]
    assert [(c["claim_id"], c["kind"], c["to_status"]) for c in feed] == [
        (confirmed.id, "confirmation", "verified")
    ]

    atom = ET.fromstring(client.get("/feeds/status-changes/").content)
    titles = [e.find(f"{ATOM}title").text for e in atom.findall(f"{ATOM}entry")]
    assert titles == [f"Claim {confirmed.id}: Unreviewed → Verified"]

    assert client.get(f"/api/claims/{proposed.id}/claimreview/").status_code == 404
    review = client.get(f"/api/claims/{confirmed.id}/claimreview/").json()
    assert review["reviewRating"]["alternateName"] == "Verified"
    datafeed = client.get("/api/claimreview/").json()
    assert len(datafeed["dataFeedElement"]) == 1

    statuses = {c["id"]: c["status"] for c in client.get("/api/claims/").json()["results"]}
    assert statuses == {confirmed.id: "verified", proposed.id: "unreviewed"}
    assert client.get("/api/claims/?status=false").json()["results"] == []


# --- the review UI and the admin ---------------------------------------------------------------


def test_ui_two_editors_propose_and_confirm_and_the_proposer_gets_no_buttons(
    editor_client, second_client
):
    claim = make_claim()
    response = editor_client.post(
        reverse("claims:decide", args=[claim.pk]),
        {"status": "disputed", "note": "Sources differ", "version": 1},
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).proposed_status == "disputed"

    own = editor_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert "Awaiting sign-off" in own and "You proposed it" in own
    assert 'id="signoff-form"' not in own
    # Posting anyway is refused by the service, and nothing changes.
    refused = editor_client.post(
        reverse("claims:signoff", args=[claim.pk]), {"action": "confirm", "version": 2}
    )
    assert refused.status_code == 400
    assert "another editor must confirm" in refused.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == "unreviewed"

    page = second_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert 'id="signoff-form"' in page and "Sources differ" in page
    response = second_client.post(
        reverse("claims:signoff", args=[claim.pk]),
        {"action": "confirm", "note": "Agreed", "version": 2},
    )
    assert response.status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status, claim.status_changed_by.username) == (
        "disputed",
        "",
        "erin",
    )
    history = second_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert "Proposed" in history and "Confirmed" in history


def test_ui_return_needs_a_note_and_a_stale_form_is_409(editor, editor_client, second_client):
    claim = make_claim()
    claim_review(claim=claim, status="verified", by=editor, note="Hospital")
    url = reverse("claims:signoff", args=[claim.pk])

    assert second_client.post(url, {"action": "return", "version": 2}).status_code == 400
    stale = second_client.post(url, {"action": "return", "note": "Which?", "version": 1})
    assert stale.status_code == 409 and "eddie proposed Verified" in stale.content.decode()
    response = second_client.post(url, {"action": "return", "note": "Which?", "version": 2})
    assert response.status_code == 302
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.status, claim.proposed_status) == ("unreviewed", "")


def test_admin_mark_action_proposes_and_a_second_editor_confirms(
    editor_client, second_client, editor
):
    claims = [make_claim(), make_claim()]
    changelist = reverse("admin:claims_claim_changelist")
    data = {"action": "mark_unverified", ACTION_CHECKBOX_NAME: [c.pk for c in claims]}
    versions = {f"version_{c.pk}": 1 for c in claims}
    response = editor_client.post(changelist, {**data, "apply": "yes", "note": "n", **versions})
    assert response.status_code == 302
    assert {c.proposed_status for c in Claim.objects.all()} == {"unverified"}

    confirm = {"action": "confirm_proposals", ACTION_CHECKBOX_NAME: [c.pk for c in claims]}
    page = editor_client.post(changelist, confirm)
    assert page.status_code == 200 and "Confirm 2 proposed verdict(s)" in page.content.decode()
    versions = {f"version_{c.pk}": 2 for c in claims}
    # The proposer is refused for each claim; the second editor confirms both.
    editor_client.post(changelist, {**confirm, "apply": "yes", **versions})
    assert {c.status for c in Claim.objects.all()} == {"unreviewed"}
    response = second_client.post(changelist, {**confirm, "apply": "yes", **versions})
    assert response.status_code == 302
    assert {(c.status, c.proposed_status) for c in Claim.objects.all()} == {("unverified", "")}
    assert "Confirmed 2 proposed verdict(s)." in second_client.get(changelist).content.decode()
