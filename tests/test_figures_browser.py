"""The figure panel in a real browser: the SVG timeline is drawn and visible next to the claim,
and an editor accepts the suggested status from it (through the admin confirmation page).

Saves a screenshot of the panel to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from claims.models import Claim, StatusChange
from tests.conftest import CHROMIUM
from tests.test_figures_service import load_corpus

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # live_server's thread must see committed data
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")


def test_editor_sees_the_timeline_and_accepts_the_suggestion(live_server, editor, browser):
    kz = load_corpus()
    claim = kz.claims[14]  # the opposition's "more than 200", disputed by the health ministry's 164
    client = Client()
    client.force_login(editor)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/review/claims/{claim.pk}/")
    chart = page.locator("svg.figure-chart")
    sync_api.expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 250  # laid out, not collapsed
    assert page.locator("svg.figure-chart g.point").count() == 7
    sync_api.expect(page.locator("svg.figure-chart g.point.current")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#figure").screenshot(path=str(ARTIFACTS / "figure-panel.png"))

    page.get_by_role("link", name="Accept…").click()
    sync_api.expect(page.locator("#content-main table tbody tr")).to_have_count(1)
    page.get_by_role("button", name="Accept 1 suggestion").click()
    page.wait_for_url(f"{live_server.url}/review/claims/{claim.pk}/")
    context.close()

    assert Claim.objects.get(pk=claim.pk).status == "disputed"
    change = StatusChange.objects.get(claim_id=claim.pk)
    assert (change.to_status, change.changed_by_id) == ("disputed", editor.pk)
    # Only the claim the editor chose: the others keep waiting for a decision.
    assert StatusChange.objects.count() == 1
