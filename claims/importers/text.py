"""The plain-text article format (documented in seeds/README.md).

    Title on the first line
    URL: https://example.org/news/1        <- optional header lines, any order
    Outlet: Example News
    Published: 2022-01-07
    Agencies: Reuters, AFP
                                           <- a blank line
    The body, paragraphs separated by blank lines.

A title followed directly by blank lines (no headers), as in the seed article, is fine.
"""

from __future__ import annotations

import re

from claims.importers.credits import credited_agencies, split_names
from claims.importers.records import ArticleRecord, RecordInvalid, make_record

HEADER_KEYS = ("url", "outlet", "published", "agencies")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z ]{0,30}):\s*(.*?)\s*$")


def parse_text(text: str, *, origin: str, default_outlet: str | None = None) -> ArticleRecord:
    """One article from the text format. RecordInvalid names the line or field at fault."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise RecordInvalid("the file has no text")
    title = lines[first].strip()

    headers: dict[str, str] = {}
    i = first + 1
    # Header lines are recognised only when the line right after the title is a known key, so a
    # body that starts at once with "WASHINGTON: ..." is not mistaken for headers.
    if i < len(lines) and _header(lines[i]) is not None:
        while i < len(lines) and lines[i].strip():
            header = _header(lines[i])
            if header is None:
                raise RecordInvalid(
                    f"line {i + 1}: expected a header line ({_known()}) or a blank line before "
                    f"the body, found {lines[i].strip()[:60]!r}"
                )
            key, value = header
            if key in headers:
                raise RecordInvalid(f"line {i + 1}: the {key.title()} header appears twice")
            headers[key] = value
            i += 1
    body = "\n".join(lines[i:])
    if not body.strip():
        raise RecordInvalid(
            f"no body after the title on line {first + 1} (a blank line, then the text)"
        )

    agencies = split_names(headers["agencies"]) if headers.get("agencies") else []
    return make_record(
        origin=origin,
        title=title,
        body=body,
        url=headers.get("url") or None,
        outlet=headers.get("outlet") or None,
        published=headers.get("published") or None,
        agencies=(*agencies, *credited_agencies(body)),
        default_outlet=default_outlet,
    )


def _header(line: str) -> tuple[str, str] | None:
    match = _HEADER.match(line)
    if match is None:
        return None
    key = match[1].strip().lower()
    return (key, match[2]) if key in HEADER_KEYS else None


def _known() -> str:
    return "URL:, Outlet:, Published: or Agencies:"
