"""The editor admin: claim list, review actions with confirmation, inlines, read-only audit trail."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Evidence, Outlet, StatusChange
from claims.services import claim_review, evidence_add
from tests.conftest import make_article, make_claim

Status = Claim.Status
CHANGELIST = "admin:claims_claim_changelist"


@pytest.fixture
def superuser_client(db) -> Client:
    user = User.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(user)
    return client


def action_choices(response) -> list[str]:
    form = response.context["action_form"]  # None when the user has no action at all
    return [name for name, _ in form.fields["action"].choices if name] if form else []


def form_data(response) -> dict:
    """The change form as the browser would post it back, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value
    return data


# --- The claim list --------------------------------------------------------------------------


def test_editor_sees_review_actions_viewer_does_not(editor_client, viewer_client, db):
    make_claim()
    url = reverse(CHANGELIST)
    editor_actions = action_choices(editor_client.get(url))
    assert editor_actions == [
        "mark_verified",
        "mark_unverified",
        "mark_disputed",
        "mark_false",
        "assign_claims",
    ]
    response = viewer_client.get(url)
    assert response.status_code == 200
    assert action_choices(response) == []
    assert "Mark selected claims" not in response.content.decode()


def test_outsider_cannot_open_the_admin(outsider_client, db):
    assert outsider_client.get(reverse(CHANGELIST)).status_code == 302  # not staff: to login


def test_claim_list_columns_filters_and_search(editor_client, outlet, actor):
    hit = make_claim(
        make_article(outlet=outlet, title="Almaty unrest"),
        speaker=actor,
        value_low=3800,
        value_high=None,
        qualifier=Claim.Qualifier.MORE_THAN,
        is_hedged=True,
    )
    miss = make_claim(make_article(title="Elsewhere"), kind=Claim.Kind.CASUALTY)
    url = reverse(CHANGELIST)

    html = editor_client.get(url).content.decode()
    assert "more than 3,800" in html and "Maria Okafor" in html and "Almaty unrest" in html

    def ids(query):
        return [c.pk for c in editor_client.get(url, query).context["cl"].result_list]

    assert ids({"q": "Okafor"}) == [hit.pk]
    assert ids({"q": "Almaty"}) == [hit.pk]
    assert ids({"is_hedged__exact": "1"}) == [hit.pk]
    assert ids({"kind__exact": "casualty"}) == [miss.pk]
    assert ids({"article__outlet__id__exact": outlet.pk}) == [hit.pk]
    assert ids({"status__exact": "unreviewed"}) == [miss.pk, hit.pk]


@pytest.mark.parametrize("n", [3, 30])
def test_claim_list_query_count_is_constant(
    editor_client, outlet, actor, django_assert_num_queries, n
):
    for _ in range(n):
        make_claim(make_article(outlet=outlet), speaker=actor)
    # 1 session, 2 user, 3-4 the user's and their groups' permissions, 5 outlets for the outlet
    # filter, 6 count (show_full_result_count is off, so only one), 7 the page of claims joined
    # to article, outlet and speaker.
    with django_assert_num_queries(7):
        response = editor_client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == n


# --- Review actions --------------------------------------------------------------------------


def post_action(client, action, claims, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in claims], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_action_shows_a_confirmation_page_first_and_changes_nothing(editor_client, db):
    claims = [make_claim(), make_claim()]
    response = post_action(editor_client, "mark_disputed", claims, index=0)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mark 2 claims as Disputed" in html
    assert Claim.STATUS_DEFINITIONS[Status.DISPUTED] in html
    assert f'name="version_{claims[0].pk}" value="1"' in html
    assert not StatusChange.objects.exists()


def test_confirmed_action_reviews_each_claim_through_the_service(editor_client, editor, db):
    claims = [make_claim(), make_claim()]
    versions = {f"version_{c.pk}": c.version for c in claims}
    response = post_action(
        editor_client,
        "mark_false",
        claims,
        apply="yes",
        note="Ministry figures say otherwise.",
        evidence_url="https://ministry.example/release",
        evidence_stance="refutes",
        **versions,
    )
    assert response.status_code == 302
    for claim in claims:
        fresh = Claim.objects.get(pk=claim.pk)
        assert (fresh.status, fresh.version, fresh.status_changed_by) == ("false", 2, editor)
        (change,) = StatusChange.objects.filter(claim=claim)
        assert (change.from_status, change.to_status, change.note) == (
            "unreviewed",
            "false",
            "Ministry figures say otherwise.",
        )
        (ev,) = Evidence.objects.filter(claim=claim)
        assert (ev.url, ev.stance) == ("https://ministry.example/release", "refutes")
    follow = editor_client.get(response["Location"])
    assert "Marked 2 claims as False." in follow.content.decode()


def test_action_reports_claims_it_could_not_change(editor_client, editor, second_editor, db):
    with_evidence, bare, raced = make_claim(), make_claim(), make_claim()
    evidence_add(claim=with_evidence, url="https://wire.example/1", by=editor)
    versions = {f"version_{c.pk}": 1 for c in (with_evidence, bare, raced)}
    # Someone reviews `raced` while the confirmation page is open.
    claim_review(claim=raced, status=Status.DISPUTED, by=second_editor, note="Sources conflict")

    response = post_action(
        editor_client, "mark_verified", [with_evidence, bare, raced], apply="yes", **versions
    )

    assert response.status_code == 302
    assert Claim.objects.get(pk=with_evidence.pk).status == Status.VERIFIED
    assert Claim.objects.get(pk=bare.pk).status == Status.UNREVIEWED
    assert Claim.objects.get(pk=raced.pk).status == Status.DISPUTED
    html = editor_client.get(response["Location"]).content.decode()
    assert "Marked 1 claim as Verified." in html
    assert f"Claim #{bare.pk}: Marking a claim Verified needs a note" in html
    assert f"Claim #{raced.pk}: erin changed this claim to Disputed" in html


