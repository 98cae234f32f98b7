"""The figure admin: the list, a figure with its claims and chart, rename, merge, split, move,
accepting suggested statuses, and role checks, as editor, viewer and outsider."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from claims.models import Claim, Figure, StatusChange
from tests.test_figures_service import Corpus, load_corpus

LIST = "/admin/claims/figure/"


@pytest.fixture
def kz(db) -> Corpus:
    return load_corpus()


def change_url(figure: Figure) -> str:
    return f"{LIST}{figure.pk}/change/"


def test_list_shows_figures_with_report_counts_and_warns_about_roles(
    kz, editor_client, django_assert_num_queries
):
    # 1 session; 2 user; 3 role flags (one grouped query); 4-5 user and group permissions;
    # 6-7 filtered and total counts; 8 the page of figures with report counts; 9-10 the
    # outcome and place filters' distinct values.
    with django_assert_num_queries(10):
        response = editor_client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "People killed — Kazakhstan, from 7 Jan 2022" in html
    assert '<td class="field-report_count">7</td>' in html
    assert "1 actor given inconsistent roles" in html
    assert "/admin/claims/figure/role-checks/" in html


def test_list_query_count_does_not_grow_with_figures(kz, editor_client, django_assert_num_queries):
    for i in range(30):
        Figure.objects.create(label=f"Extra {i}", kind="casualty", outcome="killed")
    # The same ten queries as above, whatever the number of figures.
    with django_assert_num_queries(10):
        assert editor_client.get(LIST).status_code == 200


def test_change_page_shows_chart_conflicts_and_claims(kz, editor_client):
    figure = kz.figure("kz-killed")
    html = editor_client.get(change_url(figure)).content.decode()
    assert html.count('<g class="point') == 7
    assert "Conflicting reports" in html
    assert "164 vs more than 200" in html
    assert f'href="/review/claims/{kz.claims[1].pk}/"' in html
    assert (
        "Split claims off" in html and "Move claims" in html and "Accept suggested statuses" in html
    )


def test_viewer_sees_figures_but_no_changes(kz, viewer_client):
    figure = kz.figure("kz-killed")
    html = viewer_client.get(change_url(figure)).content.decode()
    assert "Split claims off" not in html and "Accept suggested statuses" not in html
    assert viewer_client.get(f"{LIST}{figure.pk}/split/").status_code == 403
    assert viewer_client.get(f"{LIST}{figure.pk}/accept/").status_code == 403
    response = viewer_client.post(change_url(figure), {"label": "Hijacked", "event": ""})
    assert response.status_code == 403
    assert Figure.objects.get(pk=figure.pk).label == "People killed — Kazakhstan, from 7 Jan 2022"


def test_outsider_is_sent_to_log_in(kz, outsider_client):
    response = outsider_client.get(LIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_rename_through_the_change_form(kz, editor_client):
    figure = kz.figure("kz-killed")
    data = {
        "label": "Deaths in the January unrest",
        "event": "Qandy Qantar",
        "claims-TOTAL_FORMS": "0",
        "claims-INITIAL_FORMS": "0",
    }
    response = editor_client.post(change_url(figure), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    figure.refresh_from_db()
    assert (figure.label, figure.event, figure.edited_by_editor) == (
        "Deaths in the January unrest",
        "Qandy Qantar",
        True,
    )
    blank = editor_client.post(change_url(figure), {**data, "label": "  "})
    assert blank.status_code == 200 and "This field is required" in blank.content.decode()


def test_merge_action_with_confirmation(kz, editor_client):
    detained, march = kz.figure("kz-detained"), kz.figure("kz-march-detained")
    post = {"action": "merge_selected", ACTION_CHECKBOX_NAME: [detained.pk, march.pk]}
    confirm = editor_client.post(LIST, post)
    assert confirm.status_code == 200
    assert "The claims of these figures will be moved" in confirm.content.decode()
    assert Figure.objects.filter(pk=march.pk).exists()
    done = editor_client.post(
        LIST, {**post, "apply": "1", "into": detained.pk, "label": "All detentions"}
    )
    assert done.status_code == 302
    assert not Figure.objects.filter(pk=march.pk).exists()
    detained.refresh_from_db()
    assert detained.label == "All detentions" and detained.claims.count() == 5
    assert LogEntry.objects.filter(
        object_id=str(detained.pk), change_message__startswith="Merged"
    ).exists()


def test_merge_of_different_outcomes_is_refused_with_a_message(kz, editor_client):
    killed, injured = kz.figure("kz-killed"), kz.figure("kz-injured")
    post = {
        "action": "merge_selected",
        ACTION_CHECKBOX_NAME: [killed.pk, injured.pk],
        "apply": "1",
        "into": killed.pk,
    }
    response = editor_client.post(LIST, post, follow=True)
    assert (
        "Not merged. Only figures that count the same outcome can be merged"
        in response.content.decode()
    )
    assert Figure.objects.filter(pk=injured.pk).exists()


def test_split_page(kz, editor_client):
    raid = kz.figure("mm-killed")
    url = f"{LIST}{raid.pk}/split/"
    page = editor_client.get(url).content.decode()
    assert f'value="{kz.claims[25].pk}"' in page
    response = editor_client.post(
        url, {"claims": [kz.claims[25].pk], "label": "Killed since the coup"}
    )
    assert response.status_code == 302
    new = Figure.objects.get(label="Killed since the coup")
    assert response["Location"] == change_url(new)
    assert list(new.claims.values_list("id", flat=True)) == [kz.claims[25].pk]
    everything = editor_client.post(url, {"claims": [kz.claims[24].pk], "label": "x"})
    assert "leave the figure empty" in everything.content.decode()


def test_move_page(kz, editor_client):
    security, killed = kz.figure("kz-security-killed"), kz.figure("kz-killed")
    url = f"{LIST}{security.pk}/move/"
    page = editor_client.get(url).content.decode()
    assert f'<option value="{killed.pk}">' in page
    # Only figures counting the same outcome are offered.
    assert f'<option value="{kz.figure("kz-injured").pk}">' not in page
    response = editor_client.post(url, {"claims": [kz.claims[2].pk], "target": killed.pk})
    assert response.status_code == 302
    assert Claim.objects.get(pk=kz.claims[2].pk).figure_id == killed.pk
    assert Claim.objects.get(pk=kz.claims[22].pk).figure_id == security.pk


def test_accept_page_confirms_then_reviews_through_claim_review(kz, editor, editor_client):
    figure = kz.figure("kz-killed")
    url = f"{LIST}{figure.pk}/accept/"
    page = editor_client.get(url).content.decode()
    assert page.count('name="suggested_') == 6
    assert not StatusChange.objects.exists()
    form = {f"suggested_{kz.claims[n].pk}": s for n, s in [(1, "verified"), (14, "disputed")]}
    response = editor_client.post(
        url, {**form, "claims": "", "next": f"/review/claims/{kz.claims[14].pk}/"}
    )
    assert (
        response.status_code == 302
        and response["Location"] == f"/review/claims/{kz.claims[14].pk}/"
    )
    changes = {c.claim_id: (c.to_status, c.changed_by) for c in StatusChange.objects.all()}
    assert changes == {
        kz.claims[1].pk: ("verified", editor),
        kz.claims[14].pk: ("disputed", editor),
    }
    assert Claim.objects.get(pk=kz.claims[5].pk).status == "unreviewed"  # not on the form


def test_accept_skips_a_suggestion_that_changed_since_the_page_was_shown(kz, editor_client):
    figure = kz.figure("kz-killed")
    url = f"{LIST}{figure.pk}/accept/"
    # The page showed "verified" for the 164, but it is now disputed.
    response = editor_client.post(url, {f"suggested_{kz.claims[15].pk}": "verified"}, follow=True)
    assert "the suggestion changed to disputed since it was shown" in response.content.decode()
    assert Claim.objects.get(pk=kz.claims[15].pk).status == "unreviewed"


def test_accept_refuses_an_unsafe_next_url(kz, editor_client):
    figure = kz.figure("kz-killed")
    response = editor_client.post(f"{LIST}{figure.pk}/accept/", {"next": "https://evil.example/"})
    assert response["Location"] == change_url(figure)


def test_role_checks_page(kz, editor_client, viewer_client):
    html = editor_client.get(f"{LIST}role-checks/").content.decode()
    assert "Ursula von der Leyen" in html
    assert "<strong>“European Council President”</strong>" in html
    assert f'href="/review/claims/{kz.claims[9].pk}/#claim-sentence"' in html
    assert viewer_client.get(f"{LIST}role-checks/").status_code == 200


def test_figures_cannot_be_added_or_deleted_in_the_admin(kz, editor_client):
    figure = kz.figure("kz-killed")
    assert editor_client.get(f"{LIST}add/").status_code == 403
    assert editor_client.post(f"{LIST}{figure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Figure.objects.filter(pk=figure.pk).exists()


def test_change_page_query_count_does_not_grow_with_claims(
    kz, editor_client, django_assert_num_queries
):
    figure = kz.figure("kz-killed")
    # 1 session; 2 user; 3 the figure; 4-5 permissions; 6 the inline's claims with article and
    # outlet; 7 their articles' credited agencies (prefetched: the outlet column names every
    # agency); 8 the figure's content type (the history link; cached per process after the first
    # request, so emptied here to count the same alone or after other tests); 9 whether it has
    # claims (only an empty figure may be deleted); 10-11 the timeline: the figure, its claims
    # with article, outlet, speaker and origin agency (annotated, no query of its own).
    ContentType.objects.clear_cache()
    with django_assert_num_queries(11):
        html = editor_client.get(change_url(figure)).content.decode()
    assert html.count('<g class="point') == 7


def test_a_figure_left_without_claims_can_be_deleted_and_leaves_the_api(kz, editor_client, client):
    figure = kz.figure("kz-miners-killed")
    Claim.objects.filter(figure=figure).delete()  # as a re-import does with vanished claims
    assert client.get(f"/api/figures/{figure.pk}/").status_code == 404
    assert figure.pk not in {f["id"] for f in client.get("/api/figures/").json()["results"]}
    response = editor_client.post(f"{LIST}{figure.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Figure.objects.filter(pk=figure.pk).exists()
