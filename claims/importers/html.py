"""HTML articles: main text and metadata through trafilatura.

Pages may declare their charset (<meta charset="windows-1251">); we honour the declaration and
otherwise require UTF-8, so mis-decoded text never reaches editors.
"""

from __future__ import annotations

import codecs
import re

import trafilatura

from claims.importers.credits import credited_agencies
from claims.importers.records import ArticleRecord, RecordInvalid, make_record

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_SNIFF_BYTES = 4096  # the HTML spec has browsers look for the declaration in the first 1024


def decode_html(data: bytes) -> str:
    """The page's text, decoded by its BOM, its declared charset, or else as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
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
        html, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise RecordInvalid("no article text found in the HTML (only a headline, links or a form)")
    title = (doc.title or "").strip()
    if not title:
        raise RecordInvalid("no title found in the HTML (<title>, <h1> or og:title)")
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    # trafilatura repeats the headline as the first line of the text.
    if paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise RecordInvalid("no article text found in the HTML (only a headline, links or a form)")
    body = "\n\n".join(paragraphs)
    url = doc.url if doc.url and doc.url.startswith(("http://", "https://")) else None
    return make_record(
        origin=origin,
        title=title,
        body=body,
        url=url,
        outlet=doc.sitename or None,
        published=doc.date or None,
        agencies=credited_agencies(body),
        default_outlet=default_outlet,
    )
