"""The import benchmark command: its corpus is realistic and it runs end to end.

The speed targets themselves are shown by running the command, never asserted here: timings in a
shared test run would be flaky and prove nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.importers.jsonl import parse_jsonl_line
from claims.management.commands.benchmark_import import make_corpus

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = (ROOT / "seeds" / "000_cefef65e9a757100.txt").read_text(encoding="utf-8")


def test_corpus_articles_are_distinct_600_word_news_articles():
    corpus = make_corpus(20, seed_text=SEED_TEXT)
    words = [len(a["body"].split()) for a in corpus]
    assert all(600 <= n <= 800 for n in words), words
    assert len({a["body"] for a in corpus}) == 20
    assert len({a["url"] for a in corpus}) == 20
    # Years stay years; other numbers vary between articles.
    assert all("1991" in a["body"] for a in corpus if "Soviet Union" in a["body"])
    # Each one is a valid import record.
    for n, article in enumerate(corpus, start=1):
        record = parse_jsonl_line(json.dumps(article), origin=f"corpus.jsonl:{n}")
        assert record.title and record.url


def test_corpus_is_the_same_on_every_run():
    assert make_corpus(3, seed_text=SEED_TEXT) == make_corpus(3, seed_text=SEED_TEXT)


@pytest.mark.slow
def test_benchmark_runs_end_to_end_on_a_tiny_corpus():
    out = io.StringIO()
    call_command(
        "benchmark_import",
        "--articles",
        "3",
        "--repeats",
        "1",
        "--memory-articles",
        "3",
        "--database-url",
        "none",
        stdout=out,
    )
    text = out.getvalue()
    assert "Corpus: 3 articles" in text
    for label in (
        "SQLite: bare spaCy nlp.pipe",
        "SQLite: extraction (extract_claims_many)",
        "SQLite: import, 1 process",
        "SQLite: import, --workers 2",
        "SQLite: --workers 2 speed-up over 1 process",
        "Peak memory of `import_articles` over 3 articles (1 process):",
    ):
        assert label in text
    assert "PostgreSQL" not in text
