"""The review UI in a real browser: Playwright driving Debian's chromium against live_server.

Logs in, works through the queue with the keyboard, checks the database, provokes a conflict,
and saves screenshots to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from claims.models import Claim, StatusChange
from claims.services import claim_review
from claims.services.figures import figures_refresh_for_article
from tests.conftest import CHROMIUM, PASSWORD, make_article, make_claim

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # live_server's thread must see committed data
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

FILLER = (
    "Residents described a tense night in the old town, where shops stayed shuttered and "
    "public transport stopped early. Officials urged people to stay indoors until the morning."
)
SENTENCES = [
    "The interior ministry said 26 protesters were killed on Friday.",
    "Police said 3,800 people were detained across the country.",
    "Hospital officials said more than 400 people were injured.",
    "Rights groups said at least 9,900 people had been arrested by Sunday.",
]


@pytest.fixture
def claims(outlet, actor):
    # Long filler between the sentences, so highlighting has to scroll to be seen.
    paragraphs = []
    for sentence in SENTENCES:
        paragraphs += [FILLER] * 6 + [sentence]
    body = "\n\n".join([*paragraphs, FILLER])
    article = make_article(
        title="Death toll rises as unrest spreads",
        body=body,
        outlet=outlet,
        url="https://ledger.example/unrest",
    )
    shapes = [
        (26, Claim.Kind.CASUALTY, Claim.Outcome.KILLED, Claim.Qualifier.EXACT),
        (3800, Claim.Kind.ARREST, Claim.Outcome.DETAINED, Claim.Qualifier.EXACT),
        (400, Claim.Kind.CASUALTY, Claim.Outcome.INJURED, Claim.Qualifier.MORE_THAN),
        (9900, Claim.Kind.ARREST, Claim.Outcome.ARRESTED, Claim.Qualifier.AT_LEAST),
    ]
    claims = [
        make_claim(
            article,
            sentence=sentence,
            speaker=actor,
            speaker_role="police spokeswoman",
            value_low=value,
            value_high=None if qualifier != Claim.Qualifier.EXACT else value,
            kind=kind,
            outcome=outcome,
            qualifier=qualifier,
            is_hedged=index == 2,
            hedges=["could not be independently verified"] if index == 2 else [],
        )
        for index, (sentence, (value, kind, outcome, qualifier)) in enumerate(
            zip(SENTENCES, shapes, strict=True)
        )
    ]
    # Group them into figures as an import would, so the claim page shows its figure panel.
    figures_refresh_for_article(article=article)
    return claims


def login(page, base_url: str, username: str, screenshot: str = "") -> None:
    page.goto(f"{base_url}/review/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/review/")
    if screenshot:
        shoot(page, screenshot)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()


def shoot(page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def test_review_three_claims_with_the_keyboard_then_hit_a_conflict(
    browser, live_server, editor, second_editor, claims
):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server.url, editor.username, screenshot="review-login.png")
    newest_first = list(reversed(claims))
    rows = page.locator("table.claims tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_class("selected")
    shoot(page, "review-queue.png")

    # j/k move the selection in the queue; Enter opens the selected claim.
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("selected")
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    title = page.locator(".toolbar-title")
    expect(title).to_contain_text(f"Claim #{newest_first[0].pk}")
    mark = page.locator("mark#claim-sentence")
    expect(mark).to_have_text(SENTENCES[3])
    expect(mark).to_be_in_viewport()
    shoot(page, "review-claim.png")

    # ? opens the shortcuts help; Escape closes it.
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    # e opens the evidence form with the link field focused; Escape leaves the field.
    page.keyboard.press("e")
    expect(page.locator("#evidence-form input[type=url]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#evidence-form input[type=url]")).not_to_be_focused()

    # On a claim, j/k open the next/previous claim of the queue.
    page.keyboard.press("j")
    expect(title).to_contain_text(f"Claim #{newest_first[1].pk}")
    page.keyboard.press("k")
    expect(title).to_contain_text(f"Claim #{newest_first[0].pk}")

    decisions = [
        (newest_first[0], "d", "disputed", "Other agencies report 5,800."),
        (newest_first[1], "u", "unverified", ""),
        (newest_first[2], "v", "verified", "AP and Reuters both confirm."),
    ]
    for index, (claim, key, status, note) in enumerate(decisions):
        expect(title).to_contain_text(f"Claim #{claim.pk}")
        page.keyboard.press(key)
        expect(page.locator(f'input[name="status"][value="{status}"]')).to_be_checked()
        expect(page.locator("#decision-form textarea")).to_be_focused()
        page.keyboard.type(note)
        page.keyboard.press("Control+Enter")
        # The next claim of the queue opens without a full reload.
        following = newest_first[index + 1]
        expect(title).to_contain_text(f"Claim #{following.pk}")
        expect(page.locator(".message.success")).to_contain_text(f"Claim #{claim.pk} marked")
        expect(page).to_have_url(f"{live_server.url}/review/claims/{following.pk}/")
        expect(page.locator("mark#claim-sentence")).to_be_in_viewport()

    for claim, _, status, note in decisions:
        fresh = Claim.objects.get(pk=claim.pk)
        assert (fresh.status, fresh.version, fresh.status_changed_by_id) == (status, 2, editor.pk)
        change = StatusChange.objects.get(claim=claim)
        assert (change.from_status, change.to_status, change.note, change.changed_by_id) == (
            "unreviewed",
            status,
            note,
            editor.pk,
        )

    # The three reviewed claims have left the "unreviewed" queue: k finds nothing before this.
    last = newest_first[3]
    page.keyboard.press("k")
    expect(page.locator(".message.info")).to_contain_text("This is the first claim in the queue.")
    expect(title).to_contain_text(f"Claim #{last.pk}")

    # Erin decides the last claim while Eddie has it open at version 1.
    claim_review(
        claim=last,
        status="disputed",
        by=second_editor,
        note="Police now say 5,800.",
        expected_version=1,
    )
    page.keyboard.press("f")
    page.keyboard.type("Contradicted by the ministry.")
    page.keyboard.press("Control+Enter")
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("Someone else decided first")
    expect(conflict).to_contain_text("erin changed this claim to Disputed")
    expect(conflict).to_contain_text("Police now say 5,800.")
    expect(page.locator("#decision-form textarea")).to_have_value("Contradicted by the ministry.")
    expect(page.locator('input[name="status"][value="false"]')).to_be_checked()
    expect(page).to_have_url(f"{live_server.url}/review/claims/{last.pk}/")
    shoot(page, "review-conflict.png")
    fresh = Claim.objects.get(pk=last.pk)
    assert (fresh.status, fresh.version) == ("disputed", 2)
    assert list(StatusChange.objects.filter(claim=last).values_list("note", flat=True)) == [
        "Police now say 5,800."
    ]
    # A reviewed claim shows its history and evidence.
    page.goto(f"{live_server.url}/review/claims/{newest_first[2].pk}/?status=any")
    history = page.locator("ol.history")
    expect(history).to_contain_text("Unreviewed → Verified")
    expect(history).to_contain_text("AP and Reuters both confirm.")
    shoot(page, "review-claim-reviewed.png", full_page=True)
    assert errors == []
    page.close()


def test_plain_forms_work_without_javascript(browser, live_server, editor, claims):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1400, "height": 900}
    )
    page = context.new_page()
    login(page, live_server.url, editor.username)
    page.locator("table.claims tbody tr .sentence a").first.click()
    decision = page.locator("#decision-form")
    decision.get_by_label("Disputed").check()
    decision.get_by_label("Note").fill("Figures conflict.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".message.success")).to_contain_text(
        f"Claim #{claims[3].pk} marked Disputed"
    )
    assert Claim.objects.get(pk=claims[3].pk).status == "disputed"

    # Evidence through its own form.
    page.locator(".evidence-add summary").click()
    page.locator("#evidence-form").get_by_label("Link").fill("https://wire.example/report")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".evidence-list")).to_contain_text("https://wire.example/report")
    context.close()


def test_admin_review_action_with_confirmation(browser, live_server, editor, claims):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/admin/claims/claim/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for claim in claims[:2]:
        page.locator(f'input.action-select[value="{claim.pk}"]').check()
    page.select_option('select[name="action"]', "mark_unverified")
    page.locator('button[name="index"]').click()
    expect(page.get_by_role("heading", name="Mark 2 claims as Unverified")).to_be_visible()
    shoot(page, "admin-confirm.png")
    page.get_by_label("Note").fill("Could not reach the ministry.")
    page.get_by_role("button", name="Mark 2 as Unverified").click()
    expect(page.locator(".messagelist")).to_contain_text("Marked 2 claims as Unverified.")
    shoot(page, "admin-claims.png")
    for claim in claims[:2]:
        change = StatusChange.objects.get(claim=claim)
        assert (change.to_status, change.note, change.changed_by_id) == (
            "unverified",
            "Could not reach the ministry.",
            editor.pk,
        )
    assert not StatusChange.objects.filter(claim__in=claims[2:]).exists()
    page.close()
