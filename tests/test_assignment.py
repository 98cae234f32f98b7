"""Assignment: who holds a claim, set one at a time or in bulk (claims and whole articles), by
editors and desk chiefs; Mine and Unassigned queues; every change on the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from claims.models import AssignmentChange, Claim
from claims.services.assignment import article_assign, claims_assign
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db


def test_assign_bulk_writes_one_change_per_claim_that_changed_hands(editor, second_editor):
    a, b, c = make_claim(), make_claim(), make_claim()
    assert claims_assign(claim_ids=[a.pk], to=second_editor, by=editor) == 1

    assert claims_assign(claim_ids=[a.pk, b.pk, c.pk], to=second_editor, by=editor) == 2

    assert set(Claim.objects.values_list("assigned_to__username", flat=True)) == {"erin"}
    assert Claim.objects.get(pk=a.pk).version == 1  # not a decision: no version bump
    rows = list(
        AssignmentChange.objects.order_by("id").values_list(
            "claim_id", "from_user__username", "to_user__username", "changed_by__username"
        )
    )
    assert rows == [
        (a.pk, None, "erin", "eddie"),
        (b.pk, None, "erin", "eddie"),
        (c.pk, None, "erin", "eddie"),
    ]
    claims_assign(claim_ids=[a.pk], to=None, by=second_editor)
    assert Claim.objects.get(pk=a.pk).assigned_to is None
    assert AssignmentChange.objects.order_by("-id").values_list(
        "from_user__username", "to_user"
    ).first() == ("erin", None)


def test_a_desk_chief_assigns_a_whole_article(chief, editor):
    article = make_article()
    claims = [make_claim(article), make_claim(article)]
    other = make_claim()

    assert article_assign(article_id=article.pk, to=editor, by=chief) == 2

    assert {Claim.objects.get(pk=c.pk).assigned_to for c in claims} == {editor}
    assert Claim.objects.get(pk=other.pk).assigned_to is None


def test_viewers_cannot_assign_nor_hold_claims(editor, viewer):
    claim = make_claim()
    with pytest.raises(PermissionDenied):
        claims_assign(claim_ids=[claim.pk], to=editor, by=viewer)
    with pytest.raises(PermissionDenied, match="not an editor"):
        claims_assign(claim_ids=[claim.pk], to=viewer, by=editor)
    assert not AssignmentChange.objects.exists()


def test_queue_mine_and_unassigned(editor, second_editor, editor_client, django_assert_num_queries):
    mine = [make_claim(), make_claim()]
    theirs = make_claim()
    free = [make_claim(), make_claim()]
    claims_assign(claim_ids=[c.pk for c in mine], to=editor, by=editor)
    claims_assign(claim_ids=[theirs.pk], to=second_editor, by=editor)

    # 1 session, 2 user, 3-4 permissions, 5 outlets, 6 count, 7 the page of claims with
    # article, outlet, speaker and holder joined: the holder costs no query.
    with django_assert_num_queries(7):
        response = editor_client.get(reverse("claims:queue"), {"holder": "mine"})
    assert {c.pk for c in response.context["page"].object_list} == {c.pk for c in mine}
    assert "@eddie" in response.content.decode()
    response = editor_client.get(reverse("claims:queue"), {"holder": "unassigned"})
    assert {c.pk for c in response.context["page"].object_list} == {c.pk for c in free}
    response = editor_client.get(reverse("claims:queue"))
    assert len(response.context["page"].object_list) == 5


def test_claim_page_shows_the_holder_and_take_and_release(editor, second_editor, editor_client):
    claim = make_claim()
    page = editor_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert "Held by <strong>nobody</strong>" in page and "Take it" in page

    response = editor_client.post(reverse("claims:assign", args=[claim.pk]), {"action": "take"})
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).assigned_to == editor
    page = editor_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert "Held by <strong>eddie</strong>" in page and "Release" in page

    editor_client.post(reverse("claims:assign", args=[claim.pk]), {"action": "release"})
    assert Claim.objects.get(pk=claim.pk).assigned_to is None
    assert AssignmentChange.objects.filter(claim=claim).count() == 2


def test_viewer_cannot_take_a_claim(viewer_client):
    claim = make_claim()
    response = viewer_client.post(reverse("claims:assign", args=[claim.pk]), {"action": "take"})
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).assigned_to is None


def test_admin_assigns_selected_claims_and_articles(editor_client, second_editor, chief):
    claims = [make_claim(), make_claim()]
    changelist = reverse("admin:claims_claim_changelist")
    data = {"action": "assign_claims", ACTION_CHECKBOX_NAME: [c.pk for c in claims]}
    page = editor_client.post(changelist, data)
    assert page.status_code == 200 and "erin" in page.content.decode()

    response = editor_client.post(changelist, {**data, "apply": "yes", "to": second_editor.pk})
    assert response.status_code == 302
    assert {c.assigned_to for c in Claim.objects.all()} == {second_editor}

    article = make_article()
    in_article = [make_claim(article), make_claim(article)]
    chief_client = Client()
    chief_client.force_login(chief)
    articles = reverse("admin:claims_article_changelist")
    response = chief_client.post(
        articles,
        {"action": "assign_articles", ACTION_CHECKBOX_NAME: [article.pk], "apply": "yes", "to": ""},
    )
    assert response.status_code == 302
    assert all(Claim.objects.get(pk=c.pk).assigned_to is None for c in in_article)
    response = chief_client.post(
        articles,
        {
            "action": "assign_articles",
            ACTION_CHECKBOX_NAME: [article.pk],
            "apply": "yes",
            "to": chief.pk,
        },
    )
    assert {Claim.objects.get(pk=c.pk).assigned_to for c in in_article} == {chief}
    assert AssignmentChange.objects.filter(changed_by=chief).count() == 2
