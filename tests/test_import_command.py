"""`manage.py import_articles`, driven the way an editor or a cron job runs it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.extraction import extract_claims_many
from claims.models import Article, Claim, Outlet

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED = ROOT / "seeds" / "000_cefef65e9a757100.txt"


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def import_articles(*args: str, **options) -> tuple[str, str]:
    out, err = options.pop("stdout", io.StringIO()), options.pop("stderr", io.StringIO())
    try:
        call_command("import_articles", *args, stdout=out, stderr=err, **options)
    finally:
        import_articles.last = (out.getvalue(), err.getvalue())  # type: ignore[attr-defined]
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_every_format_and_a_folder_in_one_run():
    out, err = import_articles(
        str(FIXTURES / "wire_story.txt"),
        str(FIXTURES / "article.html"),
        str(FIXTURES / "windows1252.html"),
        str(FIXTURES / "feed.jsonl"),
        str(FIXTURES / "folder"),
        "--no-extract",
    )
    assert "7 created, 0 updated, 0 unchanged, 0 failed (7 inputs in" in out
    assert err == ""
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {
        "Security forces kill 14 protesters in northern city, ministry says",
        "Dozens arrested as protests spread to port city",
        "Café owners protest new curfew",
        "Strike on market kills 9, officials say",
        "Court jails 12 activists",
        "Flooding displaces thousands along river delta",
        "Opposition leader detained after rally",
    }
    jsonl = Article.objects.get(title="Court jails 12 activists")
    assert jsonl.imported_from == f"{FIXTURES / 'feed.jsonl'}:3"


@pytest.mark.django_db
def test_seed_article_imports_with_its_first_line_as_title_and_three_agencies():
    out, _ = import_articles(str(ROOT / "seeds"), "--no-extract")
    assert "3 created" in out  # the seed and the demo's two follow-up reports (seeds/README.md)
    article = Article.objects.get(source_key__startswith="title:")
    assert article.title == "Kazakh President issues kill order to quell protests"
    assert article.body == SEED.read_text(encoding="utf-8").split("\n", 1)[1].strip()
    assert sorted(article.credited_agencies.values_list("name", "kind")) == [
        ("Agence France-Presse", "agency"),
        ("Reuters", "agency"),
        ("The Associated Press", "agency"),
    ]


@pytest.mark.django_db
def test_second_run_reports_everything_unchanged():
    import_articles(str(FIXTURES / "folder"), str(FIXTURES / "feed.jsonl"), "--no-extract")
    out, _ = import_articles(str(FIXTURES / "folder"), str(FIXTURES / "feed.jsonl"), "--no-extract")
    assert "0 created, 0 updated, 4 unchanged, 0 failed" in out
    assert Article.objects.count() == 4


@pytest.mark.django_db
def test_bad_inputs_are_listed_with_reasons_and_the_run_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    (tmp_path / "latin1.txt").write_bytes("Título\n\nAcción policial".encode("latin-1"))
    with pytest.raises(CommandError, match=r"^9 of 11 inputs failed to import"):
        import_articles(
            str(tmp_path),
            str(tmp_path / "missing.txt"),
            str(FIXTURES / "feed_with_errors.jsonl"),
            str(FIXTURES / "no_text.html"),
            "--no-extract",
        )
    out, err = import_articles.last  # type: ignore[attr-defined]
    assert "9 failed" in out
    assert "2 created, 0 updated, 0 unchanged, 9 failed" in out
    lines = err.splitlines()
    assert lines[0] == "Failed:"
    assert f"  {tmp_path / 'binary.txt'}: looks like a binary file" in err
    assert f"  {tmp_path / 'empty.txt'}: the file is empty" in lines
    assert f"  {tmp_path / 'latin1.txt'}: is not UTF-8 text (bad byte 0xED at line 1" in err
    assert f"  {tmp_path / 'missing.txt'}: no such file or folder" in lines
    assert f"  {FIXTURES / 'feed_with_errors.jsonl'}:2: not valid JSON" in err
    assert f'  {FIXTURES / "feed_with_errors.jsonl"}:3: no "body" (the article text)' in lines
    assert f"  {FIXTURES / 'no_text.html'}: no article text found in the HTML" in err
    # The two good lines of the JSONL file were imported; nothing of the bad ones.
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Good line one",
        "Good line six",
    ]


@pytest.mark.django_db
def test_file_over_the_configured_size_limit(settings):
    settings.CLAIMDESK_MAX_IMPORT_BYTES = 500
    with pytest.raises(CommandError):
        import_articles(str(FIXTURES / "wire_story.txt"), "--no-extract")
    _, err = import_articles.last  # type: ignore[attr-defined]
    assert "over the import limit of 500 bytes (CLAIMDESK_MAX_IMPORT_BYTES)" in err
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    out, _ = import_articles(str(FIXTURES / "folder"), str(SEED), "--dry-run")
    assert out.startswith("Dry run, nothing saved: would have 3 created, 0 updated")
    assert Article.objects.count() == Claim.objects.count() == Outlet.objects.count() == 0


@pytest.mark.django_db
def test_outlet_option_fills_in_articles_without_one():
    import_articles(str(FIXTURES / "folder"), "--outlet", "Regional Wire", "--no-extract")
    outlets = dict(Article.objects.values_list("title", "outlet__name"))
    assert outlets == {
        "Flooding displaces thousands along river delta": "Regional Wire",
        "Opposition leader detained after rally": "Capital Courier",  # its own header wins
    }


@pytest.mark.django_db
def test_stdin_with_forced_format(monkeypatch):
    data = (FIXTURES / "feed.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out, _ = import_articles("-", "--format", "jsonl", "--no-extract")
    assert "2 created" in out
    assert sorted(Article.objects.values_list("imported_from", flat=True)) == [
        "<stdin>:1",
        "<stdin>:3",
    ]


def test_stdin_from_a_terminal_is_refused_instead_of_waiting(monkeypatch):
    monkeypatch.setattr(sys, "stdin", TTY())
    with pytest.raises(CommandError, match="nothing is piped in"):
        import_articles("-")


@pytest.mark.django_db
def test_verbosity_2_lists_each_article_and_0_only_failures(tmp_path):
    out, _ = import_articles(str(FIXTURES / "folder"), "--no-extract", verbosity=2)
    assert f"created    {FIXTURES / 'folder' / 'first.txt'}  “Flooding displaces" in out
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(CommandError):
        import_articles(str(FIXTURES / "folder"), str(tmp_path), "--no-extract", verbosity=0)
    out, err = import_articles.last  # type: ignore[attr-defined]
    assert out == ""
    assert err == f"Failed:\n  {tmp_path / 'empty.txt'}: the file is empty\n"


@pytest.mark.django_db
def test_progress_bar_only_on_a_terminal():
    _, err = import_articles(str(FIXTURES / "folder"), "--no-extract")
    assert err == ""
    tty = TTY()
    import_articles(str(FIXTURES / "folder"), "--no-extract", stderr=tty)
    assert "2 articles" in tty.getvalue() and "\r" in tty.getvalue()


@pytest.mark.django_db
def test_workers_must_be_positive():
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        import_articles(str(SEED), "--workers", "0")


@pytest.mark.slow
@pytest.mark.django_db
def test_workers_give_the_same_result_as_one_process(tmp_path):
    # Two copies of every article under new URLs/titles, so both runs create everything.
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "folder", corpus / "a")
    shutil.copy(SEED, corpus / "a" / "seed.txt")
    shutil.copy(FIXTURES / "wire_story.txt", corpus / "a" / "wire.txt")

    import_articles(str(corpus), verbosity=0)
    single = {
        a.title: sorted(a.claims.values_list("fingerprint", flat=True))
        for a in Article.objects.all()
    }
    Claim.objects.all().delete()
    Article.objects.all().delete()

    out, _ = import_articles(str(corpus), "--workers", "2")
    assert "4 created, 0 updated, 0 unchanged, 0 failed" in out
    parallel = {
        a.title: sorted(a.claims.values_list("fingerprint", flat=True))
        for a in Article.objects.all()
    }
    assert parallel == single
    # And the claims are what the extractor finds, not merely the same twice.
    seed = Article.objects.get(title__startswith="Kazakh President")
    expected = {c.fingerprint for c in next(iter(extract_claims_many([seed.body])))}
    assert set(parallel[seed.title]) == expected


def manage(*args: str, data_dir: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update({"DEBUG": "1", "CLAIMDESK_DATA_DIR": str(data_dir)})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=300,
    )


@pytest.mark.slow
def test_real_command_from_stdin_and_exit_status(tmp_path):
    assert manage("migrate", "-v0", data_dir=tmp_path).returncode == 0

    piped = manage("import_articles", "-", data_dir=tmp_path, stdin=SEED.read_bytes())
    assert piped.returncode == 0, piped.stderr.decode()
    assert b"1 created, 0 updated, 0 unchanged, 0 failed" in piped.stdout

    again = manage("import_articles", "-", data_dir=tmp_path, stdin=SEED.read_bytes())
    assert b"0 created, 0 updated, 1 unchanged, 0 failed" in again.stdout

    failed = manage("import_articles", str(SEED), "nope.txt", data_dir=tmp_path)
    assert failed.returncode == 1
    assert b"nope.txt: no such file or folder" in failed.stderr
    assert b"1 of 2 inputs failed to import" in failed.stderr
