"""The benchmark commands' guard rails, and the fill on PostgreSQL (small, so tests stay fast).

The timings themselves are printed by `api_benchmark`, never asserted in tests.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims.management.commands.api_bench_fill import SOURCE_PREFIX
from claims.models import Claim, StatusChange

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and the benchmark need PostgreSQL"
)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
@pytest.mark.parametrize("command", ["api_bench_fill", "api_benchmark"])
def test_benchmark_commands_refuse_sqlite_with_a_clear_message(command):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command(command)


@on_postgresql
def test_fill_copies_claims_with_audit_rows_and_is_idempotent(capsys):
    call_command("api_bench_fill", "--claims", "45", "--dry-run")
    assert "adding 45 in 3 articles" in capsys.readouterr().out
    assert not Claim.objects.exists()

    call_command("api_bench_fill", "--claims", "45")
    claims = Claim.objects.filter(article__source_key__startswith=SOURCE_PREFIX)
    assert claims.count() == 45
    reviewed = claims.exclude(status="unreviewed")
    # Every reviewed claim has its StatusChange, as claim_review would have written it.
    assert StatusChange.objects.count() == reviewed.count()
    assert set(StatusChange.objects.values_list("claim_id", flat=True)) == set(
        reviewed.values_list("id", flat=True)
    )
    assert claims.filter(kind="attribution", value_low__isnull=True).exists()

    call_command("api_bench_fill", "--claims", "45")
    assert "nothing to do" in capsys.readouterr().out
    call_command("api_bench_fill", "--claims", "60")
    assert claims.count() == 60


@on_postgresql
def test_benchmark_refuses_a_database_too_small_for_the_deep_page():
    call_command("api_bench_fill", "--claims", "20")
    with pytest.raises(CommandError, match="Run api_bench_fill first"):
        call_command("api_benchmark", "--deep-pages", "1")
