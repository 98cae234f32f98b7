"""Repeated claims in the review UI: "Seen before" on the claim page, "Apply this verdict",
"Apply to N matching claims" after a decision, and the queue's "Already checked elsewhere";
and the service under them (claims/services/match_review.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from claims.matching.diff import word_diff
from claims.models import Article, Claim, ClaimMatch, Evidence, Outlet, StatusChange
from claims.services import claim_review
from claims.services.match_review import claim_review_apply_to_matches
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db

Status = Claim.Status
SAME, SIMILAR = ClaimMatch.Relation.SAME, ClaimMatch.Relation.SIMILAR
ORIGINAL = "Police said 12 protesters were arrested in the capital on Friday."
REPRINT = "Police said 12 protesters were arrested on Friday <b>night</b>."
PARAPHRASE = "Twelve protesters were detained, police said."


def article_with(sentence: str, outlet_name: str, day: int):
    outlet = Outlet.objects.create(name=outlet_name)
    published = datetime(2026, 11, day, 8, 0, tzinfo=UTC)
    return make_article(body=sentence, outlet=outlet, published_at=published)


@pytest.fixture
def story(db):
    original = make_claim(article_with(ORIGINAL, "Wire Agency", 28), sentence=ORIGINAL)
    reprint = make_claim(article_with(REPRINT, "Daily Ledger", 29), sentence=REPRINT)
    second = make_claim(article_with(ORIGINAL, "Evening Post", 29), sentence=ORIGINAL)
    paraphrase = make_claim(article_with(PARAPHRASE, "Morning Star", 30), sentence=PARAPHRASE)
    ClaimMatch.objects.create(claim=reprint, earlier=original, relation=SAME, score=0.9)
    ClaimMatch.objects.create(claim=second, earlier=original, relation=SAME, score=0.99)
    ClaimMatch.objects.create(claim=paraphrase, earlier=original, relation=SIMILAR, score=0.4)
    return {"original": original, "reprint": reprint, "second": second, "paraphrase": paraphrase}


def page(client, claim):
    return client.get(reverse("claims:claim", args=[claim.pk]))


def test_word_diff_marks_the_words_that_differ():
    assert word_diff("Police said 12 were held on Friday.", "police said 12 were held Friday") == [
        ("equal", "police said 12 were held"),
        ("delete", "on"),
        ("equal", "Friday"),
    ]
    assert word_diff("a b", "a c") == [("equal", "a"), ("delete", "b"), ("insert", "c")]


@given(old=st.text(max_size=80), new=st.text(max_size=80))
def test_word_diff_keeps_every_word_of_both_sentences(old, new):
    runs = word_diff(old, new)
    assert " ".join(t for op, t in runs if op != "delete").split() == new.split()
    assert len(" ".join(t for op, t in runs if op != "insert").split()) == len(old.split())


# --- Seen before ---------------------------------------------------------------------------


def test_claim_page_shows_seen_before_with_relation_status_outlet_date_and_diff(
    editor_client, editor, story
):
    claim_review(claim=story["second"], status=Status.VERIFIED, by=editor, note="Court list")
    html = page(editor_client, story["reprint"]).content.decode()
    assert 'id="seen-before"' in html and "Seen before" in html
    seen = html[html.index('id="seen-before"') :]
    seen = seen[: seen.index("</section>")]
    assert f"Claim #{story['original'].pk}" in seen and "Wire Agency" in seen
    assert "28 Nov 2026" in seen and "Same claim" in seen and "Unreviewed" in seen
    # The words that differ, escaped: the reprint's own "<b>night</b>" is text, not markup.
    assert "<del>in the capital</del>" in seen
    assert "&lt;b&gt;night&lt;/b&gt;.</ins>" in seen and "<b>night" not in seen
    # The original sees all three, best first, the similar one last.
    html = page(editor_client, story["original"]).content.decode()
    order = [html.index(f"Claim #{story[k].pk}</a>") for k in ("second", "reprint", "paraphrase")]
    assert order == sorted(order) and "Similar" in html


def test_claim_page_says_when_its_matches_are_still_being_looked_for(editor_client, settings):
    from claims.services.imports import article_import
    from claims.services.matching import article_claims_match
    from tests.test_import_service import fake_extractor, record

    settings.CLAIMDESK_MATCH_QUEUED = True  # as with a broker: matching is a job after the import
    ids = [
        article_import(
            record=record(ORIGINAL, title=t, url=u, outlet=o), extractor=fake_extractor
        ).article_id
        for t, u, o in [
            ("Held", "https://wire.example/1", "Wire"),
            ("Held", "https://l.example/2", "Ledger"),
        ]
    ]
    reprinted = Claim.objects.filter(article_id=ids[1]).first()
    html = page(editor_client, reprinted).content.decode()
    assert 'id="matching-pending"' in html and "still being looked for" in html
    assert 'id="seen-before"' not in html

    article_claims_match(article_id=ids[1])  # the job, on a worker
    html = page(editor_client, reprinted).content.decode()
    assert 'id="matching-pending"' not in html and 'id="seen-before"' in html
    # With matching off, nothing is being looked for, whatever matched_at says.
    settings.CLAIMDESK_MATCH_ON_IMPORT = False
    Article.objects.filter(pk=ids[1]).update(matched_at=None)
    ClaimMatch.objects.all().delete()
    html = page(editor_client, reprinted).content.decode()
    assert 'id="matching-pending"' not in html and "Seen before" not in html


def test_apply_this_verdict_is_offered_for_matches_with_a_verdict_only(
    editor_client, viewer_client, editor, story
):
    assert "Apply this verdict" not in page(editor_client, story["reprint"]).content.decode()
    claim_review(claim=story["original"], status=Status.FALSE, by=editor, note="Only 4")
    assert "Apply this verdict" in page(editor_client, story["reprint"]).content.decode()
    assert "Apply this verdict" not in page(viewer_client, story["reprint"]).content.decode()


def apply_verdict(client, claim, source, version=None):
    data = {"source": source.pk, "version": version or claim.version}
    return client.post(reverse("claims:apply_verdict", args=[claim.pk]), data)


def test_apply_this_verdict_reviews_the_claim_with_the_sources_status_evidence_and_note(
    editor_client, editor, story
):
    original, reprint = story["original"], story["reprint"]
    claim_review(
        claim=original,
        status=Status.FALSE,
        by=editor,
        note="The court list names 4",
        evidence=[{"url": "https://court.example/list", "stance": "refutes"}],
    )
    response = apply_verdict(editor_client, reprint, original)
    assert response.status_code == 302
    reprint.refresh_from_db()
    assert (reprint.status, reprint.version) == (Status.FALSE, 2)
    change = StatusChange.objects.get(claim=reprint)
    assert change.note == (
        f"Verdict applied from claim #{original.pk} (Wire Agency, 28 Nov 2026): "
        "The court list names 4"
    )
    assert Evidence.objects.get(claim=reprint).stance == "refutes"
    html = editor_client.get(response["Location"]).content.decode()
    assert f"False applied from claim #{original.pk}" in html


def test_apply_this_verdict_on_a_stale_page_is_a_conflict(
    editor_client, editor, second_editor, story
):
    claim_review(claim=story["original"], status=Status.FALSE, by=editor, note="Only 4")
    claim_review(claim=story["reprint"], status=Status.DISPUTED, by=second_editor, note="Hm")
    response = apply_verdict(editor_client, story["reprint"], story["original"], version=1)
    assert response.status_code == 409
    assert "Someone else decided first" in response.content.decode()
    assert Claim.objects.get(pk=story["reprint"].pk).status == Status.DISPUTED


def test_apply_this_verdict_refusals(editor_client, viewer_client, editor, story):
    stranger = make_claim()
    claim_review(claim=stranger, status=Status.FALSE, by=editor, note="x")
    response = apply_verdict(editor_client, story["reprint"], stranger)
    assert response.status_code == 302
    assert (
        "is not a match of this claim" in editor_client.get(response["Location"]).content.decode()
    )
    bad = editor_client.post(
        reverse("claims:apply_verdict", args=[story["reprint"].pk]), {"source": "x"}
    )
    assert bad.status_code == 302
    assert apply_verdict(viewer_client, story["reprint"], stranger).status_code == 403
    assert Claim.objects.get(pk=story["reprint"].pk).status == Status.UNREVIEWED


# --- Apply to N matching claims -------------------------------------------------------------


def decide(client, claim, status, note):
    data = {"status": status, "note": note, "version": claim.version}
    return client.post(reverse("claims:decide", args=[claim.pk]), data)


def test_deciding_a_claim_with_unreviewed_same_matches_stays_and_offers_to_apply(
    editor_client, editor, second_editor, story
):
    original = story["original"]
    response = decide(editor_client, original, Status.VERIFIED, "Court list")
    assert response["Location"] == reverse("claims:claim", args=[original.pk]) + "#apply-offer"
    html = editor_client.get(response["Location"]).content.decode()
    assert "2 matching claims of other articles are still unreviewed" in html
    assert "Apply to 2 matching claims" in html
    offer = html[html.index('id="apply-offer"') :]
    offer = offer[: offer.index("</form>")]
    for key in ("reprint", "second"):
        assert f'value="{story[key].pk}:1"' in offer
    assert f'value="{story["paraphrase"].pk}:' not in offer  # similar: a suggestion only

    # A colleague reviews one of them while the page is open: it is skipped, the other done.
    claim_review(claim=story["second"], status=Status.DISPUTED, by=second_editor, note="Hm")
    original.refresh_from_db()
    data = {
        "version": original.version,
        "match": [f"{story['reprint'].pk}:1", f"{story['second'].pk}:1"],
    }
    response = editor_client.post(reverse("claims:apply_to_matches", args=[original.pk]), data)
    assert response.status_code == 302
    html = editor_client.get(response["Location"]).content.decode()
    assert f"Applied to 1 matching claim: #{story['reprint'].pk}." in html
    assert f"Skipped 1: #{story['second'].pk} already reviewed." in html
    reprint = Claim.objects.get(pk=story["reprint"].pk)
    assert reprint.status == Status.VERIFIED
    assert StatusChange.objects.get(claim=reprint).note.endswith("reviewed Verified: Court list")
    assert Claim.objects.get(pk=story["second"].pk).status == Status.DISPUTED
    # Nothing left to offer.
    assert "Apply to" not in page(editor_client, original).content.decode()


def test_apply_to_matches_refuses_a_stale_claim_page(editor_client, editor, story):
    original = story["original"]
    claim_review(claim=original, status=Status.VERIFIED, by=editor, note="ok")
    data = {"version": 1, "match": [f"{story['reprint'].pk}:1"]}
    response = editor_client.post(reverse("claims:apply_to_matches", args=[original.pk]), data)
    html = editor_client.get(response["Location"]).content.decode()
    assert "changed since you opened it; nothing was applied" in html
    assert Claim.objects.get(pk=story["reprint"].pk).status == Status.UNREVIEWED
    for bad in ["1:x", "²:1", "1:" + "9" * 30, ":"]:
        garbled = {"version": 2, "match": [bad]}
        url = reverse("claims:apply_to_matches", args=[original.pk])
        response = editor_client.post(url, garbled)
        assert "garbled" in editor_client.get(response["Location"]).content.decode(), bad


def test_deciding_a_claim_without_pending_matches_goes_on_to_the_next(editor_client, story):
    alone = make_claim()
    response = decide(editor_client, alone, Status.VERIFIED, "ok")
    assert "apply-offer" not in response["Location"]


def test_service_skips_stale_not_same_and_not_permitted(editor, viewer, story):
    original = story["original"]
    claim_review(claim=original, status=Status.VERIFIED, by=editor, note="ok")
    versions = {story["reprint"].pk: 7, story["second"].pk: 1, story["paraphrase"].pk: 1}
    result = claim_review_apply_to_matches(
        claim=original, status=Status.VERIFIED, by=editor, versions=versions
    )
    assert result.applied == [story["second"].pk]
    assert {(s.id, s.reason) for s in result.skipped} == {
        (story["paraphrase"].pk, "not a same match"),
        (story["reprint"].pk, "changed meanwhile"),
    }
    result = claim_review_apply_to_matches(claim=original, status=Status.VERIFIED, by=viewer)
    assert result.applied == []
    assert {s.reason for s in result.skipped} == {"not permitted"}


# --- The queue -------------------------------------------------------------------------------


def test_queue_filter_already_checked_elsewhere_and_its_mark(editor_client, editor, story):
    claim_review(claim=story["original"], status=Status.FALSE, by=editor, note="Only 4")
    alone = make_claim()
    response = editor_client.get(reverse("claims:queue"), {"seen": "checked"})
    ids = {c.pk for c in response.context["page"].object_list}
    assert ids == {story["reprint"].pk, story["second"].pk, story["paraphrase"].pk}
    response = editor_client.get(reverse("claims:queue"))  # unreviewed, any
    html = response.content.decode()
    # The mark names the claim with the verdict.
    rows = {c.pk: c.checked_elsewhere for c in response.context["page"].object_list}
    assert rows[alone.pk] is None and rows[story["reprint"].pk] == story["original"].pk
    assert html.count('class="flag checked-elsewhere"') == 3
    # "Seen before" lists every claim with a match, either way round.
    response = editor_client.get(reverse("claims:queue"), {"seen": "seen", "status": "any"})
    assert {c.pk for c in response.context["page"].object_list} == {c.pk for c in story.values()}
    # A bad value is dropped like the queue's other filters: a stale bookmark still opens.
    assert editor_client.get(reverse("claims:queue"), {"seen": "bogus"}).status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_queue_query_count_with_matches(editor_client, editor, story, django_assert_num_queries, n):
    claim_review(claim=story["original"], status=Status.FALSE, by=editor, note="Only 4")
    for _ in range(n):
        ClaimMatch.objects.create(
            claim=make_claim(), earlier=story["original"], relation=SAME, score=0.9
        )
    # 1 session, 2 user, 3-4 the user's and their groups' permissions, 5 outlets for the
    # filter, 6 count (WHERE id IN a UNION of the matched ids), 7 the page of claims with
    # article, outlet and speaker joined and the "checked elsewhere" mark (two scalar
    # subqueries per row).
    with django_assert_num_queries(7):
        response = editor_client.get(reverse("claims:queue"), {"seen": "checked"})
    assert len(response.context["page"].object_list) == n + 3


@pytest.mark.parametrize("n", [3, 30])
def test_claim_page_query_count_with_matches(
    editor_client, editor, story, django_assert_num_queries, n
):
    for i in range(n):
        other = make_claim(article_with(ORIGINAL, f"Outlet {i}", 30), sentence=ORIGINAL)
        ClaimMatch.objects.create(claim=other, earlier=story["original"], relation=SAME, score=0.5)
    claim_review(claim=story["original"], status=Status.VERIFIED, by=editor, note="ok")
    # 1 session, 2 user, 3-4 permissions, 5 every claim on the page, its matches among them
    # (each with its relation and score, its article and outlet), 6 history, 7 evidence; no
    # figure or resolved speaker, so the figure panel looks nothing up.
    with django_assert_num_queries(7):
        response = page(editor_client, story["original"])
    assert len(response.context["seen_before"]) == n + 3
    assert f"Apply to {n + 2} matching claims" in response.content.decode()


def test_under_signoff_the_offer_applies_the_proposal_as_proposals(editor_client, settings, story):
    settings.CLAIMDESK_SIGNOFF = "required"
    original = story["original"]
    response = decide(editor_client, original, Status.FALSE, "Only 4 on the list")
    html = editor_client.get(response["Location"]).content.decode()
    assert "This claim is <strong>False</strong> (proposed)" in html
    original.refresh_from_db()
    data = {"version": original.version, "match": [f"{story['reprint'].pk}:1"]}
    editor_client.post(reverse("claims:apply_to_matches", args=[original.pk]), data)
    reprint = Claim.objects.get(pk=story["reprint"].pk)
    assert (reprint.status, reprint.proposed_status) == (Status.UNREVIEWED, Status.FALSE)
    assert StatusChange.objects.get(claim=reprint).kind == StatusChange.Kind.PROPOSAL
