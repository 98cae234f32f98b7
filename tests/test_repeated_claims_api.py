"""Repeated claims in the API: `matches` on the detail, `seen_before`, `apply_to_matches` on a
review, and POST /api/claims/{id}/apply-verdict/.

Matches are written as the import writes them (one ClaimMatch row from the later claim to the
earlier one); tests/test_repeated_claims_import.py covers finding them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from claims.models import Claim, ClaimMatch, Evidence, Outlet, StatusChange
from claims.services import claim_review
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db

SAME, SIMILAR = ClaimMatch.Relation.SAME, ClaimMatch.Relation.SIMILAR
PUBLISHED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def post(client: Client, url: str, **body) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def match(claim: Claim, earlier: Claim, relation: str, score: float) -> ClaimMatch:
    return ClaimMatch.objects.create(claim=claim, earlier=earlier, relation=relation, score=score)


@pytest.fixture
def story(db):
    """The wire story's claim, two reprints (`same`), and a paraphrase elsewhere (`similar`)."""
    wire = Outlet.objects.create(name="Wire Agency", kind=Outlet.Kind.AGENCY)
    original = make_claim(make_article(outlet=wire, published_at=PUBLISHED))
    reprint = make_claim(make_article(outlet=Outlet.objects.create(name="Daily Ledger")))
    second = make_claim(make_article(outlet=Outlet.objects.create(name="Evening Post")))
    paraphrase = make_claim(make_article())
    match(reprint, original, SAME, 0.97)
    match(second, original, SAME, 0.91)
    match(paraphrase, original, SIMILAR, 0.44)
    return {"original": original, "reprint": reprint, "second": second, "paraphrase": paraphrase}


# --- matches on the detail -----------------------------------------------------------------


def test_detail_lists_matches_in_both_directions_best_first_with_published_status(
    client, editor, story
):
    claim_review(claim=story["reprint"], status="verified", by=editor, note="Hospital list")
    data = client.get(f"/api/claims/{story['original'].id}/").json()
    assert data["matches"] == [
        {"id": story["reprint"].id, "relation": "same", "score": 0.97, "status": "verified"},
        {"id": story["second"].id, "relation": "same", "score": 0.91, "status": "unreviewed"},
        {
            "id": story["paraphrase"].id,
            "relation": "similar",
            "score": 0.44,
            "status": "unreviewed",
        },
    ]
    # From the later side, the earlier claim.
    data = client.get(f"/api/claims/{story['reprint'].id}/").json()
    assert data["matches"] == [
        {"id": story["original"].id, "relation": "same", "score": 0.97, "status": "unreviewed"}
    ]
    assert client.get(f"/api/claims/{make_claim().id}/").json()["matches"] == []


def test_matches_show_the_published_status_not_a_proposal(client, editor, settings, story):
    settings.CLAIMDESK_SIGNOFF = "required"
    claim_review(claim=story["reprint"], status="false", by=editor, note="Wrong")
    data = client.get(f"/api/claims/{story['original'].id}/").json()
    assert data["matches"][0]["status"] == "unreviewed"


def test_a_pair_matched_both_ways_round_shows_once(client, story):
    # An old article re-imported is matched against later ones: the pair is then stored twice.
    match(story["original"], story["reprint"], SAME, 0.95)
    ids = [m["id"] for m in client.get(f"/api/claims/{story['original'].id}/").json()["matches"]]
    assert ids == [story["reprint"].id, story["second"].id, story["paraphrase"].id]


def test_detail_query_count_with_matches(client, story, django_assert_num_queries):
    for n in range(5):
        match(make_claim(), story["original"], SIMILAR, 0.3 + n / 100)
    # 1 the claim with article, outlet and speaker; 2 evidence; 3 history; 4 the matches,
    # both directions, joined to both claims for the other one's status.
    with django_assert_num_queries(4):
        data = client.get(f"/api/claims/{story['original'].id}/").json()
    assert len(data["matches"]) == 8


# --- seen_before ------------------------------------------------------------------------


def test_seen_before_filter_both_ways(client, story):
    alone = make_claim()
    seen = {c["id"] for c in client.get("/api/claims/?seen_before=true").json()["results"]}
    assert seen == {c.id for c in story.values()}
    unseen = {c["id"] for c in client.get("/api/claims/?seen_before=false").json()["results"]}
    assert unseen == {alone.id}
    response = client.get("/api/claims/?seen_before=maybe")
    assert response.status_code == 400 and "seen_before" in response.json()


def test_seen_before_list_query_count(client, story, django_assert_num_queries):
    for _ in range(5):
        match(make_claim(), story["paraphrase"], SIMILAR, 0.3)
    # 1 the page: claims joined with article, outlet and speaker, WHERE (EXISTS a match from
    # the claim OR EXISTS a match to it)
    with django_assert_num_queries(1):
        data = client.get("/api/claims/?seen_before=true&page_size=50").json()
    assert len(data["results"]) == 9


# --- apply_to_matches ----------------------------------------------------------------------


def review(client: Client, claim: Claim, **body) -> object:
    body.setdefault("version", claim.version)
    return post(client, f"/api/claims/{claim.id}/review/", **body)


