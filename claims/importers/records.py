"""The importers' output: plain article records, or an error naming where the input went wrong.

Nothing here touches Django, so readers run in any process and are tested without a database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from claims.importers import dates

# Mirrors the Article/Outlet column sizes: a value that would not fit is an input error we can name,
# rather than a database error (PostgreSQL) or silent truncation.
MAX_TITLE = 500
MAX_URL = 2000
MAX_OUTLET = 200
MAX_SOURCE_KEY = 600

_SPACE = re.compile(r"\s+")
# Characters no article text needs and that break what we publish: C0 controls other than tab and
# line feed, DEL and the C1 controls (XML 1.0 refuses most of them, so the Atom feed could not be
# written; terminals run ESC sequences), and U+FFFE/U+FFFF (not XML characters either).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# Line breaks other than "\n": vertical tab, form feed, carriage return, NEL.
_LINE_BREAK = re.compile("\r\n|[\x0b\x0c\r\x85]")
# Half a UTF-16 pair ("\ud800" in JSON) cannot be encoded as UTF-8, so neither stored nor shown.
_SURROGATE = re.compile("[\ud800-\udfff]")
# PostgreSQL refuses UTC offsets beyond ±15:59; real ones run from -12:00 to +14:00.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


class RecordInvalid(ValueError):
    """A field of an otherwise readable article is unusable; the message names the field."""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One article as read from a file, before it touches the database."""

    title: str
    body: str
    origin: str  # where it came from, for messages and Article.imported_from: "a.txt", "b.jsonl:4"
    url: str | None = None
    outlet: str | None = None
    published: datetime | None = None  # always timezone-aware
    # How `published` was found: claims.importers.dates (HEADER, METADATA, DATELINE, TEXT), or ""
    # when nothing gave a date (the import then uses the import time).
    published_basis: str = ""
    agencies: tuple[str, ...] = field(default=())  # credited agencies, in order of mention

    @property
    def source_key(self) -> str:
        """The article's identity across imports: its URL, else its outlet and title.

        Without a URL, the same headline from the same outlet is taken to be the same article, so a
        corrected text replaces the old one instead of duplicating it.
        """
        if self.url:
            return self.url
        key = f"title:{_norm(self.outlet or '')}|{_norm(self.title)}"
        if len(key) > MAX_SOURCE_KEY:
            digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
            key = f"{key[: MAX_SOURCE_KEY - 17]}#{digest}"
        return key

    @property
    def content_hash(self) -> str:
        """SHA-256 of title and body: what decides whether the text changed."""
        return hashlib.sha256(f"{self.title}\x1f{self.body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RecordError:
    """Input that could not become an article: `origin` names the file (and line), `message` why."""

    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


def clean_text(text: str) -> str:
    """`text` with every line break as "\n", control characters removed and half surrogate pairs
    replaced by U+FFFD: what every imported title, body and name goes through."""
    text = _LINE_BREAK.sub("\n", text)
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def to_utc(moment: datetime) -> datetime:
    """An aware `moment` in UTC; ValueError (saying why) when no database could store it."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("its UTC offset is beyond ±15:59")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("in UTC it falls before the year 1 or after 9999") from None


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def make_record(
    *,
    origin: str,
    title: object,
    body: object,
    url: object = None,
    outlet: object = None,
    published: object = None,
    published_basis: str = dates.HEADER,
    agencies: tuple[str, ...] = (),
    default_outlet: str | None = None,
) -> ArticleRecord:
    """Check and normalise raw field values into a record; RecordInvalid names the bad field.

    `published_basis` says where `published` came from; without a `published`, the date is
    looked for in the text (a dateline, a stated date or weekday: `dates.find_date`).
    """
    title = _text_field("title", title, required=True, limit=MAX_TITLE)
    body = _body_field(body)
    url = _url_field(url)
    outlet = _text_field("outlet", outlet, limit=MAX_OUTLET) or default_outlet
    agencies = tuple(filter(None, (_SPACE.sub(" ", clean_text(name)).strip() for name in agencies)))
    for name in agencies:
        if len(name) > MAX_OUTLET:
            raise RecordInvalid(
                f"agency name is longer than {MAX_OUTLET} characters: {name[:60]!r}…"
            )
    if published not in (None, ""):
        moment: datetime | None = parse_published(published)
    else:
        found = dates.find_date(title, body, today=datetime.now(UTC).date())
        moment, published_basis = (found.moment, found.basis) if found else (None, "")
    return ArticleRecord(
        title=title,
        body=body,
        origin=origin,
        url=url,
        outlet=outlet or None,
        published=moment,
        published_basis=published_basis,
        agencies=_dedupe(agencies),
    )


def _text_field(name: str, value: object, *, required: bool = False, limit: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RecordInvalid(f'"{name}" must be text, not {type(value).__name__}')
    value = _SPACE.sub(" ", clean_text(value)).strip()
    if required and not value:
        raise RecordInvalid(f'"{name}" is missing or empty')
    if len(value) > limit:
        raise RecordInvalid(f'"{name}" is longer than {limit} characters: {value[:60]!r}…')
    return value


def _body_field(value: object) -> str:
    if value is None:
        raise RecordInvalid('"body" (the article text) is missing')
    if not isinstance(value, str):
        raise RecordInvalid(f'"body" must be text, not {type(value).__name__}')
    # Only control characters and the surrounding whitespace go: the body is stored as imported
    # otherwise, and claim offsets point into it (extraction runs on this cleaned text).
    value = clean_text(value).strip()
    if not value:
        raise RecordInvalid('"body" (the article text) is empty')
    return value


def _url_field(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordInvalid(f'"url" must be text, not {type(value).__name__}')
    value = value.strip()
    if _CONTROL.search(value) or _SURROGATE.search(value):
        raise RecordInvalid(f'"url" contains control characters: {value[:100]!r}')
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise RecordInvalid(f'"url" is not an absolute http(s) URL: {value[:100]!r}')
    if len(value) > MAX_URL:
        raise RecordInvalid(f'"url" is longer than {MAX_URL} characters')
    return value


_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y")


def parse_published(value: object) -> datetime:
    """A publication date/time as an aware datetime; naive values and bare dates are taken as UTC.

    Accepts ISO 8601 ("2022-01-07", "2022-01-07T14:30:00+06:00", "...Z"), RFC 2822 (feeds) and
    written dates ("January 7, 2022", "7 January 2022"). Numeric day/month forms like 01/07/2022
    are refused: they mean different days in different newsrooms.
    """
    if not isinstance(value, str):
        raise RecordInvalid(f'"published" must be text, not {type(value).__name__}')
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if parsed is None:
        raise RecordInvalid(
            f'"published" is not a date we can read: {text[:60]!r} '
            "(use ISO 8601, e.g. 2022-01-07 or 2022-01-07T14:30:00+06:00)"
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return to_utc(parsed)
    except ValueError as exc:
        raise RecordInvalid(f'"published" cannot be stored: {text[:60]!r} ({exc})') from None


def _dedupe(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out)
