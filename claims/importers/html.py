"""HTML articles: main text and metadata through trafilatura.

Pages may declare their charset (<meta charset="windows-1251">); we honour the declaration and
otherwise require UTF-8, so mis-decoded text never reaches editors.
"""

from __future__ import annotations

import codecs
import re

import trafilatura

from claims.importers import dates
from claims.importers.credits import credited_agencies
from claims.importers.records import ArticleRecord, RecordInvalid, make_record, parse_published

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_SNIFF_BYTES = 4096  # the HTML spec has browsers look for the declaration in the first 1024
# A byte order mark wins over any declaration, as in browsers.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What tells an article from a page of links or a sign-in form, which trafilatura's fallback
# extractors turn into "Home" or "Username Password Log in": at least one sentence of some length.
_MIN_SENTENCE_WORDS = 5
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_NO_ARTICLE = "no article text found in the HTML (only a headline, links or a form)"
# Publication-time metadata, read directly: trafilatura gives the day only, and the order of two
# reports of one day is then a guess. The first that parses wins, in this order.
_TIME_META_NAMES = ("article:published_time", "og:published_time", "datepublished", "pubdate")
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_META_ATTR = re.compile(
    r"""\b(property|name|itemprop|content)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I
)


def decode_html(data: bytes) -> str:
    """The page's text, decoded by its BOM, its declared charset, or else as UTF-8."""
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        raise RecordInvalid(
            "is UTF-32 text (it starts with a UTF-32 byte order mark); save it as UTF-8"
        )
    for bom, codec_name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec_name)
            except UnicodeDecodeError as exc:
                raise RecordInvalid(
                    f"is not valid {codec_name.upper()} text as its byte order mark says "
                    f"(bad bytes at byte {exc.start + len(bom)}); save it as UTF-8"
                ) from None
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if match:
        declared = match[1].decode("ascii")
        try:
            codec = codecs.lookup(declared)
        except LookupError:
            raise RecordInvalid(f"declares an unknown charset {declared!r}") from None
        try:
            return data.decode(codec.name)
        except UnicodeDecodeError as exc:
            raise RecordInvalid(
                f"is not valid {declared} text as its <meta charset> declares "
                f"(bad byte 0x{data[exc.start]:02X} at byte {exc.start})"
            ) from None
    return data.decode("utf-8")  # the caller turns UnicodeDecodeError into a located message


def parse_html(html: str, *, origin: str, default_outlet: str | None = None) -> ArticleRecord:
    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        # Markup and metadata only: a date read from the text is `dates.find_date`'s job, which
        # records that the text was the basis (htmldate's search would pass it off as metadata).
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise RecordInvalid(_NO_ARTICLE)
    title = (doc.title or "").strip()
    if not title:
        raise RecordInvalid("no title found in the HTML (<title>, <h1> or og:title)")
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    # trafilatura repeats the headline as the first line of the text.
    if paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    if not any(_is_sentence(paragraph) for paragraph in paragraphs):
        raise RecordInvalid(_NO_ARTICLE)
    body = "\n\n".join(paragraphs)
    url = doc.url if doc.url and doc.url.startswith(("http://", "https://")) else None
    published = published_time(html) or doc.date or None
    return make_record(
        origin=origin,
        title=title,
        body=body,
        url=url,
        outlet=doc.sitename or None,
        published=published,
        published_basis=dates.METADATA,
        agencies=credited_agencies(body),
        default_outlet=default_outlet,
    )


def _is_sentence(paragraph: str) -> bool:
    return len(paragraph.split()) >= _MIN_SENTENCE_WORDS and bool(_SENTENCE_END.search(paragraph))


def published_time(html: str) -> str | None:
    """The page's publication time as its metadata states it ("2022-01-07T09:15:00+02:00"),
    when a `<meta>` tag carries one that parses; None otherwise."""
    found: dict[str, str] = {}
    for tag in _META_TAG.finditer(html[:200_000]):  # metadata sits in the head
        attrs = {
            m[1].lower(): m[2] if m[2] is not None else m[3] for m in _META_ATTR.finditer(tag[0])
        }
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in _TIME_META_NAMES and attrs.get("content"):
            found.setdefault(key, attrs["content"].strip())
    for key in _TIME_META_NAMES:
        if key in found:
            try:
                parse_published(found[key])
            except RecordInvalid:
                continue
            return found[key]
    return None
