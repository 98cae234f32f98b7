"""RSS and Atom feeds, and the pages they link to, as plain records (no Django).

feedparser reads RSS 0.9x/1.0/2.0 and Atom with their real-world quirks; we keep per entry what
import needs: a stable key (the entry id, else its link), the link, and the full text when the feed
carries it (content:encoded, Atom content), so the page need not be fetched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser
import trafilatura

from claims.importers import dates
from claims.importers.html import decode_html, parse_html
from claims.importers.records import ArticleRecord, RecordInvalid, make_record

# An entry whose content (content:encoded, Atom content; never the summary) holds at least this
# much text is taken as the full article; a shorter one is a teaser, and the page is fetched.
FULL_CONTENT_CHARS = 250
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}


class FeedInvalid(ValueError):
    """The feed could not be read; the message says why."""


@dataclass(frozen=True)
class FeedEntry:
    key: str  # the entry's id, else its link: what makes it "the same entry" on the next poll
    link: str
    title: str
    version: str  # changes when the entry is updated: a new version is imported again
    content_html: str = ""  # the full article, when the feed carries it
    published: datetime | None = None


def parse_feed(data: bytes, *, origin: str) -> list[FeedEntry]:
    """The entries of an RSS or Atom document, in feed order, each key once."""
    parsed = feedparser.parse(data)
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        why = f" ({_short(problem)})" if problem else ""
        raise FeedInvalid(f"{origin}: not an RSS or Atom feed{why}")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        link = (raw.get("link") or "").strip()
        key = (raw.get("id") or "").strip() or link
        if not key or key in seen:
            continue  # an entry with neither id nor link cannot be told apart from the next
        seen.add(key)
        content = _full_content(raw)
        stamp = raw.get("updated") or raw.get("published") or ""
        version = hashlib.sha256(f"{stamp}\x1f{content}".encode()).hexdigest()[:32]
        entries.append(
            FeedEntry(
                key=key[:600],
                link=link,
                title=(raw.get("title") or "").strip(),
                version=version,
                content_html=content,
                published=_struct_time(raw.get("published_parsed") or raw.get("updated_parsed")),
            )
        )
    return entries


def entry_record(entry: FeedEntry, *, origin: str, outlet: str | None) -> ArticleRecord:
    """The article from the entry's own full content (only when `entry.content_html`)."""
    text = trafilatura.extract(entry.content_html, include_comments=False, include_tables=False)
    if not text:
        raise RecordInvalid("the feed entry's content holds no article text")
    body = "\n\n".join(line.strip() for line in text.split("\n") if line.strip())
    return make_record(
        origin=origin,
        title=entry.title,
        body=body,
        url=entry.link or None,
        outlet=outlet,
        published=entry.published.isoformat() if entry.published else None,
        published_basis=dates.METADATA,
        default_outlet=outlet,
    )


def page_record(
    data: bytes, *, url: str, content_type: str, origin: str, outlet: str | None
) -> ArticleRecord:
    """The article on a fetched page; `url` (the link that was followed) identifies it."""
    if content_type not in HTML_TYPES:
        raise RecordInvalid(f"the link is not an HTML page (it is {content_type})")
    try:
        html = decode_html(data)
    except UnicodeDecodeError as exc:
        raise RecordInvalid(f"the page is not UTF-8 text (bad byte at {exc.start})") from None
    record = parse_html(html, origin=origin, default_outlet=outlet)
    # The link is the article's identity, so a feed entry and a pasted link to the same page are
    # one article; a publisher's canonical URL in the page would split them.
    return make_record(
        origin=origin,
        title=record.title,
        body=record.body,
        url=url,
        outlet=outlet or record.outlet,
        published=record.published.isoformat() if record.published else None,
        published_basis=record.published_basis or dates.METADATA,
        agencies=record.agencies,
    )


def _full_content(raw: feedparser.FeedParserDict) -> str:
    for part in raw.get("content") or []:
        value = part.get("value") or ""
        if len(_plain(value)) >= FULL_CONTENT_CHARS:
            return value
    return ""


def _plain(html: str) -> str:
    if "<" not in html:
        return html
    return trafilatura.extract(html) or ""


def _struct_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)  # type: ignore[index,misc]
    except (TypeError, ValueError):
        return None


def _short(problem: object) -> str:
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
    return text[:200]