def test_review_applies_to_unreviewed_same_matches_and_says_what_it_skipped(
    editor_client, editor, second_editor, settings, story
):
    third = make_claim()
    match(third, story["original"], SAME, 0.9)
    claim_review(claim=story["second"], status="disputed", by=second_editor, note="Sources differ")
    settings.CLAIMDESK_SIGNOFF = "required"
    claim_review(claim=third, status="false", by=second_editor, note="Wrong")  # a proposal
    settings.CLAIMDESK_SIGNOFF = "off"

    response = review(
        editor_client,
        story["original"],
        status="verified",
        note="Hospital list",
        evidence=[{"url": "https://hospital.example/list"}],
        apply_to_matches=True,
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "verified"
    assert data["applied_to"] == [story["reprint"].id]
    assert data["skipped"] == [
        {"id": story["second"].id, "reason": "already reviewed"},
        {"id": third.id, "reason": "a proposal is pending"},
    ]
    reprint = Claim.objects.get(pk=story["reprint"].pk)
    assert (reprint.status, reprint.version, reprint.status_changed_by) == ("verified", 2, editor)
    change = StatusChange.objects.get(claim=reprint)
    assert change.note == (
        f"Same claim as #{story['original'].id} (Wire Agency, 30 Nov 2026), reviewed Verified: "
        "Hospital list"
    )
    assert Evidence.objects.get(claim=reprint).url == "https://hospital.example/list"
    # The similar match and the other claims are untouched.
    assert Claim.objects.get(pk=story["paraphrase"].pk).status == "unreviewed"
    assert Claim.objects.get(pk=story["second"].pk).status == "disputed"


def test_without_apply_to_matches_nothing_else_changes(editor_client, story):
    data = review(editor_client, story["original"], status="verified", note="ok").json()
    assert (data["applied_to"], data["skipped"]) == ([], [])
    assert Claim.objects.get(pk=story["reprint"].pk).status == "unreviewed"


def test_apply_to_matches_works_from_the_later_side_too(editor_client, story):
    data = review(
        editor_client, story["reprint"], status="unverified", apply_to_matches=True
    ).json()
    assert data["applied_to"] == [story["original"].id]
    assert Claim.objects.get(pk=story["original"].pk).status == "unverified"


def test_under_signoff_the_applied_reviews_are_proposals(editor_client, settings, story):
    settings.CLAIMDESK_SIGNOFF = "required"
    data = review(
        editor_client, story["original"], status="false", note="Wrong", apply_to_matches=True
    ).json()
    assert sorted(data["applied_to"]) == sorted([story["reprint"].id, story["second"].id])
    for claim in (story["reprint"], story["second"]):
        claim = Claim.objects.get(pk=claim.pk)
        assert (claim.status, claim.proposed_status) == ("unreviewed", "false")
        assert StatusChange.objects.get(claim=claim).kind == "proposal"
    # A proposal is not published: the API's status and the change feed stay as they were.
    assert client_status(editor_client, story["reprint"]) == "unreviewed"


def client_status(client: Client, claim: Claim) -> str:
    return client.get(f"/api/claims/{claim.id}/").json()["status"]


def test_a_stale_review_applies_nothing(editor_client, second_editor, story):
    claim_review(claim=story["original"], status="disputed", by=second_editor, note="x")
    response = review(
        editor_client, story["original"], status="verified", note="y", version=1,
        apply_to_matches=True,
    )  # fmt: skip
    assert response.status_code == 409
    assert Claim.objects.get(pk=story["reprint"].pk).status == "unreviewed"


def test_apply_to_matches_must_be_a_boolean(editor_client, story):
    response = review(editor_client, story["original"], status="verified", apply_to_matches="x")
    assert response.status_code == 400 and "apply_to_matches" in response.json()


# --- apply-verdict -------------------------------------------------------------------------


def apply_verdict(client: Client, claim: Claim, source: Claim, **body) -> object:
    body.setdefault("version", claim.version)
    return post(client, f"/api/claims/{claim.id}/apply-verdict/", **{"from": source.id, **body})


def test_apply_verdict_copies_status_evidence_and_names_the_source(editor_client, editor, story):
    original = story["original"]
    claim_review(
        claim=original,
        status="false",
        by=editor,
        note="The ministry's own list says 4",
        evidence=[{"url": "https://ministry.example/list", "stance": "refutes", "title": "List"}],
    )
    response = apply_verdict(editor_client, story["reprint"], original)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["version"]) == ("false", 2)
    assert data["history"][-1]["note"] == (
        f"Verdict applied from claim #{original.id} (Wire Agency, 30 Nov 2026): "
        "The ministry's own list says 4"
    )
    [evidence] = data["evidence"]
    assert (evidence["url"], evidence["stance"], evidence["title"]) == (
        "https://ministry.example/list",
        "refutes",
        "List",
    )
    # The other way round works too: the earlier claim takes a later one's verdict.
    assert apply_verdict(editor_client, story["second"], original).status_code == 200


def test_apply_verdict_refusals(editor_client, viewer, editor, story):
    original, reprint = story["original"], story["reprint"]
    no_verdict = apply_verdict(editor_client, reprint, original)
    assert no_verdict.status_code == 400 and "no verdict" in no_verdict.json()["from"][0]
    claim_review(claim=original, status="verified", by=editor, note="ok")
    stranger = make_claim()
    claim_review(claim=stranger, status="verified", by=editor, note="ok")
    not_a_match = apply_verdict(editor_client, reprint, stranger)
    assert not_a_match.status_code == 400 and "not a match" in not_a_match.json()["from"][0]
    stale = apply_verdict(editor_client, reprint, original, version=7)
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 1
    missing = post(editor_client, "/api/claims/999999/apply-verdict/", **{"from": 1, "version": 1})
    assert missing.status_code == 404
    for bad in ({"version": 1}, {"from": "x", "version": 1}, {"from": 2**70, "version": 1}):
        response = post(editor_client, f"/api/claims/{reprint.id}/apply-verdict/", **bad)
        assert response.status_code == 400 and "from" in response.json()
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert apply_verdict(viewer_client, reprint, original).status_code == 403
    assert Claim.objects.get(pk=reprint.pk).status == "unreviewed"