def test_viewer_cannot_post_a_review_action(viewer_client, db):
    claim = make_claim()
    response = post_action(
        viewer_client, "mark_disputed", [claim], apply="yes", note="x", **{f"version_{claim.pk}": 1}
    )
    assert response.status_code in (200, 302)
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version) == (Status.UNREVIEWED, 1)
    assert not StatusChange.objects.exists()


# --- The claim change form ---------------------------------------------------------------------


def test_reviewed_fields_are_read_only_even_for_superusers(superuser_client, editor, db):
    claim = make_claim(subject="protesters")
    claim_review(claim=claim, status=Status.DISPUTED, by=editor)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = superuser_client.get(url)
    form = response.context["adminform"].form
    assert not {"status", "status_changed_by", "status_changed_at", "version"} & set(form.fields)
    assert "subject" in form.fields

    data = form_data(response)
    data.update(subject="students", status="verified", version="99")
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    fresh = Claim.objects.get(pk=claim.pk)
    assert fresh.subject == "students"
    assert (fresh.status, fresh.version) == ("disputed", 2)


def test_saving_the_change_form_does_not_undo_a_review_made_meanwhile(superuser_client, editor, db):
    claim = make_claim()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = form_data(superuser_client.get(url))
    claim_review(claim=claim, status=Status.FALSE, by=editor, note="meanwhile")
    data["agent"] = "security forces"
    assert superuser_client.post(url, data).status_code == 302
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.agent, fresh.status, fresh.version) == ("security forces", "false", 2)


def test_editor_adds_evidence_inline_through_the_service(editor_client, editor, db):
    claim = make_claim()
    evidence_add(claim=claim, url="https://old.example", by=editor)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = editor_client.get(url)
    assert response.status_code == 200
    # Every claim field is read-only for an editor; the evidence inline takes new rows only.
    assert list(response.context["adminform"].form.fields) == []
    data = form_data(response)
    data.update(
        {
            "evidence-TOTAL_FORMS": "2",
            "evidence-1-url": "https://new.example/report",
            "evidence-1-title": "New report",
            "evidence-1-stance": "context",
            "evidence-1-claim": str(claim.pk),
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302
    new = Evidence.objects.get(claim=claim, url="https://new.example/report")
    assert (new.title, new.stance, new.added_by) == ("New report", "context", editor)
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_viewer_cannot_change_a_claim(viewer_client, db):
    claim = make_claim()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    assert viewer_client.get(url).status_code == 200  # view only
    assert viewer_client.post(url, {"subject": "x"}).status_code == 403


def test_claim_change_form_shows_history_and_evidence_inline(editor_client, editor, db):
    claim = make_claim()
    claim_review(
        claim=claim,
        status=Status.VERIFIED,
        by=editor,
        note="Confirmed by two agencies",
        evidence=[{"url": "https://agency.example/x"}],
    )
    html = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content
    html = html.decode()
    assert "Confirmed by two agencies" in html
    assert "https://agency.example/x" in html
    assert "Status history" in html or "status history" in html


def test_article_page_shows_its_claims(editor_client, db):
    article = make_article(title="Unrest")
    claim = make_claim(article)
    html = editor_client.get(reverse("admin:claims_article_change", args=[article.pk])).content
    assert claim.sentence in html.decode()


def test_outlet_url_typed_without_a_scheme_is_saved_as_https(superuser_client, db):
    response = superuser_client.post(
        reverse("admin:claims_outlet_add"),
        {"name": "Harbour Times", "kind": "news", "url": "harbourtimes.example"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Outlet.objects.get(name="Harbour Times").url == "https://harbourtimes.example"


# --- The audit trail ---------------------------------------------------------------------------


def test_status_changes_are_read_only_even_for_superusers(superuser_client, editor, db):
    claim = make_claim()
    claim_review(claim=claim, status=Status.DISPUTED, by=editor, note="n")
    change = StatusChange.objects.get()
    changelist = superuser_client.get(reverse("admin:claims_statuschange_changelist"))
    assert changelist.status_code == 200
    assert action_choices(changelist) == []  # no "delete selected"
    assert superuser_client.get(reverse("admin:claims_statuschange_add")).status_code == 403
    url = reverse("admin:claims_statuschange_change", args=[change.pk])
    assert superuser_client.get(url).status_code == 200  # viewing is fine
    assert superuser_client.post(url, {"note": "rewritten"}).status_code == 403
    delete = reverse("admin:claims_statuschange_delete", args=[change.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert StatusChange.objects.get(pk=change.pk).note == "n"


@pytest.mark.parametrize("n", [3, 30])
def test_article_and_audit_lists_query_counts_are_constant(
    editor_client, editor, outlet, django_assert_num_queries, n
):
    for _ in range(n):
        claim = make_claim(make_article(outlet=outlet))
        claim_review(claim=claim, status=Status.DISPUTED, by=editor, note="n")
    # 1 session, 2 user, 3-4 permissions, 5 outlets for the outlet filter, 6 count, 7 the
    # articles with their outlet and claim count (a correlated subquery), 8-9 the published date
    # hierarchy (first/last date, then the years).
    with django_assert_num_queries(9):
        response = editor_client.get(reverse("admin:claims_article_changelist"))
    assert len(response.context["cl"].result_list) == n
    # 1-4 as above, 5 count, 6 the changes with their claim and user, 7-8 the date hierarchy.
    with django_assert_num_queries(8):
        response = editor_client.get(reverse("admin:claims_statuschange_changelist"))
    assert len(response.context["cl"].result_list) == n
