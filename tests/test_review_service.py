"""claims.services.claim_review and evidence_add: transitions, the audit row, the rules, conflicts."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Evidence, StatusChange
from claims.services import ReviewConflict, ReviewError, claim_review, evidence_add
from claims.services.review import STATUS_CHANGE_LOCK_KEY
from tests.conftest import make_claim

Status = Claim.Status
ALL = list(Status.values)
TRANSITIONS = [(a, b) for a in ALL for b in ALL if a != b]


@pytest.mark.parametrize(("from_status", "to_status"), TRANSITIONS)
def test_every_transition_writes_one_audit_row(editor, from_status, to_status):
    claim = make_claim(status=from_status)
    assert claim.version == 1

    saved = claim_review(
        claim=claim, status=to_status, by=editor, note="Checked the ministry statement."
    )

    fresh = Claim.objects.get(pk=claim.pk)
    assert fresh.status == to_status
    assert fresh.version == 2
    assert fresh.status_changed_by == editor
    assert fresh.status_changed_at is not None
    assert saved.version == 2 and claim.version == 2 and claim.status == to_status
    (change,) = StatusChange.objects.filter(claim=claim)
    assert (change.from_status, change.to_status) == (from_status, to_status)
    assert change.note == "Checked the ministry statement."
    assert change.changed_by == editor
    assert change.claim_version == 2


def test_versions_and_history_accumulate_in_order(editor, second_editor):
    claim = make_claim()
    claim_review(claim=claim, status=Status.DISPUTED, by=editor, expected_version=1)
    claim_review(
        claim=claim,
        status=Status.VERIFIED,
        by=second_editor,
        note="AP confirms.",
        expected_version=2,
    )
    history = list(
        StatusChange.objects.filter(claim=claim).values_list(
            "from_status", "to_status", "claim_version", "changed_by__username"
        )
    )
    assert history == [
        ("unreviewed", "disputed", 2, "eddie"),
        ("disputed", "verified", 3, "erin"),
    ]
    assert Claim.objects.get(pk=claim.pk).version == 3


@pytest.mark.parametrize("status", [Status.UNVERIFIED, Status.DISPUTED])
def test_weaker_statuses_need_no_note(editor, status):
    claim = make_claim()
    claim_review(claim=claim, status=status, by=editor)
    assert Claim.objects.get(pk=claim.pk).status == status


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.FALSE])
def test_verified_and_false_need_a_note_or_evidence(editor, status):
    claim = make_claim()
    with pytest.raises(ReviewError, match="needs a note or at least one evidence link") as exc:
        claim_review(claim=claim, status=status, by=editor, note="   ")
    assert exc.value.field == "note"
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version) == (Status.UNREVIEWED, 1)
    assert not StatusChange.objects.filter(claim=claim).exists()


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.FALSE])
def test_new_evidence_satisfies_the_rule_and_is_written_with_the_review(editor, status):
    claim = make_claim()
    claim_review(
        claim=claim,
        status=status,
        by=editor,
        evidence=[
            {
                "url": "https://ministry.example/statement",
                "title": "Ministry statement",
                "stance": "refutes",
                "note": "Gives 9",
            }
        ],
    )
    (ev,) = Evidence.objects.filter(claim=claim)
    assert (ev.url, ev.title, ev.stance, ev.note, ev.added_by) == (
        "https://ministry.example/statement",
        "Ministry statement",
        "refutes",
        "Gives 9",
        editor,
    )
    assert Claim.objects.get(pk=claim.pk).status == status


def test_existing_evidence_satisfies_the_rule(editor):
    claim = make_claim()
    evidence_add(claim=claim, url="https://wire.example/a", by=editor)
    claim_review(claim=claim, status=Status.VERIFIED, by=editor)
    assert Claim.objects.get(pk=claim.pk).status == Status.VERIFIED


def test_returning_to_unreviewed_needs_a_note(editor):
    claim = make_claim(status=Status.DISPUTED)
    with pytest.raises(ReviewError, match="withdraws a decision"):
        claim_review(claim=claim, status=Status.UNREVIEWED, by=editor)
    claim_review(claim=claim, status=Status.UNREVIEWED, by=editor, note="Wrong claim, sorry.")
    assert Claim.objects.get(pk=claim.pk).status == Status.UNREVIEWED


def test_same_status_is_refused_without_a_note_and_recorded_with_one(editor):
    claim = make_claim()
    claim_review(claim=claim, status=Status.DISPUTED, by=editor)
    with pytest.raises(ReviewError, match="already Disputed") as exc:
        claim_review(claim=claim, status=Status.DISPUTED, by=editor)
    assert exc.value.field == "status"
    assert StatusChange.objects.filter(claim=claim).count() == 1

    claim_review(claim=claim, status=Status.DISPUTED, by=editor, note="Still disputed on day 3.")
    last = StatusChange.objects.filter(claim=claim).last()
    assert (last.from_status, last.to_status, last.claim_version) == ("disputed", "disputed", 3)


def test_unreviewed_to_unreviewed_is_refused(editor):
    claim = make_claim()
    with pytest.raises(ReviewError, match="already Unreviewed"):
        claim_review(claim=claim, status=Status.UNREVIEWED, by=editor, note="hm")


def test_unknown_status_is_refused(editor):
    claim = make_claim()
    with pytest.raises(ReviewError, match="Unknown status 'true'") as exc:
        claim_review(claim=claim, status="true", by=editor, note="x")
    assert exc.value.field == "status"


@pytest.mark.parametrize(
    ("item", "message", "field"),
    [
        ({"title": "no url"}, r"evidence\[0\]\.url is required", "evidence[0].url"),
        ({"url": "javascript:alert(1)"}, "not a valid http", "evidence[0].url"),
        ({"url": "ftp://files.example/x"}, "not a valid http", "evidence[0].url"),
        ({"url": "https://a.example", "stance": "agrees"}, "stance must be one of", None),
        ({"url": "https://a.example", "colour": "red"}, "unknown field", "evidence[0]"),
        ("https://a.example", "must be an object", "evidence[0]"),
        ({"url": "https://a.example", "title": "t" * 501}, "longer than 500", None),
    ],
)
def test_bad_evidence_is_refused_naming_the_field_and_nothing_is_written(
    editor, item, message, field
):
    claim = make_claim()
    with pytest.raises(ReviewError, match=message) as exc:
        claim_review(claim=claim, status=Status.VERIFIED, by=editor, note="n", evidence=[item])
    if field:
        assert exc.value.field == field
    assert not Evidence.objects.filter(claim=claim).exists()
    assert Claim.objects.get(pk=claim.pk).status == Status.UNREVIEWED


def test_stale_version_raises_conflict_naming_who_and_what(editor, second_editor):
    claim = make_claim()
    # Both editors opened the claim at version 1.
    claim_review(
        claim=claim,
        status=Status.FALSE,
        by=second_editor,
        note="Police later said 9.",
        expected_version=1,
    )

    with pytest.raises(ReviewConflict) as exc:
        claim_review(
            claim=claim,
            status=Status.VERIFIED,
            by=editor,
            note="Looks right",
            evidence=[{"url": "https://x.example"}],
            expected_version=1,
        )

    conflict = exc.value
    assert "erin changed this claim to False" in str(conflict)
    assert "Their note: “Police later said 9.”" in str(conflict)
    assert "Your decision was not saved" in str(conflict)
    assert conflict.claim.status == Status.FALSE and conflict.claim.version == 2
    assert conflict.latest_change.changed_by == second_editor
    assert conflict.expected_version == 1
    # Nothing of the losing review was written: not its status, its history row or its evidence.
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version, fresh.status_changed_by) == ("false", 2, second_editor)
    assert StatusChange.objects.filter(claim=claim).count() == 1
    assert not Evidence.objects.filter(claim=claim).exists()


def test_conflict_uses_full_name_when_there_is_one(editor, second_editor):
    second_editor.first_name, second_editor.last_name = "Erin", "Shaw"
    second_editor.save()
    claim = make_claim()
    claim_review(claim=claim, status=Status.DISPUTED, by=second_editor, expected_version=1)
    with pytest.raises(ReviewConflict, match="Erin Shaw changed this claim to Disputed"):
        claim_review(claim=claim, status=Status.UNVERIFIED, by=editor, expected_version=1)


def test_current_version_is_accepted(editor):
    claim = make_claim()
    claim_review(claim=claim, status=Status.DISPUTED, by=editor, expected_version=1)
    claim_review(claim=claim, status=Status.UNVERIFIED, by=editor, expected_version=2)
    assert Claim.objects.get(pk=claim.pk).version == 3


def test_users_without_the_review_permission_are_refused(viewer, outsider):
    claim = make_claim()
    for user in (viewer, outsider):
        with pytest.raises(PermissionDenied):
            claim_review(claim=claim, status=Status.DISPUTED, by=user)
        with pytest.raises(PermissionDenied):
            evidence_add(claim=claim, url="https://a.example", by=user)
    assert not StatusChange.objects.exists()
    assert not Evidence.objects.exists()


def test_evidence_add_keeps_status_and_version_and_touches_updated_at(editor):
    claim = make_claim()
    before = Claim.objects.get(pk=claim.pk)
    ev = evidence_add(
        claim=claim, url=" https://wire.example/b ", by=editor, title="Wire", stance="context"
    )
    after = Claim.objects.get(pk=claim.pk)
    assert (ev.url, ev.title, ev.stance, ev.added_by) == (
        "https://wire.example/b",
        "Wire",
        "context",
        editor,
    )
    assert (after.status, after.version) == (before.status, before.version)
    assert after.updated_at > before.updated_at
    assert not StatusChange.objects.exists()


def test_evidence_add_rejects_bad_url(editor):
    claim = make_claim()
    with pytest.raises(ReviewError, match="not a valid http"):
        evidence_add(claim=claim, url="not a url", by=editor)
    assert not Evidence.objects.exists()


def test_status_change_insert_takes_the_feed_lock_on_postgresql(editor):
    claim = make_claim()
    with CaptureQueriesContext(connection) as ctx:
        claim_review(claim=claim, status=Status.DISPUTED, by=editor)
    sql = [q["sql"] for q in ctx.captured_queries]
    lock_at = [i for i, s in enumerate(sql) if "pg_advisory_xact_lock" in s]
    if connection.vendor != "postgresql":
        assert lock_at == []
        return
    insert_at = [i for i, s in enumerate(sql) if 'INSERT INTO "claims_statuschange"' in s]
    assert len(lock_at) == 1 and len(insert_at) == 1
    # Immediately before the insert, with our key.
    assert lock_at[0] == insert_at[0] - 1
    assert str(STATUS_CHANGE_LOCK_KEY) in sql[lock_at[0]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks and concurrent connections"
)
def test_two_editors_racing_on_postgresql_one_wins_one_gets_a_conflict(editor, second_editor):
    """Editor B submits while editor A's review holds the row: B waits, then sees A's decision."""
    claim = make_claim()
    a_has_lock = threading.Event()
    release_a = threading.Event()
    results: dict[str, object] = {}

    def editor_a() -> None:
        try:
            with transaction.atomic():
                claim_review(
                    claim=claim, status=Status.FALSE, by=editor, note="A", expected_version=1
                )
                a_has_lock.set()
                release_a.wait(10)
            results["a"] = "ok"
        finally:
            connection.close()

    def editor_b() -> None:
        try:
            a_has_lock.wait(10)
            claim_review(
                claim=claim, status=Status.VERIFIED, by=second_editor, note="B", expected_version=1
            )
            results["b"] = "ok"
        except ReviewConflict as exc:
            results["b"] = exc
        finally:
            connection.close()

    ta, tb = threading.Thread(target=editor_a), threading.Thread(target=editor_b)
    ta.start()
    tb.start()
    a_has_lock.wait(10)
    # B is now blocked on A's row lock; without select_for_update it would already have
    # read version 1 and gone ahead.
    tb.join(0.5)
    assert tb.is_alive()
    release_a.set()
    ta.join(10)
    tb.join(10)

    assert results["a"] == "ok"
    assert isinstance(results["b"], ReviewConflict)
    assert "eddie changed this claim to False" in str(results["b"])
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version) == ("false", 2)
    assert list(StatusChange.objects.filter(claim=claim).values_list("note", flat=True)) == ["A"]
