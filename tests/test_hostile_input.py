"""Hostile input (issue 14): no bad input makes a 500, loses a batch or breaks a feed.

Each test drives a public surface (the import command, the API, the Atom feed) with an input that
once crashed it: a deeply nested JSON line, control characters, UTC offsets and dates at the ends
of the calendar, pages with no article, NUL bytes, UTF-16, half surrogate pairs, an over-long line,
and a forged X-Forwarded-For.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from claims.models import Article
from claims.services import claim_review
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
ROOT = Path(__file__).resolve().parent.parent
GOOD_TEXT = "First headline\n\nPolice said 3 people were arrested in the capital on Friday.\n"


def line(title: str, body: str = "Police said 12 protesters were arrested.", **more) -> str:
    return json.dumps({"title": title, "body": body, **more}) + "\n"


def import_articles(*args: str) -> tuple[str, str, CommandError | None]:
    """Run the command; (stdout, stderr, the CommandError it ended with, if any)."""
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command("import_articles", *args, stdout=out, stderr=err)
    except CommandError as exc:
        error = exc
    return out.getvalue(), err.getvalue(), error


def titles() -> set[str]:
    return set(Article.objects.values_list("title", flat=True))


# --- 1. a deeply nested JSON line -----------------------------------------------------------


def nested_feed(tmp_path: Path) -> tuple[Path, Path]:
    story = tmp_path / "story.txt"
    story.write_text(GOOD_TEXT, encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line("Before") + "[" * 1100 + "\n" + line("After"), encoding="utf-8")
    return story, feed


def test_a_deeply_nested_json_line_fails_alone_and_the_rest_of_the_run_is_written(tmp_path):
    story, feed = nested_feed(tmp_path)
    out, err, error = import_articles(str(story), str(feed), "--no-extract")
    assert "1 of 4 inputs failed" in str(error)
    assert f"  {feed}:2: not an article: JSON nested too deeply" in err
    assert "Traceback" not in err
    assert "3 created, 0 updated, 0 unchanged, 1 failed" in out
    assert titles() == {"First headline", "Before", "After"}


def test_a_deeply_nested_json_line_on_stdin_fails_alone(monkeypatch):
    data = (line("Before") + "[" * 1100 + "\n" + line("After")).encode()
    for fmt in (["--format", "jsonl"], []):  # named, and sniffed from the first line
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        _, err, error = import_articles("-", "--no-extract", *fmt)
        assert error is not None
        assert "  <stdin>:2: not an article: JSON nested too deeply" in err
        assert titles() == {"Before", "After"}


@pytest.mark.slow
def test_a_deeply_nested_json_line_with_two_workers_fails_alone(tmp_path):
    story, feed = nested_feed(tmp_path)
    out, err, _ = import_articles(str(story), str(feed), "--workers", "2")
    assert f"  {feed}:2: not an article: JSON nested too deeply" in err
    assert "3 created, 0 updated, 0 unchanged, 1 failed" in out
    assert titles() == {"First headline", "Before", "After"}


# --- 2. control characters ------------------------------------------------------------------


def test_control_characters_are_stripped_from_titles_and_bodies_on_import(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        line(
            "Bad\x01 \x1b[31mtitle\x7f",
            "Police\x01 said 12 protesters were\x00 arrested.\x0cA new\rline.\n\tTabbed.",
            agencies=["Reu\x07ters"],
        ),
        encoding="utf-8",
    )
    text = tmp_path / "story.txt"
    text.write_bytes(b"Text\x02 title\n\nPolice\x03 said 3 people were arrested.\x1b\n")
    import_articles(str(feed), str(text), "--no-extract")
    article = Article.objects.get(imported_from=f"{feed}:1")
    assert article.title == "Bad [31mtitle"
    assert article.body == "Police said 12 protesters were arrested.\nA new\nline.\n\tTabbed."
    assert list(article.credited_agencies.values_list("name", flat=True)) == ["Reuters"]
    other = Article.objects.get(imported_from=str(text))
    assert (other.title, other.body) == ("Text title", "Police said 3 people were arrested.")


def test_the_atom_feed_survives_an_imported_control_character(tmp_path, client, editor):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line("Riot\x01", "Police said\x01 12 protesters were arrested."))
    import_articles(str(feed), "--no-extract")
    article = Article.objects.get()
    claim = make_claim(article, sentence=article.body)
    claim_review(claim=claim, status="disputed", by=editor, note="Two\x02 sources disagree")
    response = client.get("/feeds/status-changes/")
    assert response.status_code == 200
    entry = ET.fromstring(response.content).find(f"{ATOM}entry")
    assert "Police said 12 protesters were arrested." in entry.find(f"{ATOM}summary").text


def test_the_atom_feed_survives_control_characters_already_in_the_database(client, editor):
    # Rows written before import stripped them (or by another path): defence in depth.
    article = make_article(title="Old\x01 title", body="Police\x01 said 12 were arrested.\x1f")
    claim = make_claim(article, sentence=article.body)
    claim_review(claim=claim, status="disputed", by=editor, note="Note\x0b with a tab\x08")
    response = client.get("/feeds/status-changes/")
    assert response.status_code == 200
    summary = ET.fromstring(response.content).find(f"{ATOM}entry/{ATOM}summary").text
    assert "Police\ufffd said 12 were arrested.\ufffd" in summary
    assert "Old\ufffd title" in summary


def test_atom_entry_ids_are_absolute(client, editor):
    claim_review(claim=make_claim(), status="disputed", by=editor, note="n")
    response = client.get("/feeds/status-changes/")
    entry_id = ET.fromstring(response.content).find(f"{ATOM}entry/{ATOM}id").text
    assert entry_id.startswith("http://testserver/api/status-changes/#change-")


# --- 3. UTC offsets and the ends of the calendar --------------------------------------------

OUT_OF_RANGE = [
    "2024-01-01T00:00:00+16:00",
    "2024-01-01T00:00:00-16:30",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+01:00",
]


@pytest.mark.parametrize("url", ["/api/claims/", "/api/articles/"])
@pytest.mark.parametrize("since", OUT_OF_RANGE)
def test_updated_since_out_of_range_is_a_400_naming_it(client, url, since):
    make_claim()
    response = client.get(url, {"updated_since": since})
    assert response.status_code == 400
    assert list(response.json()) == ["updated_since"]


@pytest.mark.parametrize("url", ["/api/claims/", "/api/articles/"])
def test_updated_since_with_an_extreme_but_real_offset_works(client, url):
    make_claim()
    # 14:00 ahead of UTC (Kiribati) on 1 Jan 2000 is still 1999 in UTC: everything is newer.
    response = client.get(url, {"updated_since": "2000-01-01T00:00:00+14:00"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("published", [*OUT_OF_RANGE, "2024-03-15T10:00:00+23:59"])
def test_published_out_of_range_is_a_one_line_error(tmp_path, published):
    story = tmp_path / "story.txt"
    story.write_text(f"Headline\nPublished: {published}\n\nPolice said 3 were arrested.\n")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line("From a feed", published=published) + line("Good"))
    _, err, _ = import_articles(str(story), str(feed), "--no-extract")
    assert err.splitlines() == [
        "Failed:",
        f"  {story}: \"published\" cannot be stored: '{published}' ({reason(published)})",
        f"  {feed}:1: \"published\" cannot be stored: '{published}' ({reason(published)})",
    ]
    assert titles() == {"Good"}


def reason(published: str) -> str:
    if published.startswith(("9999", "0001")):
        return "in UTC it falls before the year 1 or after 9999"
    return "its UTC offset is beyond ±15:59"


def test_published_with_an_offset_is_stored_as_the_same_moment(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Headline\nPublished: 2024-03-15T10:00:00+14:00\n\nPolice said 3.\n")
    import_articles(str(story), "--no-extract")
    assert Article.objects.get().published_at.isoformat() == "2024-03-14T20:00:00+00:00"


# --- 4. HTML pages with no article ------------------------------------------------------------

NAVIGATION = """<html><head><title>Example News</title></head><body><nav><ul>
<li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav></body></html>"""
SIGN_IN = """<html><head><title>Sign in</title></head><body><form><h1>Log in</h1>
<label>Username</label><input name="u"><label>Password</label><input type="password">
<button>Log in</button></form></body></html>"""
BRIEF = """<html><head><title>Police arrest 12</title></head><body><article>
<h1>Police arrest 12</h1><p>Police arrested 12 protesters in the capital on Friday.</p>
</article></body></html>"""


def test_html_pages_without_an_article_are_refused_by_name(tmp_path):
    for name, html in (("nav.html", NAVIGATION), ("sign-in.html", SIGN_IN), ("ok.html", BRIEF)):
        (tmp_path / name).write_text(html, encoding="utf-8")
    _, err, error = import_articles(str(tmp_path), "--no-extract")
    assert "2 of 3 inputs failed" in str(error)
    problem = "no article text found in the HTML (only a headline, links or a form)"
    assert f"  {tmp_path / 'nav.html'}: {problem}" in err
    assert f"  {tmp_path / 'sign-in.html'}: {problem}" in err
    assert titles() == {"Police arrest 12"}


# --- 5. NUL bytes, UTF-16, surrogates, an over-long line -------------------------------------


def test_a_nul_byte_after_the_first_8_kb_of_a_text_file_is_named(tmp_path):
    story = tmp_path / "story.txt"
    body = "Police said 3 people were arrested. " * 300
    story.write_bytes(f"Headline\n\n{body}".encode() + b"\x00 the rest\n")
    _, err, error = import_articles(str(story), "--no-extract")
    assert error is not None
    assert err.splitlines()[1] == (
        f"  {story}: looks like a binary file (it contains NUL bytes, the first at line 3, "
        f"column {len(body) + 1}), not UTF-8 text; if it is UTF-16 text, save it as UTF-8"
    )
    assert not Article.objects.exists()


def test_an_escaped_nul_or_half_surrogate_in_a_json_string_is_stored_without_it(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"title": "NUL\\u0000 title", "body": "Police said\\u0000 12 were arrested."}\n'
        '{"title": "Half \\ud800 pair", "body": "Police said \\udfff 3 were arrested."}\n',
        encoding="utf-8",
    )
    out, err, error = import_articles(str(feed), "--no-extract", "-v", "2")
    assert error is None, err
    assert sorted(Article.objects.values_list("title", "body")) == [
        ("Half \ufffd pair", "Police said \ufffd 3 were arrested."),
        ("NUL title", "Police said 12 were arrested."),
    ]
    assert "created    " in out


def test_a_nul_on_the_first_json_line_is_named_with_its_line(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"title": "x\x00", "body": "y"}\n' + line("Second").encode())
    _, err, _ = import_articles(str(feed), "--no-extract")
    assert f"  {feed}:1: looks like a binary file (it contains NUL bytes), not JSON Lines" in err


def test_a_nul_on_a_later_json_line_fails_that_line_only(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(line("First").encode() + b'{"title": "x\x00"}\n' + line("Third").encode())
    _, err, _ = import_articles(str(feed), "--no-extract")
    assert f"  {feed}:2: contains NUL bytes: binary data, not a JSON line" in err
    assert titles() == {"First", "Third"}


def test_utf16_text_with_a_byte_order_mark_is_decoded(tmp_path):
    story = tmp_path / "story.txt"
    story.write_bytes("Café closes\n\nPolice said 3 people were arrested.\n".encode("utf-16"))
    page = tmp_path / "page.html"
    page.write_bytes(BRIEF.encode("utf-16"))
    _, err, error = import_articles(str(story), str(page), "--no-extract")
    assert error is None, err
    assert titles() == {"Café closes", "Police arrest 12"}


def test_utf16_json_lines_are_named_an_encoding_problem(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(line("Title").encode("utf-16"))
    _, err, _ = import_articles(str(feed), "--no-extract")
    assert err.splitlines()[1] == (
        f"  {feed}: is UTF-16 or UTF-32 text (it starts with a byte order mark); JSON Lines must "
        "be UTF-8: save it as UTF-8"
    )


def test_an_over_long_json_line_is_reported_once(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line("Huge", "x" * (6 * 1024 * 1024)))
    _, err, error = import_articles(str(feed), "--no-extract")
    assert err.splitlines() == [
        "Failed:",
        f"  {feed}:1: the line is 6.0 MB, over the import limit of 5.0 MB "
        "(CLAIMDESK_MAX_IMPORT_BYTES)",
    ]
    assert "1 of 1 inputs failed" in str(error)


def test_the_line_after_an_over_long_one_is_read(tmp_path, settings):
    settings.CLAIMDESK_MAX_IMPORT_BYTES = 200
    feed = tmp_path / "feed.jsonl"
    feed.write_text(line("Huge", "x" * 1000) + line("Next"))
    _, err, _ = import_articles(str(feed), "--no-extract")
    assert f"{feed}:1: the line is" in err
    assert titles() == {"Next"}


# --- the command's own output ------------------------------------------------------------------


def test_terminal_escapes_in_titles_are_not_echoed_raw(tmp_path):
    story = tmp_path / "story\x1b[2J.txt"
    story.write_text(GOOD_TEXT.replace("First", "\x1b]0;pwned\x07First"))
    out, _, _ = import_articles(str(story), "--no-extract", "-v", "2")
    assert "\x1b" not in out
    assert "story\\x1b[2J.txt" in out


def test_the_summary_of_a_failed_run_gives_no_rate(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    out, _, _ = import_articles(str(tmp_path / "empty.txt"), "--no-extract")
    assert "articles/s" not in out


# --- 6. the anonymous throttle ------------------------------------------------------------------


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    cache.clear()
    yield
    cache.clear()


def test_a_random_x_forwarded_for_does_not_bypass_the_throttle(client, three_a_minute):
    codes = [
        client.get("/api/claims/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_behind_one_proxy_the_address_it_saw_is_the_client(settings, three_a_minute):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="192.0.2.1")

    def get(forwarded_for: str) -> int:
        return proxy.get("/api/claims/", HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # The client may prepend whatever it likes; our proxy appends the address it saw.
    assert [get(f"10.9.9.{n}, 203.0.113.7") for n in range(4)] == [200, 200, 200, 429]
    assert get("203.0.113.8") == 200  # another client behind the same proxy


# --- kill -9 during an import with workers -----------------------------------------------------


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.update(int(child) for child in task.read_text().split())
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent's wait() is missing


def wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="workers follow their parent on Linux only")
def test_workers_end_when_the_import_is_killed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(40):
        (corpus / f"{n}.txt").write_text(f"Story {n}\n\nPolice said {n} people were arrested.\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DEBUG": "1", "CLAIMDESK_DATA_DIR": str(tmp_path)})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    parent = subprocess.Popen(
        [*manage, "import_articles", str(corpus), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The two workers, and multiprocessing's resource tracker.
        assert wait_until(lambda: len(children(parent.pid)) >= 3, timeout=120)
        workers = children(parent.pid)
    finally:
        parent.kill()
        parent.wait()
    assert wait_until(lambda: not any(alive(pid) for pid in workers), timeout=30), [
        pid for pid in workers if alive(pid)
    ]
