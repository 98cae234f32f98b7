"""The matching benchmark command runs end to end and its scoring counts what it should.

The targets are shown by running `benchmark_matching`, never asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "matching"


def _small_corpus(folder: Path, keys: set[str]) -> None:
    """The corpus cut down to some articles, with the gold that concerns them."""
    folder.mkdir()
    lines = (CORPUS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if line.strip() and json.loads(line)["key"] in keys]
    (folder / "articles.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    gold = json.loads((CORPUS / "gold.json").read_text(encoding="utf-8"))
    claims = [c for c in gold["claims"] if c["article"] in keys]
    mine = {c["key"] for c in claims}
    gold.update(
        claims=claims,
        reprints=[r for r in gold["reprints"] if set(r) <= keys],
        pairs=[p for p in gold["pairs"] if {p["claim"], p["earlier"]} <= mine],
        negatives=[n for n in gold["negatives"] if {n["claim"], n["earlier"]} <= mine],
    )
    (folder / "gold.json").write_text(json.dumps(gold), encoding="utf-8")


def test_benchmark_scores_a_small_corpus_and_prints_its_figures(tmp_path):
    _small_corpus(tmp_path / "small", {"a01", "a02", "a13"})  # a story, its reprint, another
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="1", CLAIMDESK_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "manage.py", "benchmark_matching", "--corpus", str(tmp_path / "small")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Corpus small: 3 articles" in out
    assert "reprints linked: 1/1 (wrong links 0)" in out
    assert "same: precision" in out and "MAP@5 over" in out and "plain BM25" in out


def test_benchmark_refuses_a_folder_without_gold(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="1", CLAIMDESK_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "manage.py", "benchmark_matching", "--corpus", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "needs articles.jsonl and gold.json" in done.stderr
    assert "Traceback" not in done.stderr
