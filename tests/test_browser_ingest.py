"""Add articles and Imports in a real browser (Playwright + Debian chromium, live_server).

Without a broker the jobs run in the request, so the pages show them finished.
"""

from __future__ import annotations

import json
import re

import pytest

from claims.models import Article, ImportJob
from tests.conftest import CHROMIUM
from tests.test_browser_review import login, shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

REPORT = (
    "Border police said 17 migrants were detained near the river crossing at Vidin on Sunday. "
    "Regional governor Petar Iliev said the crossing would stay closed until further notice."
)


def test_upload_files_and_follow_their_jobs(browser, live_server, editor, tmp_path) -> None:
    text_file = tmp_path / "vidin.txt"
    text_file.write_text(f"Vidin crossing closed\nOutlet: Danube Post\n\n{REPORT}\n")
    lines = tmp_path / "wire.jsonl"
    lines.write_text(
        json.dumps({"title": "Vidin follow-up", "body": REPORT + " More later."}) + "\n{broken\n"
    )
    page = browser.new_page()
    login(page, live_server.url, editor.username)
    page.get_by_role("link", name="Add articles").first.click()
    expect(page.get_by_role("heading", name="Add articles")).to_be_visible()
    page.get_by_label("Article files").set_input_files([str(text_file), str(lines)])
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", name="Imports")).to_be_visible()
    rows = page.locator("[data-job-list] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("tr[data-state=done]")).to_have_count(2)
    failed = page.locator("tr[data-state=failed]")
    expect(failed).to_contain_text("wire.jsonl:2")
    expect(failed).to_contain_text("not valid JSON")
    shoot(page, "imports-batch.png", full_page=True)

    page.get_by_role("link", name="Vidin crossing closed").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.locator("[data-claim-list]")).to_contain_text("17")
    assert Article.objects.count() == 2 and ImportJob.objects.count() == 3
    page.close()


def test_pasting_an_article_lands_on_its_claims(browser, live_server, editor) -> None:
    page = browser.new_page()
    login(page, live_server.url, editor.username)
    page.goto(f"{live_server.url}/review/imports/add/")
    page.get_by_label("Headline").fill("Vidin crossing closed")
    page.get_by_label("Text", exact=True).fill(REPORT)
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/review/\?article=\d+$"))
    article = Article.objects.get()
    assert page.url == f"{live_server.url}/review/?article={article.pk}"
    expect(page.locator("[data-claim-list]")).to_contain_text("Petar Iliev")
    shoot(page, "imports-landed.png")
    page.close()
