"""Repeated claims in a real browser: a wire story and its reprint imported (matching on), a
claim of the story reviewed with the keyboard, the reprint's claim showing "Seen before", and
"Apply this verdict" and "Apply to N matching claims" used with the keyboard (a / m, then Enter),
with the database checked."""

from __future__ import annotations

import pytest

from claims.models import Article, Claim, StatusChange
from claims.services.imports import article_import
from tests.conftest import CHROMIUM
from tests.test_browser_review import login, shoot
from tests.test_import_service import fake_extractor, record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # live_server's thread must see committed data
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

STORY = (
    "Police said 12 protesters were arrested on Friday in the capital after a march that "
    "began peacefully. Residents described a tense night in the old town, where shops stayed "
    "shuttered and public transport stopped early. Officials urged people to stay indoors "
    "until the morning, and the ministry promised an inquiry into the clashes. "
    "Medics said 2 people were killed near the main square."
)
REPRINT = STORY.replace(" in the capital after a march that began peacefully", "")


@pytest.fixture
def story(db):
    """The story and its reprint, imported as an import job would (matching in the import)."""
    ids = []
    for body, title, url, outlet in [
        (STORY, "Twelve held after march", "https://wire.example/1", "Wire Agency"),
        (REPRINT, "Arrests in the capital", "https://ledger.example/2", "Daily Ledger"),
    ]:
        result = article_import(
            record=record(body, title=title, url=url, outlet=outlet), extractor=fake_extractor
        )
        ids.append(result.article_id)
    original, reprint = (Article.objects.get(pk=pk) for pk in ids)
    assert reprint.reprint_of_id == original.pk
    claims = {
        name: list(Claim.objects.filter(article=article).order_by("start"))
        for name, article in (("original", original), ("reprint", reprint))
    }
    return claims


def test_review_then_apply_this_verdict_on_the_reprint(browser, live_server, editor, story):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server.url, editor.username)
    arrests, reprinted = story["original"][0], story["reprint"][0]

    # Review the story's arrest claim with the keyboard.
    page.goto(f"{live_server.url}/review/claims/{arrests.pk}/")
    page.keyboard.press("f")
    page.keyboard.type("The court list names 4 people.")
    page.keyboard.press("Control+Enter")
    # The claim has an unreviewed reprint: the page stays and offers to apply the decision.
    expect(page.locator(".message.info")).to_contain_text("1 matching claim of other articles")
    expect(page.locator("#apply-offer button")).to_have_text("Apply to 1 matching claim")
    expect(page.locator(".toolbar-title")).to_contain_text(f"Claim #{arrests.pk}")
    assert Claim.objects.get(pk=arrests.pk).status == "false"

    # Open the reprint's claim from "Seen before" instead.
    seen = page.locator("#seen-before")
    seen.get_by_role("link", name=f"Claim #{reprinted.pk}").click()
    expect(page.locator(".toolbar-title")).to_contain_text(f"Claim #{reprinted.pk}")
    seen = page.locator("#seen-before")
    expect(seen).to_contain_text("Seen before")
    expect(seen).to_contain_text(f"Claim #{arrests.pk}")
    expect(seen).to_contain_text("Wire Agency")
    expect(seen.locator(".badge.status-false")).to_have_text("False")
    expect(seen.locator(".match .diff del")).to_contain_text("in the capital after a march")
    shoot(page, "repeated-seen-before.png")

    # a puts the focus on the first "Apply this verdict" (no review yet); Enter applies it.
    page.keyboard.press("a")
    expect(seen.get_by_role("button", name="Apply this verdict")).to_be_focused()
    assert Claim.objects.get(pk=reprinted.pk).status == "unreviewed"
    page.keyboard.press("Enter")
    expect(page.locator(".message.success")).to_contain_text(
        f"Claim #{reprinted.pk}: False applied from claim #{arrests.pk}."
    )
    expect(page.locator(".claim-toolbar .badge")).to_have_text("False")
    expect(page.locator("ol.history")).to_contain_text(
        f"Verdict applied from claim #{arrests.pk} (Wire Agency"
    )
    fresh = Claim.objects.get(pk=reprinted.pk)
    assert (fresh.status, fresh.status_changed_by_id) == ("false", editor.pk)
    assert StatusChange.objects.get(claim=reprinted).note.endswith(
        ": The court list names 4 people."
    )
    # The keyboard still works on the page: j goes on through the queue.
    page.keyboard.press("j")
    expect(page.locator(".toolbar-title")).not_to_contain_text(f"Claim #{reprinted.pk}")
    assert errors == []
    page.close()


def test_apply_to_matching_claims_after_a_decision(browser, live_server, editor, story):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    login(page, live_server.url, editor.username)
    killed = story["original"][1]
    page.goto(f"{live_server.url}/review/claims/{killed.pk}/")
    page.keyboard.press("v")
    page.keyboard.type("Hospital list.")
    page.keyboard.press("Control+Enter")
    # m puts the focus on the offer's button; Enter applies it.
    expect(page.locator("#apply-offer button")).to_be_visible()
    page.keyboard.press("m")
    expect(page.locator("#apply-offer button")).to_be_focused()
    page.keyboard.press("Enter")
    reprinted = story["reprint"][1]
    expect(page.locator(".message.success")).to_contain_text(
        f"Applied to 1 matching claim: #{reprinted.pk}."
    )
    expect(page.locator("#apply-offer")).to_have_count(0)
    assert Claim.objects.get(pk=reprinted.pk).status == "verified"
    shoot(page, "repeated-applied.png")
    page.close()
