"""Sign-off in a real browser (CLAIMDESK_SIGNOFF=required): Eddie proposes a verdict in the
review UI, is refused when he tries to confirm it himself (the page says why), Erin confirms
it, and only then do the public API, the Atom feed and the public claim page show it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from claims.models import Claim, StatusChange
from tests.conftest import CHROMIUM, make_article, make_claim
from tests.test_browser_review import login, shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),  # live_server's thread must see committed data
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def claim(outlet):  # type: ignore[no-untyped-def]
    sentence = "The health ministry said 164 people were killed in the unrest."
    article = make_article(title="Toll rises", body=sentence, outlet=outlet)
    return make_claim(
        article, sentence=sentence, kind=Claim.Kind.CASUALTY, value_low=164, value_high=164
    )


def published(claim: Claim) -> tuple[str, str, list[str]]:
    """What an anonymous reader sees: the API's status and proposal, and the Atom titles."""
    reader = Client()
    data = reader.get(f"/api/claims/{claim.pk}/").json()
    feed = ET.fromstring(reader.get("/feeds/status-changes/").content)
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    return data["status"], data["proposed_status"], titles


def test_a_second_editor_confirms_what_the_first_proposed(
    settings, browser, live_server, editor, second_editor, claim
):
    settings.CLAIMDESK_SIGNOFF = "required"
    claim_url = f"{live_server.url}/review/claims/{claim.pk}/"
    errors: list[str] = []

    # Eddie proposes Verified.
    eddie = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    eddie.on("pageerror", lambda exc: errors.append(str(exc)))
    login(eddie, live_server.url, editor.username)
    eddie.goto(claim_url)
    decision = eddie.locator("#decision-form")
    decision.locator('input[name="status"][value="verified"]').check()
    decision.get_by_label("Note").fill("The hospital list has 164 names.")
    eddie.get_by_role("button", name="Save decision").click()
    expect(eddie.locator(".message.success")).to_contain_text(
        f"Claim #{claim.pk}: Verified proposed; a second editor signs off."
    )
    assert published(claim) == ("unreviewed", "verified", [])

    # His own proposal: no buttons, and the page says why.
    eddie.goto(claim_url)
    signoff = eddie.locator("#signoff")
    expect(signoff).to_contain_text("Awaiting sign-off")
    expect(signoff).to_contain_text("Verified proposed by eddie")
    expect(signoff).to_contain_text("You proposed it: another editor confirms or returns it.")
    expect(signoff.get_by_role("button", name="Confirm")).to_have_count(0)
    shoot(eddie, "signoff-own-proposal.png")
    # Posting the confirmation anyway (a form kept from elsewhere) is refused, and says why.
    eddie.evaluate(
        """([action, version]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            const fields = {
                csrfmiddlewaretoken: document.querySelector("[name=csrfmiddlewaretoken]").value,
                action: "confirm", version: version, note: "",
            };
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [f"/review/claims/{claim.pk}/signoff/", str(Claim.objects.get(pk=claim.pk).version)],
    )
    expect(eddie.locator("#signoff .errors")).to_contain_text(
        "You proposed this verdict; another editor must confirm it."
    )
    assert published(claim) == ("unreviewed", "verified", [])

    # Erin sees the proposal with its buttons and confirms it.
    erin = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    erin.on("pageerror", lambda exc: errors.append(str(exc)))
    login(erin, live_server.url, second_editor.username)
    erin.goto(claim_url)
    # She takes the claim first (that form, too, has buttons named "action").
    erin.get_by_role("button", name="Take it").click()
    expect(erin.locator(".message.success")).to_contain_text(f"Claim #{claim.pk} is yours.")
    expect(erin.locator("#holder")).to_contain_text("Held by erin")
    signoff = erin.locator("#signoff")
    expect(signoff).to_contain_text("Verified proposed by eddie")
    signoff.get_by_label("Note").fill("Checked the list too.")
    signoff.get_by_role("button", name="Confirm").click()
    expect(erin.locator(".message.success")).to_contain_text(
        f"Claim #{claim.pk}: verdict confirmed."
    )
    expect(erin.locator(".status-line")).to_contain_text("Verified")
    shoot(erin, "signoff-confirmed.png")

    # Now it is public: the API, the Atom feed and the reader's page.
    assert published(claim) == (
        "verified",
        "",
        [f"Claim {claim.pk}: Unreviewed → Verified"],
    )
    kinds = list(
        StatusChange.objects.filter(claim=claim)
        .order_by("id")
        .values_list("kind", "changed_by__username")
    )
    assert kinds == [("proposal", "eddie"), ("confirmation", "erin")]
    reader = browser.new_context().new_page()
    reader.goto(f"{live_server.url}/claims/{claim.pk}/")
    expect(reader.locator(".public-claim")).to_contain_text("Verified")
    expect(reader.locator(".public-claim")).not_to_contain_text("eddie")
    assert errors == []
