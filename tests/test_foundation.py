"""Settings, migrations and model-level guarantees that everything else builds on."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, transaction

from claims.models import AppendOnlyError, Claim, StatusChange
from tests.conftest import make_article, make_claim

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_documented_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "0",
            "SECRET_KEY": "x" * 60 + "production-like-secret-key-for-the-check",
            "ALLOWED_HOSTS": "claims.example.org",
            "CLAIMDESK_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = run_manage("check", env={"DEBUG": "0", "CLAIMDESK_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "claims.E001" in result.stderr
    assert "SECRET_KEY is required" in result.stderr


def test_bad_boolean_is_refused(tmp_path):
    result = run_manage("check", env={"DEBUG": "maybe", "CLAIMDESK_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_migrations_are_up_to_date(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_groups_exist_with_review_permission_only_for_editors(editor, viewer):
    assert editor.has_perm("claims.review_claim")
    assert editor.has_perm("claims.add_evidence")
    assert viewer.has_perm("claims.view_claim")
    assert not viewer.has_perm("claims.review_claim")
    assert not viewer.has_perm("claims.add_evidence")


def test_fingerprint_is_unique_within_an_article_only(db):
    article = make_article()
    make_claim(article, fingerprint="same")
    make_claim(make_article(), fingerprint="same")  # another article: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(article, fingerprint="same")


def test_figure_range_must_be_ordered(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(value_low=20, value_high=10)


def test_figure_claims_need_a_value(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(value_low=None, value_high=None)
    attribution = make_claim(
        kind=Claim.Kind.ATTRIBUTION, value_low=None, value_high=None, qualifier="", outcome=""
    )
    assert attribution.pk


def test_article_url_is_unique_when_present(db):
    make_article(url=None)
    make_article(url=None)
    make_article(url="https://news.example/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(url="https://news.example/a")


def test_status_changes_are_append_only(db):
    claim = make_claim()
    change = StatusChange.objects.create(
        claim=claim, from_status="unreviewed", to_status="verified", claim_version=2
    )
    change.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    with pytest.raises(AppendOnlyError):
        StatusChange.objects.filter(pk=change.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        StatusChange.objects.filter(pk=change.pk).delete()
    assert StatusChange.objects.get(pk=change.pk).note == ""


def test_figure_display_reads_like_the_text(db):
    assert make_claim(value_low=3800, value_high=None, qualifier="more_than").figure_display == (
        "more than 3,800"
    )
    assert make_claim(value_low=10, value_high=20, qualifier="range").figure_display == "10–20"
    assert make_claim(value_low=26, value_high=26, qualifier="exact").figure_display == "26"


def test_create_demo_editor_prints_working_credentials(db):
    out = StringIO()
    call_command("create_demo_editor", stdout=out)
    password = out.getvalue().split("password: ")[1].strip()
    user = User.objects.get(username="editor")
    assert user.check_password(password)
    assert user.has_perm("claims.review_claim")
    # Running it again resets the password rather than failing or adding a second account.
    call_command("create_demo_editor", stdout=StringIO())
    assert User.objects.filter(username="editor").count() == 1
    assert not User.objects.get(username="editor").check_password(password)
