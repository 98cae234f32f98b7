"""Dating an article from what it says (claims.importers.dates), and keeping a page's time.

Pure: no database. The sentences are our own, in wire-copy style.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.importers.dates import DATELINE, TEXT, day_in_sentence, find_date
from claims.importers.html import parse_html, published_time
from claims.importers.text import parse_text

TODAY = date(2022, 1, 12)  # a Wednesday


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "moment", "basis"),
    [
        # Datelines: the year comes from the dateline, else from a full date in the text.
        ("ALMATY, Jan 7 (Reuters) - Security forces fired on crowds.", day(2022, 1, 7), DATELINE),
        ("ALMATY, Kazakhstan, January 9, 2022 (AP) — The toll rose.", day(2022, 1, 9), DATELINE),
        ("NUR-SULTAN, 10 January (AFP) - Flights resumed.", day(2022, 1, 10), DATELINE),
        (
            "ALMATY, Jan 8 (Reuters) - Protests that began on January 2, 2021 ended.",
            day(2021, 1, 8),
            DATELINE,
        ),
        # A full date in the text (a caption): the latest one stated.
        (
            "Crowds gathered. A burnt bus in Almaty, January 6, 2022.\n\n"
            "Police patrol a square in Almaty, January 7, 2022.",
            day(2022, 1, 7),
            TEXT,
        ),
        # A day and month without a year: the latest such day up to the import.
        ("The ministry said on January 9 that 164 people had died.", day(2022, 1, 9), TEXT),
        # A weekday, read against the import's day: the last Friday before Wednesday 12 Jan.
        ("Police said on Friday that 12 people were killed.", day(2022, 1, 7), TEXT),
        ("Gunfire was heard late Thursday and early Saturday.", day(2022, 1, 8), TEXT),
    ],
)
def test_dates_the_text_states(body: str, moment: datetime, basis: str) -> None:
    found = find_date("Headline", body, today=TODAY)
    assert found is not None
    assert (found.moment, found.basis) == (moment, basis)


@pytest.mark.parametrize(
    "body",
    [
        # A quotation about the past is the speaker's memory, not the day of writing.
        "“On March 3, 2019, they shot my brother,” she said.",
        'He recalled: "We marched on Friday and nobody came."',
        # Days still to come.
        "Friday's meeting of the council will set the date of the vote.",
        "Friday's meeting could change that.",
        "The ministers meet again next Friday.",
        "The curfew stays in force until Sunday.",
        "The court will rule on January 20, 2022.",
        # A dateline with no day, and no date anywhere.
        "ALMATY (Reuters) - Security forces fired on crowds.",
        "Protests spread across the country.",
        # Not dates: a date after the import, an impossible day.
        "A caption dated February 30, 2021 and one of March 1, 2023.",
    ],
)
def test_finds_no_date_where_the_text_gives_none(body: str) -> None:
    assert find_date("Headline", body, today=TODAY) is None


def test_a_title_date_is_the_events_not_the_articles() -> None:
    assert find_date("Riots of January 2, 2022 remembered", "Nothing dated.", today=TODAY) is None


def test_the_published_header_keeps_its_time_and_says_it_is_the_header() -> None:
    record = parse_text(
        "Toll rises\nPublished: 2022-01-07T09:15:00+02:00\n\nPolice said on Friday ...",
        origin="a.txt",
    )
    assert record.published == datetime(2022, 1, 7, 7, 15, tzinfo=UTC)
    assert record.published_basis == "header"


def test_an_undated_text_article_is_dated_from_its_dateline() -> None:
    record = parse_text(
        "Toll rises\n\nALMATY, Jan 7, 2022 (Reuters) - Police said 12 people were killed.",
        origin="a.txt",
    )
    assert (record.published, record.published_basis) == (day(2022, 1, 7), "dateline")


PAGE = """<html><head><title>Toll rises to 25</title>{meta}
<meta property="og:site_name" content="Steppe Herald"></head><body><article>
<h1>Toll rises to 25</h1><p>Police said on January 7, 2022 that 25 people had been killed.</p>
<p>The ministry said a further 12 people were injured in the unrest overnight.</p>
</article></body></html>"""


def test_a_pages_published_time_keeps_its_time_as_aware_utc() -> None:
    meta = '<meta property="article:published_time" content="2022-01-07T09:15:00+02:00">'
    record = parse_html(PAGE.format(meta=meta), origin="a.html")
    assert record.published == datetime(2022, 1, 7, 7, 15, tzinfo=UTC)
    assert record.published_basis == "metadata"


def test_a_page_without_date_metadata_is_dated_from_its_text() -> None:
    record = parse_html(PAGE.format(meta=""), origin="a.html")
    assert (record.published, record.published_basis) == (day(2022, 1, 7), "text")


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ("<meta content='2022-01-07T09:15:00Z' name='pubdate'>", "2022-01-07T09:15:00Z"),
        ('<meta itemprop="datePublished" content="2022-01-07">', "2022-01-07"),
        ('<meta property="article:published_time" content="yesterday">', None),
        ('<meta property="article:modified_time" content="2022-01-08">', None),
    ],
)
def test_published_time_metadata(meta: str, expected: str | None) -> None:
    assert published_time(f"<head>{meta}</head>") == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Friday 28 September 2007's report of Wednesday's dead: the value is for Wednesday.
        ("The government said one person was killed on Wednesday.", date(2007, 9, 26)),
        ("Police said 12 people had died yesterday.", date(2007, 9, 27)),
        # The day of publication itself, or no day: the publication is the moment.
        ("Police said on Friday that 30 people were detained.", None),
        ("The toll has risen to 10.", None),
        # Several days, a day to come, or a day in a quotation: unclear, so no moment.
        ("Nine died on Thursday and one on Wednesday.", None),
        ("The council will meet on Monday.", None),
        ("“They shot two on Wednesday,” he said.", None),
    ],
)
def test_day_in_sentence(sentence: str, expected: date | None) -> None:
    assert day_in_sentence(sentence, published=date(2007, 9, 28)) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("Jan Friday 0123456789,.-—()“”\"'\nOCTAPRIL")), max_size=80
    )
)
def test_any_text_is_dated_or_not_without_error(body: str) -> None:
    found = find_date("t", body, today=TODAY)
    assert found is None or found.moment.date() <= TODAY
    assert day_in_sentence(body, published=TODAY) in (
        None,
        *[TODAY.fromordinal(TODAY.toordinal() - n) for n in range(1, 8)],
    )
