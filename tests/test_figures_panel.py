"""`{% figure_panel claim %}` on the claim page: the figure's timeline chart, its reports, the
conflicting reports and the suggested status; the speaker's other statements and role flag."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from claims.models import Article, Claim
from tests.conftest import make_article, make_claim
from tests.test_figures_service import Corpus, load_corpus


@pytest.fixture
def kz(db) -> Corpus:
    return load_corpus()


def panel(claim: Claim, user=None) -> str:
    request = RequestFactory().get(f"/review/claims/{claim.pk}/")
    if user is not None:
        request.user = user
    template = Template("{% load figure_tags %}{% figure_panel claim %}")
    return template.render(Context({"claim": Claim.objects.get(pk=claim.pk), "request": request}))


def test_chart_has_a_point_per_dated_report_with_this_claim_ringed(kz, editor):
    html = panel(kz.claims[14], editor)  # the opposition's "more than 200"
    assert html.count('<g class="point') == 7
    assert html.count(' current"') == 1
    current = re.search(r'<g class="point tone-(\w+) current" data-claim="(\d+)"', html)
    assert current.groups() == ("disputed", str(kz.claims[14].pk))
    # An open-ended value gets its arrow; the chart's axis runs to a round number above 225.
    assert html.count("v-14") == 1
    assert ">250</text>" in html
    assert "7 Jan 2022" in html and "15 Jan 2022" in html
    assert 'role="img"' in html and "<title" in html


def test_panel_lists_conflicts_and_the_suggestion_with_an_accept_link(kz, editor):
    html = panel(kz.claims[14], editor)
    assert "Conflicting reports" in html
    assert (
        "<strong>164</strong> (Kazakhstan Health Ministry: Northern Courier) vs "
        "<strong>more than 200</strong> (Democratic Choice of Kazakhstan: Northern Courier)" in html
    )
    assert "Suggested status:" in html and "status-disputed" in html
    assert (
        f"/admin/claims/figure/{kz.claims[14].figure_id if kz.claims[14].figure_id else Claim.objects.get(pk=kz.claims[14].pk).figure_id}/accept/?claims={kz.claims[14].pk}"
        in html
    )


def test_viewers_see_no_accept_or_edit_links(kz, viewer):
    html = panel(kz.claims[14], viewer)
    assert "Suggested status:" in html
    assert "/accept/" not in html and "edit in admin" not in html


def test_single_source_claim_has_no_suggestion(kz, editor):
    html = panel(kz.claims[19], editor)  # 9,900 detained, interior ministry only
    assert "No suggested status: Single source so far" in html
    assert "Conflicting reports" not in html


def test_attribution_shows_the_same_statement_elsewhere_and_the_role_flag(kz, editor):
    html = panel(kz.claims[9], editor)  # von der Leyen as "European Council President"
    assert "Ursula von der Leyen is reported saying this in 2 independent outlets" in html
    assert f'href="/review/claims/{kz.claims[17].pk}/#claim-sentence"' in html
    assert "Role check for Ursula von der Leyen" in html
    assert "This claim says “European Council President”." in html
    # A consistent speaker with one statement: nothing to show.
    assert panel(kz.claims[20], editor) == ""


def test_claim_without_figure_or_speaker_renders_nothing(db):
    claim = make_claim(speaker=None)
    assert panel(claim) == ""


def test_panel_escapes_article_text(db, editor):
    from claims.services.figures import figures_refresh_for_article

    article: Article = make_article(
        title="<script>alert(1)</script> in Kazakhstan",
        body="In Kazakhstan <b>12</b> people were killed, said <img src=x onerror=alert(1)>.",
        published_at=datetime(2022, 1, 7, 8, tzinfo=UTC),
    )
    from claims.models import Outlet

    article.outlet = Outlet.objects.create(name='Evil "Outlet" <svg onload=alert(1)>')
    article.save()
    claim = make_claim(
        article, kind="casualty", outcome="killed", value_low=12, value_high=12,
        speaker_text="<img src=x onerror=alert(1)>",
    )  # fmt: skip
    figures_refresh_for_article(article=article)
    html = panel(claim, editor)
    assert "<img" not in html and "<svg onload" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_panel_query_count_does_not_grow_with_the_figure(kz, editor, django_assert_num_queries):
    claim = Claim.objects.get(pk=kz.claims[14].pk)
    request = RequestFactory().get("/")
    request.user = editor
    editor.has_perm("claims.review_claim")  # permissions cached before counting
    template = Template("{% load figure_tags %}{% figure_panel claim %}")
    # Rendered on its own (the claim page hands it the reports instead, see
    # test_review_views): 1. the figure; 2. its claims with article, outlet, speaker and
    # credited agency; 3. the speaker's role uses (grouped).
    with django_assert_num_queries(3):
        template.render(Context({"claim": claim, "request": request}))
    attribution = Claim.objects.get(pk=kz.claims[9].pk)
    # 1. the speaker's role uses; 2. the speaker's statements with their credited agencies.
    with django_assert_num_queries(2):
        template.render(Context({"claim": attribution, "request": request}))


@pytest.mark.parametrize("index", [14, 19, 9])
def test_claim_page_shows_the_same_panel_as_the_tag_on_its_own(kz, editor, editor_client, index):
    # The claim page hands the panel the reports and statements it read with its other claims
    # (claims.selectors.page_claim); the panel must not differ from one that queries for itself.
    claim = kz.claims[index]
    page = editor_client.get(f"/review/claims/{claim.pk}/").content.decode()
    section = re.search(r'<section class="panel figure-panel".*?</section>', page, re.S)
    alone = panel(claim, editor)
    assert alone and section is not None
    assert section.group(0) == re.search(r"<section.*</section>", alone, re.S).group(0)


def test_a_figure_with_more_reports_than_the_cap_shows_those_nearest_the_claim(
    kz, editor, monkeypatch
):
    from claims.templatetags import figure_tags

    claim = Claim.objects.select_related("article").get(pk=kz.claims[14].pk)
    reports = list(
        Claim.objects.current().filter(figure_id=claim.figure_id).select_related("article")
    )
    assert len(reports) > 3
    monkeypatch.setattr(figure_tags, "PANEL_REPORTS_LIMIT", 3)
    html = panel(claim, editor)

    assert f"This figure has {len(reports)} reports: the panel shows the 3 published" in html
    assert "Reports (3)" in html
    at = claim.article.published_at
    nearest = sorted(
        reports, key=lambda c: (abs((c.article.published_at - at).total_seconds()), -c.pk)
    )[:3]
    shown = {int(pk) for pk in re.findall(r'data-claim="(\d+)"', html)}
    assert shown == {c.pk for c in nearest} and claim.pk in shown
    assert html.count(' current"') == 1
