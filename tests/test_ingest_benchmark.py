"""benchmark_ingest runs end to end on a tiny corpus (its figures are read, never asserted)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from tests.queue import REDIS_URL, redis_or_skip


@pytest.mark.slow
@pytest.mark.django_db
def test_benchmark_ingest_runs_end_to_end() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("benchmark_ingest measures on PostgreSQL, the production database")
    redis_or_skip()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/claimdesk_ingest_bench_test"
    out = io.StringIO()
    call_command(
        "benchmark_ingest",
        "--articles", "2", "--repeats", "1", "--feed-seconds", "2",
        "--broker-url", REDIS_URL, "--database-url", url,
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    for label in (
        "import_articles, 1 process (no queue)",
        "queue, 1 worker process (submit to commit)",
        "queue, 2 worker processes",
        "2 workers vs 1 worker",
    ):
        assert label in text
    assert re.search(r"Feed at 1 article/s, polled every second, 2 workers: 2 articles", text)
    # Every article the benchmark imported had its claims served by the API.
    answered = re.search(r"checked through /api/claims/\?article=ID: (\d+) answered", text)
    assert answered and int(answered.group(1)) >= 8
