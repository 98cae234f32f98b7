"""`manage.py extract_claims`: prints claims from article files, writes nothing.

The last tests run the shared scorer over the command's output for the seed article and the dev
set, so the quality targets (issue 3, item 7) are checked where the scoring data is present.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Article, Claim

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
SEED = REPO / "seeds" / "000_cefef65e9a757100.txt"

pytestmark = pytest.mark.slow

ARTICLE = """Police detain protesters
URL: https://example.org/news/1
Outlet: Example News
Published: 2024-05-02

Police detained 45 people in the capital on Sunday, the interior ministry said.

“We will not be silenced,” said Maria Ortiz, a student leader.
"""


def _run(*args: str, stdin: str | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        fake = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        old = sys.stdin
        sys.stdin = fake
        try:
            call_command("extract_claims", *args, stdout=out, stderr=err)
        finally:
            sys.stdin = old
    else:
        call_command("extract_claims", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "detentions.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_jsonl_prints_one_scorer_line_per_claim_and_writes_nothing(db, article: Path) -> None:
    assert (Article.objects.count(), Claim.objects.count()) == (0, 0)
    out, _ = _run(str(article), "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert {line["doc"] for line in lines} == {"detentions.txt"}
    arrest = next(line for line in lines if line["kind"] == "arrest")
    assert (arrest["value_low"], arrest["outcome"], arrest["subject"]) == (45, "detained", "people")
    assert arrest["speaker"] == "interior ministry"
    quote = next(line for line in lines if line["kind"] == "attribution" and line["direct"])
    assert quote["speaker"] == "Maria Ortiz" and "student leader" in quote["speaker_role"]
    # Offsets point into the body (after the header), not into the file.
    body = ARTICLE.split("\n\n", 1)[1].strip()
    assert body[arrest["start"] : arrest["end"]] == arrest["sentence"]
    assert (Article.objects.count(), Claim.objects.count()) == (0, 0)


def test_table_is_readable(article: Path) -> None:
    out, err = _run(str(article), "--format", "table")
    assert "detentions.txt: 3 claims" in out
    assert "45 detained (people)" in out
    assert "Maria Ortiz [student leader]" in out
    assert "3 claims from 1 articles" in err


def test_stdin(article: Path) -> None:
    out, _ = _run("-", "--format", "jsonl", stdin=ARTICLE)
    lines = [json.loads(line) for line in out.splitlines()]
    assert {line["doc"] for line in lines} == {"<stdin>"}
    assert any(line["value_low"] == 45 for line in lines)


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="no readable articles"):
        call_command("extract_claims", str(missing), stdout=out, stderr=err)
    assert f"{missing}: no such file or folder" in err.getvalue()


def test_bad_file_among_good_ones_is_named_and_fails_the_run(tmp_path: Path, article: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 input"):
        call_command(
            "extract_claims", str(article), str(empty), "--format", "jsonl", stdout=out, stderr=err
        )
    assert f"{empty}: the file is empty" in err.getvalue()
    assert '"doc": "detentions.txt"' in out.getvalue()  # the good file was still extracted


def test_many_files_stream_in_chunks_and_keep_their_order(tmp_path: Path) -> None:
    names = [f"a{n}.txt" for n in range(7)]
    for name in names:
        (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    # --batch-size 1: chunks of four articles, so the seven files span two chunks.
    out, _ = _run(*(str(tmp_path / n) for n in names), "--format", "jsonl", "--batch-size", "1")
    docs = [json.loads(line)["doc"] for line in out.splitlines()]
    assert list(dict.fromkeys(docs)) == names
    assert len(docs) == 3 * len(names)


def test_batch_size_must_be_positive(article: Path) -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        _run(str(article), "--batch-size", "0")


def _score(gold: Path, predictions: Path) -> dict:
    result = subprocess.run(
        [sys.executable, str(EVAL / "score.py"), str(gold), str(predictions), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


needs_eval = pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is not present")


@needs_eval
def test_seed_meets_the_quality_targets(tmp_path: Path) -> None:
    # The gold names the seed by its file name, which seeds/ keeps.
    out, _ = _run(str(SEED), "--format", "jsonl")
    predictions = tmp_path / "seed.jsonl"
    predictions.write_text(out, encoding="utf-8")
    summary = _score(EVAL / "gold" / "seed.json", predictions)
    for kind, scores in summary["kinds"].items():
        assert scores["f1"] >= 0.95, (kind, scores)
    assert summary["all"]["strict_f1"] >= 0.9, summary["all"]
    for field, scores in summary["fields"].items():
        assert scores["accuracy"] >= 0.9, (field, scores)


@needs_eval
def test_dev_set_stays_accurate(tmp_path: Path) -> None:
    # A regression guard, not the target: the dev articles are real VOA reports.
    files = sorted(str(p) for p in (EVAL / "dev").glob("*.txt"))
    out, _ = _run(*files, "--format", "jsonl")
    predictions = tmp_path / "dev.jsonl"
    predictions.write_text(out, encoding="utf-8")
    summary = _score(EVAL / "gold" / "dev.json", predictions)
    assert summary["all"]["f1"] >= 0.9, summary["all"]
    assert summary["all"]["strict_f1"] >= 0.85, summary["all"]
