"""`manage.py score_figures`: figure grouping scored against an expected.json, no database."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = FIXTURES / "unfolding_expected" / "expected.json"

pytestmark = pytest.mark.slow


def score(folder: Path, expected: Path = EXPECTED) -> str:
    out = StringIO()
    call_command("score_figures", str(folder), str(expected), stdout=out)
    return out.getvalue()


def test_scores_our_own_story() -> None:
    # The anchor of "25 people had been killed" is in the same sentence as the part, so the
    # look-alike pair's "b" is found by its anchor and kept apart as a part.
    assert score(FIXTURES / "unfolding") == (
        "unfolding: reports found 8/8; figures held 4/4; conflicts 1/1 (spurious 0); "
        "look-alikes kept apart 1/1\n"
    )


def test_refuses_a_folder_the_expected_file_does_not_name(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not a series named in"):
        score(tmp_path)
    bad = tmp_path / "expected.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read"):
        score(FIXTURES / "unfolding", bad)
