"""Articles without a date of their own get one, and every page says where it came from.

Through the import command, the claim page, the admin and the API: the seed (no `Published:`
header) is dated from its text, so its figures join a timeline and the claim page draws a
chart; an article that says nothing of its date is dated by its import, once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from claims.models import Article, Claim, Figure

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

SEED = Path(settings.BASE_DIR) / "seeds" / "000_cefef65e9a757100.txt"


def import_path(path: Path | str) -> str:
    out = StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_seed_is_dated_from_its_text_and_its_figure_has_a_chart(editor_client: Client):
    assert Article.objects.count() == 0
    import_path(SEED)
    (article,) = Article.objects.all()
    # The photo captions say "January 7, 2022" (and "January 6, 2022"); "on Friday" agrees.
    assert article.published_at == datetime(2022, 1, 7, tzinfo=UTC)
    assert article.published_basis == Article.PublishedBasis.TEXT
    assert not Figure.objects.filter(date_start__isnull=True).exists()

    killed = Claim.objects.get(figure__label__startswith="People killed", value_low=26)
    page = editor_client.get(f"/review/claims/{killed.pk}/").content.decode()
    assert '<svg class="figure-chart"' in page
    assert "(dated by a date in the text)" in page
    # A day read from the text has no time of day: none is shown.
    assert '<time datetime="2022-01-07">7 January 2022</time>' in page
    assert "00:00 UTC" not in page
    # The outlet column names every agency the credit line names, not only the first.
    assert "<td>Agence France-Presse, Reuters, The Associated Press</td>" in page

    api = editor_client.get(f"/api/claims/{killed.pk}/").json()
    assert api["article"]["published_basis"] == "text"
    assert api["article"]["published_at"] == "2022-01-07T00:00:00Z"
    figure = editor_client.get(f"/api/figures/{killed.figure_id}/").json()
    assert figure["timeline"][0]["article"]["published_basis"] == "text"
    assert figure["date_start"] == "2022-01-07"


def test_the_admin_lists_and_filters_articles_by_date_basis(editor_client: Client, tmp_path):
    import_path(SEED)
    page = editor_client.get("/admin/claims/article/").content.decode()
    assert "a date in the text" in page
    assert editor_client.get("/admin/claims/article/?published_basis=text").status_code == 200
    listed = editor_client.get("/admin/claims/article/?published_basis=imported")
    assert "Kazakh President issues kill order" not in listed.content.decode()


def test_an_article_that_gives_no_date_is_dated_by_its_first_import(tmp_path, editor_client):
    path = tmp_path / "undated.txt"
    path.write_text(
        "Protests spread to the west\n\nPolice said 40 people were detained in the town.\n",
        encoding="utf-8",
    )
    before = datetime.now(UTC)
    import_path(path)
    (article,) = Article.objects.all()
    assert article.published_basis == Article.PublishedBasis.IMPORTED
    assert before <= article.published_at <= datetime.now(UTC)
    first = article.published_at

    # Importing it again changes nothing: the import time is the first import's.
    assert "1 unchanged" in import_path(path)
    article.refresh_from_db()
    assert article.published_at == first

    claim = Claim.objects.get(value_low=40)
    page = editor_client.get(f"/review/claims/{claim.pk}/").content.decode()
    assert "(dated by the import time (the article gives no date))" in page
    assert " UTC</time>" in page  # a time is shown with its zone
    assert "(import time)" in page  # and the figure's report row says so too


def test_a_published_header_with_a_zone_keeps_its_time(tmp_path, editor_client):
    path = tmp_path / "timed.txt"
    path.write_text(
        "Toll rises\nPublished: 2022-01-07T09:15:00+02:00\n\n"
        "Police said 40 people were detained in Almaty.\n",
        encoding="utf-8",
    )
    import_path(path)
    (article,) = Article.objects.all()
    assert article.published_at == datetime(2022, 1, 7, 7, 15, tzinfo=UTC)
    assert article.published_basis == Article.PublishedBasis.HEADER
    claim = Claim.objects.get(value_low=40)
    page = editor_client.get(f"/review/claims/{claim.pk}/").content.decode()
    assert "7 January 2022, 07:15 UTC</time>" in page
    assert "7 Jan 2022 07:15 UTC" in page  # the figure's report row
