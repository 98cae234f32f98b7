"""The readers in claims.importers: files, folders and stdin in; article records or errors out.

No database here: the readers are plain functions, which is what lets a worker process run them.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from claims.importers import (
    ArticleRecord,
    RecordError,
    RecordInvalid,
    credited_agencies,
    parse_published,
    read_paths,
    sniff_format,
)
from claims.importers.text import parse_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED = ROOT / "seeds" / "000_cefef65e9a757100.txt"
LIMIT = 5 * 1024 * 1024


def read(*paths: str | Path, **kwargs) -> list[ArticleRecord | RecordError]:
    kwargs.setdefault("max_bytes", LIMIT)
    return list(read_paths([str(p) for p in paths], **kwargs))


def only_record(*paths: str | Path, **kwargs) -> ArticleRecord:
    [item] = read(*paths, **kwargs)
    assert isinstance(item, ArticleRecord), item
    return item


def only_error(*paths: str | Path, **kwargs) -> RecordError:
    [item] = read(*paths, **kwargs)
    assert isinstance(item, RecordError), item
    return item


# --- the text format -------------------------------------------------------------------------


def test_seed_imports_as_it_is_with_its_first_line_as_title():
    record = only_record(SEED)
    raw = SEED.read_text(encoding="utf-8")
    assert record.title == "Kazakh President issues kill order to quell protests"
    assert record.body == raw.split("\n", 1)[1].strip()
    assert record.body.startswith("Kazakh President Kassym-Jomart Tokayev on Friday")
    assert record.url is None and record.outlet is None
    # No Published: header: the date comes from the text (the photo captions' "January 7, 2022").
    assert record.published == datetime(2022, 1, 7, tzinfo=UTC)
    assert record.published_basis == "text"
    # The last line of the seed credits three agencies.
    assert record.agencies == ("The Associated Press", "Reuters", "Agence France-Presse")
    assert record.source_key == "title:|kazakh president issues kill order to quell protests"
    assert record.origin == str(SEED)


def test_text_headers_are_read_and_kept_out_of_the_body():
    record = only_record(FIXTURES / "wire_story.txt")
    assert record.title == "Security forces kill 14 protesters in northern city, ministry says"
    assert record.url == "https://news.example.org/world/2024/03/northern-city-protests"
    assert record.source_key == record.url
    assert record.outlet == "Northern Times"
    assert record.published == datetime(2024, 3, 15, 18, 20, tzinfo=timezone(timedelta(hours=3)))
    # The Agencies header and the credit line at the end are merged, in order of mention.
    assert record.agencies == ("Reuters", "The Associated Press", "Agence France-Presse")
    assert record.body.startswith("Security forces killed 14 protesters")
    assert "Outlet:" not in record.body and "URL:" not in record.body


def test_text_header_keys_ignore_case_and_body_may_follow_the_title_directly():
    record = parse_text("Title here\nurl: https://x.example/1\nOUTLET: Paper\n\nBody.", origin="t")
    assert (record.url, record.outlet, record.body) == ("https://x.example/1", "Paper", "Body.")

    record = parse_text("Title here\nPolice said 3 people were arrested.", origin="t")
    assert record.body == "Police said 3 people were arrested."


def test_a_body_starting_with_a_dateline_is_not_a_header():
    record = parse_text("Title\nWASHINGTON: The president said on Monday...", origin="t")
    assert record.body == "WASHINGTON: The president said on Monday..."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Title\nURL: https://x.example/1\nAuthor: Jane\n\nBody", "line 3: expected a header line"),
        ("Title\nOutlet: A\nOutlet: B\n\nBody", "line 3: the Outlet header appears twice"),
        ("Title\nPublished: soon\n\nBody", '"published" is not a date we can read'),
        ("Title\nURL: www.example.org/a\n\nBody", '"url" is not an absolute http(s) URL'),
        ("Just a title\n\n\n", "no body after the title on line 1"),
        ("T" * 501 + "\n\nBody", '"title" is longer than 500 characters'),
    ],
)
def test_text_format_errors_name_the_line_or_field(text, message):
    with pytest.raises(RecordInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_text(text, origin="t")


def test_windows_line_endings_and_a_byte_order_mark_are_accepted(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbfHeadline\r\nOutlet: Paper\r\n\r\nFirst line.\r\n\r\nSecond.\r\n")
    record = only_record(path)
    assert record.title == "Headline"
    assert record.body == "First line.\n\nSecond."


def test_source_key_without_url_is_outlet_and_title_normalised():
    a = parse_text("Big  News Today\nOutlet: Daily Paper\n\nBody", origin="a")
    b = parse_text("big news today\nOutlet: daily paper\n\nOther body", origin="b")
    c = parse_text("Big News Today\nOutlet: Another Paper\n\nBody", origin="c")
    assert a.source_key == b.source_key == "title:daily paper|big news today"
    assert c.source_key != a.source_key
    # The hash tells versions apart; the key does not.
    assert a.content_hash != b.content_hash


def test_default_outlet_applies_only_when_the_article_names_none():
    assert parse_text("T\n\nBody", origin="t", default_outlet="Wire").outlet == "Wire"
    assert parse_text("T\nOutlet: Own\n\nBody", origin="t", default_outlet="Wire").outlet == "Own"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-01-07", datetime(2022, 1, 7, tzinfo=UTC)),
        ("2022-01-07T14:30:00Z", datetime(2022, 1, 7, 14, 30, tzinfo=UTC)),
        ("2022-01-07T14:30:00+06:00", datetime(2022, 1, 7, 8, 30, tzinfo=UTC)),
        ("Fri, 07 Jan 2022 14:30:00 +0000", datetime(2022, 1, 7, 14, 30, tzinfo=UTC)),
        ("January 7, 2022", datetime(2022, 1, 7, tzinfo=UTC)),
        ("7 January 2022", datetime(2022, 1, 7, tzinfo=UTC)),
    ],
)
def test_published_dates(value, expected):
    assert parse_published(value) == expected


@pytest.mark.parametrize("value", ["01/07/2022", "yesterday", "2022-13-01"])
def test_ambiguous_or_unreadable_dates_are_refused(value):
    with pytest.raises(RecordInvalid, match="not a date we can read"):
        parse_published(value)


# --- credit lines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "agencies"),
    [
        (
            "Some information for this report comes from The Associated Press, Reuters, and "
            "Agence France-Presse.",
            ("The Associated Press", "Reuters", "Agence France-Presse"),
        ),
        (
            "Some information for this report came from AP and AFP.",
            ("The Associated Press", "Agence France-Presse"),
        ),
        ("Material in this article was taken from Reuters.", ("Reuters",)),
        (
            "This report contains material from Reuters and the Associated Press.",
            ("Reuters", "The Associated Press"),
        ),
        ("Information from dpa was used in this report.", ("Deutsche Presse-Agentur",)),
        ("Reuters and AFP contributed to this report.", ("Reuters", "Agence France-Presse")),
        (
            "Some information for this report comes from Reuters and other news agencies.",
            ("Reuters",),
        ),
        (
            "Some information for this report comes from Kazinform; TASS & Xinhua.",
            ("Kazinform", "TASS", "Xinhua"),
        ),
    ],
)
def test_credit_lines_credit_each_named_agency(line, agencies):
    body = f"Police said 3 people were arrested.\n\n{line}"
    assert credited_agencies(body) == agencies


@pytest.mark.parametrize(
    "line",
    [
        "Jane Doe contributed to this report.",  # a reporter, not an agency
        "Reuters reported that 12 people were killed in the information ministry.",
        "The report from Reuters said the information was wrong.",
        "Information for this report comes from",  # no names
    ],
)
def test_lines_that_are_not_agency_credits(line):
    assert credited_agencies(line) == ()


# --- JSON Lines ------------------------------------------------------------------------------


def test_jsonl_reads_each_line_as_an_article_with_file_and_line_as_origin():
    first, second = read(FIXTURES / "feed.jsonl")
    assert isinstance(first, ArticleRecord) and isinstance(second, ArticleRecord)
    assert first.origin.endswith("feed.jsonl:1")
    assert second.origin.endswith("feed.jsonl:3")  # the blank line 2 is skipped
    assert first.title == "Strike on market kills 9, officials say"
    assert first.url == "https://news.example.org/2024/04/market-strike"
    assert first.outlet == "Eastern Daily"
    assert first.published == datetime(2024, 4, 1, tzinfo=UTC)
    assert first.agencies == ("The Associated Press", "Reuters")
    assert first.body.endswith("Emergency services said 23 people were injured.")
    assert (
        second.url is None and second.source_key == "title:eastern daily|court jails 12 activists"
    )


def test_jsonl_bad_lines_fail_alone_and_name_their_line():
    items = read(FIXTURES / "feed_with_errors.jsonl")
    outcome = {item.origin.rsplit(":", 1)[1]: item for item in items}
    assert [type(outcome[str(n)]).__name__ for n in range(1, 7)] == [
        "ArticleRecord",
        "RecordError",
        "RecordError",
        "RecordError",
        "RecordError",
        "ArticleRecord",
    ]
    assert "not valid JSON: Expecting ',' delimiter" in outcome["2"].message
    assert outcome["3"].message == 'no "body" (the article text)'
    assert outcome["4"].message == "expected a JSON object {...}, found a JSON list"
    assert '"published" is not a date we can read' in outcome["5"].message
    assert str(outcome["2"]).startswith(str(FIXTURES / "feed_with_errors.jsonl") + ":2: ")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"title": "T", "body": ""}', '"body" (the article text) is empty'),
        ('{"title": "T", "body": 42}', '"body" must be text, not int'),
        ('{"body": "Text"}', '"title" is missing or empty'),
        ('{"title": "T", "body": "B", "url": "ftp://x"}', '"url" is not an absolute http(s) URL'),
        ('{"title": "T", "body": "B", "agencies": 3}', '"agencies" must be a list of names'),
    ],
)
def test_jsonl_field_errors_name_the_field(tmp_path, line, message):
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    error = only_error(path)
    assert error.origin == f"{path}:1"
    assert message in error.message


def test_jsonl_line_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"title": "A", "body": "ok"}\n{"title": "caf\xe9", "body": "x"}\n')
    good, bad = read(path)
    assert isinstance(good, ArticleRecord)
    assert bad.origin == f"{path}:2" and "not UTF-8" in bad.message and "0xE9" in bad.message


def test_jsonl_size_limit_applies_per_line_so_big_feeds_stream(tmp_path):
    path = tmp_path / "feed.jsonl"
    small = '{"title": "Small", "body": "Police said 2 people were arrested."}'
    large = '{"title": "Large", "body": "' + "word " * 100 + '"}'
    path.write_text(f"{small}\n{large}\n{small.replace('Small', 'Again')}\n", encoding="utf-8")
    items = read(path, max_bytes=200)
    assert [type(i).__name__ for i in items] == ["ArticleRecord", "RecordError", "ArticleRecord"]
    assert items[1].origin == f"{path}:2"
    assert "over the import limit of 200 bytes" in items[1].message


# --- HTML ------------------------------------------------------------------------------------


def test_html_main_text_and_metadata():
    record = only_record(FIXTURES / "article.html")
    assert record.title == "Dozens arrested as protests spread to port city"
    assert record.url == "https://harbour-herald.example.com/news/2024/05/protests-port-city"
    assert record.outlet == "Harbour Herald"
    # The page's article:published_time keeps its time of day (trafilatura alone gives the day).
    assert record.published == datetime(2024, 5, 2, 9, 15, tzinfo=UTC)
    assert record.published_basis == "metadata"
    assert record.agencies == ("Reuters",)
    paragraphs = record.body.split("\n\n")
    assert paragraphs[0].startswith("Police said 48 people were arrested in the port city")
    assert "Tomas Ferrand" in record.body
    # Navigation, the "most read" box and the footer are not article text; nor is the headline.
    for boilerplate in ("Home", "Most read", "Ferry timetable", "©", "Dozens arrested as"):
        assert boilerplate not in record.body


def test_html_declared_charset_is_honoured():
    record = only_record(FIXTURES / "windows1252.html")
    assert record.title == "Café owners protest new curfew"
    assert "17 café owners" in record.body and "owners’ association" in record.body
    assert record.outlet == "Le Petit Courrier"


def test_html_without_charset_must_be_utf8(tmp_path):
    path = tmp_path / "latin.html"
    path.write_bytes(
        "<html><head><title>Caf\u00e9</title></head><body><p>x</p></body></html>".encode("latin-1")
    )
    error = only_error(path)
    assert "is not UTF-8 text (bad byte 0xE9 at line 1" in error.message
    assert "<meta charset" in error.message


def test_html_with_unknown_declared_charset(tmp_path):
    path = tmp_path / "odd.html"
    path.write_bytes(b'<html><head><meta charset="klingon-8"></head><body>x</body></html>')
    assert only_error(path).message == "declares an unknown charset 'klingon-8'"


def test_html_with_no_article_text_is_an_error():
    error = only_error(FIXTURES / "no_text.html")
    assert error.message.startswith("no article text found in the HTML")


# --- paths, folders, stdin and bad files ------------------------------------------------------


def test_folder_is_walked_recursively_skipping_other_files_and_hidden_folders():
    items = read(FIXTURES / "folder")
    assert [Path(i.origin).name for i in items] == ["first.txt", "second.txt"]
    assert all(isinstance(i, ArticleRecord) for i in items)


def test_missing_path(tmp_path):
    error = only_error(tmp_path / "nope.txt")
    assert error.origin == str(tmp_path / "nope.txt")
    assert error.message == "no such file or folder"


def test_empty_folder(tmp_path):
    (tmp_path / "notes.md").write_text("hello")
    assert only_error(tmp_path).message == "folder holds no .txt, .html, .htm or .jsonl files"


def test_unknown_extension_needs_format(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("Headline\n\nPolice said 3 people were arrested.", encoding="utf-8")
    assert "unknown file type '.md'" in only_error(path).message
    assert only_record(path, fmt="txt").title == "Headline"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"\n  \n\t\n", "the file is empty"),
        ("empty.jsonl", b"\n\n", "the file is empty"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
        ("photo.html", b"GIF89a\x00\x00\x01", "looks like a binary file"),
    ],
)
def test_empty_and_binary_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    error = only_error(path)
    assert error.origin == str(path)
    assert message in error.message


def test_text_that_is_not_utf8_names_line_and_column(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Headline\n\nThe caf\u00e9 was closed.".encode("latin-1"))
    error = only_error(path)
    assert error.message == (
        "is not UTF-8 text (bad byte 0xE9 at line 3, column 8); save it as UTF-8"
    )


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("Headline\n\n" + "Police said 3 people were arrested. " * 100, encoding="utf-8")
    error = only_error(path, max_bytes=1024)
    assert error.message.startswith("the file is 3.5 KB, over the import limit of 1.0 KB")
    assert "CLAIMDESK_MAX_IMPORT_BYTES" in error.message


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text("Headline\n\nBody", encoding="utf-8")

    # The suite runs as root in CI, where chmod 000 does not stop reading, so the operating
    # system's refusal is simulated at the one call that opens the file.
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    error = only_error(path)
    assert error.message == "cannot read the file: Permission denied"


def test_one_bad_input_does_not_stop_the_rest(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    items = read(bad, tmp_path / "missing.txt", FIXTURES / "wire_story.txt")
    assert [type(i).__name__ for i in items] == ["RecordError", "RecordError", "ArticleRecord"]


def test_stdin_text_html_and_jsonl_are_sniffed():
    text = io.BytesIO(
        b"Headline from a pipe\nOutlet: Pipe News\n\nPolice said 5 people were arrested."
    )
    [record] = read("-", stdin=text)
    assert (record.origin, record.title, record.outlet) == (
        "<stdin>",
        "Headline from a pipe",
        "Pipe News",
    )

    html = (FIXTURES / "article.html").read_bytes()
    [record] = read("-", stdin=io.BytesIO(html))
    assert record.title == "Dozens arrested as protests spread to port city"

    jsonl = (FIXTURES / "feed.jsonl").read_bytes()
    records = read("-", stdin=io.BytesIO(jsonl))
    assert [r.origin for r in records] == ["<stdin>:1", "<stdin>:3"]


def test_stdin_format_can_be_forced_and_limited():
    [record] = read("-", stdin=io.BytesIO(b"<b>not html</b>\n\nbody"), fmt="txt")
    assert record.title == "<b>not html</b>"
    [error] = read("-", stdin=io.BytesIO(b"x" * 2000), max_bytes=1000)
    assert error.origin == "<stdin>" and "over the import limit" in error.message


def test_sniff_format():
    assert sniff_format(b"  <!DOCTYPE html><html>") == "html"
    assert sniff_format(b'{"title": "x"}') == "jsonl"
    assert sniff_format(b"Headline\n\nBody") == "txt"
