"""Repeated claims found for articles already in the database (`manage.py match_claims`), and
shown in the admin (a claim's matches, an article's reprint_of)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from claims.models import Article, Claim, ClaimMatch
from claims.services.imports import article_import
from tests.test_import_service import fake_extractor, record

pytestmark = pytest.mark.django_db

# A wire story long enough for MinHash (40+ word 3-shingles) with two figure claims that the
# test extractor finds ("Name said N subject were arrested/killed/injured.").
STORY = (
    "Police said 12 protesters were arrested on Friday in the capital after a march that "
    "began peacefully. Residents described a tense night in the old town, where shops stayed "
    "shuttered and public transport stopped early. Officials urged people to stay indoors "
    "until the morning, and the ministry promised an inquiry into the clashes. "
    "Medics said 2 people were killed near the main square."
)
# The same story under another headline with a clause trimmed; and an unrelated one.
REPRINT = STORY.replace(" that began peacefully", "")
OTHER = (
    "Firefighters said 40 residents were injured when a warehouse fire spread to nearby homes "
    "overnight, and the mayor called for an inspection of every storage site in the district "
    "before the end of the month, while schools in the area stayed closed on Monday."
)


def import_three() -> list[Article]:
    """The story, its reprint and an unrelated article, imported with matching off (as before
    matching existed)."""
    items = [
        (STORY, "Twelve held after march", "https://wire.example/1", "Wire Agency"),
        (REPRINT, "Arrests in the capital", "https://ledger.example/2", "Daily Ledger"),
        (OTHER, "Warehouse fire", "https://post.example/3", "Evening Post"),
    ]
    with override_settings(CLAIMDESK_MATCH_ON_IMPORT=False):
        results = [
            article_import(
                record=record(body, title=title, url=url, outlet=outlet), extractor=fake_extractor
            )
            for body, title, url, outlet in items
        ]
    return [Article.objects.get(pk=r.article_id) for r in results]


def run(*args: str) -> str:
    out = StringIO()
    call_command("match_claims", *args, stdout=out)
    return out.getvalue()


def test_backfill_links_the_reprint_and_matches_its_claims_once():
    story, reprint, _other = import_three()
    assert not ClaimMatch.objects.exists() and reprint.reprint_of_id is None

    out = run("-v", "2")

    assert "3 articles, 1 reprint linked, 2 same, 0 similar" in out
    assert f"article #{reprint.pk}, reprint of #{story.pk}: 2 same, 0 similar" in out
    reprint.refresh_from_db()
    assert reprint.reprint_of_id == story.pk
    pairs = set(ClaimMatch.objects.values_list("claim__article_id", "earlier__article_id"))
    assert pairs == {(reprint.pk, story.pk)}  # each pair once, from the later claim
    # Run again: the same rows, nothing added.
    before = list(ClaimMatch.objects.values_list("claim_id", "earlier_id", "relation"))
    assert "3 articles, 1 reprint linked, 2 same, 0 similar" in run()
    after = list(ClaimMatch.objects.values_list("claim_id", "earlier_id", "relation"))
    assert sorted(before) == sorted(after)
    # The original, matched again, finds its reprint but is no reprint of itself.
    assert Article.objects.get(pk=story.pk).reprint_of_id is None


def test_dry_run_saves_nothing_and_article_limits_the_run():
    story, reprint, _ = import_three()
    out = run("--dry-run")
    assert "3 articles, 1 reprint linked, 2 same, 0 similar (dry run: nothing was saved)" in out
    assert not ClaimMatch.objects.exists()
    assert Article.objects.get(pk=reprint.pk).reprint_of_id is None
    # Only the story: nothing before it to match.
    assert "1 article, 0 reprints linked, 0 same, 0 similar" in run("--article", str(story.pk))
    assert "1 article, 1 reprint linked, 2 same" in run("--article", str(reprint.pk))
    assert run("-v", "0") == ""


def test_unknown_article_is_a_command_error():
    with pytest.raises(CommandError, match="No article with id 424242"):
        run("--article", "424242")


# --- admin -----------------------------------------------------------------------------


def test_claim_admin_shows_matches_both_ways_read_only(editor_client):
    story, _reprint, _ = import_three()
    run()
    original = Claim.objects.filter(article=story).order_by("start").first()
    response = editor_client.get(reverse("admin:claims_claim_change", args=[original.pk]))
    html = response.content.decode()
    later = ClaimMatch.objects.get(earlier=original).claim
    assert f"claim #{later.pk}</a>, Unreviewed, Daily Ledger" in html
    assert f"Same claim ({ClaimMatch.objects.get(earlier=original).score:.2f})" in html
    assert 'name="matches_display"' not in html  # read-only, not a form field
    page = editor_client.get(reverse("admin:claims_claim_change", args=[later.pk])).content
    assert f"claim #{original.pk}</a>, Unreviewed, Wire Agency".encode() in page


def test_article_admin_lists_reprint_of_without_a_query_per_row(
    editor_client, django_assert_num_queries
):
    story, reprint, _other = import_three()
    run()
    # 1 session, 2 user, 3-4 permissions, 5 outlets for the outlet filter, 6 count, 7 the
    # articles with their outlet, claim count and the original's title (reprint_of joined),
    # 8-9 the published date hierarchy.
    with django_assert_num_queries(9):
        response = editor_client.get(reverse("admin:claims_article_changelist"))
    html = response.content.decode()
    assert f"#{story.pk} Twelve held after march</a>" in html
    change = editor_client.get(reverse("admin:claims_article_change", args=[reprint.pk]))
    assert 'name="reprint_of"' not in change.content.decode()  # set by matching, read-only
    assert "Twelve held after march" in change.content.decode()
