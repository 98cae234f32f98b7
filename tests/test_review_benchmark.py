"""The review benchmark command, run small: it fills, measures and reports honestly."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Article, Claim, StatusChange


def run(*args: str) -> str:
    out = StringIO()
    call_command("benchmark_review", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_fills_consistent_data_and_reports_every_page():
    output = run("--claims", "40", "--repeats", "2", "--warmup", "0")

    claims = Claim.objects.filter(article__source_key__startswith="benchmark:")
    assert claims.count() == 40
    assert Article.objects.filter(source_key__startswith="benchmark:").count() == 4
    # Every claim's sentence sits at its offsets in its article, as the claim page expects.
    for claim in claims.select_related("article"):
        assert claim.article.body[claim.start : claim.end] == claim.sentence
    # Reviewed claims carry the audit row claim_review would have written.
    reviewed = claims.reviewed().exclude(status_changes__note__startswith="Benchmark history")
    assert StatusChange.objects.filter(claim__in=reviewed).count() == reviewed.count()
    for page in ("queue, first page", "queue, filtered", "claim page (5 decisions"):
        row = next(line for line in output.splitlines() if line.startswith(page))
        median, fastest, p90, ratio, queries = re.findall(r"\d+\.\d+|\d+", row[44:])[:5]
        assert 0 < float(fastest) <= float(median) <= float(p90)
        if page == "queue, first page":
            # Pinned in test_review_views too; the command counts the same queries.
            assert int(queries) == 7
        if page == "claim page (5 decisions":
            # The page's queries with the figure panel (listed in test_review_views).
            assert int(queries) == 8
        assert abs(float(ratio) - float(median) / 100) < 0.01
    panel = re.search(
        r"the figure panel .* (\d+) queries of its own \(figure #(\d+), (\d+) reports", output
    )
    assert panel is not None
    # On the page, the panel queries only the speaker's roles; the reports come with the page.
    assert int(panel.group(1)) == 1
    assert int(panel.group(3)) == claims.filter(figure_id=int(panel.group(2))).current().count()


@pytest.mark.django_db
def test_second_run_reuses_the_data():
    run("--claims", "20", "--fill-only")
    output = run("--claims", "20", "--fill-only")
    assert "benchmark claims present: 20; to add: 0." in output
    assert Claim.objects.count() == 20


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    output = run("--claims", "20", "--dry-run")
    assert "to add: 20" in output
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="--claims must be at least 10"):
        run("--claims", "3")
    with pytest.raises(CommandError, match="--repeats must be at least 1"):
        run("--repeats", "0")
