"""JSON Lines: one article object per line.

    {"title": "...", "body": "...", "url": "...", "outlet": "...", "published": "2022-01-07",
     "agencies": ["Reuters", "AFP"]}

`title` and `body` are required; other keys are optional and unknown keys are ignored (feeds carry
ids, authors and the like). Errors name the file and line.
"""

from __future__ import annotations

import json

from claims.importers.credits import canonical_agency, credited_agencies, split_names
from claims.importers.records import ArticleRecord, RecordInvalid, make_record


def parse_jsonl_line(line: str, *, origin: str, default_outlet: str | None = None) -> ArticleRecord:
    try:
        data = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise RecordInvalid(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        # json's decoder recurses once per [ or {: a line of 1,000 "[" exhausts the stack.
        raise RecordInvalid("not an article: JSON nested too deeply") from None
    except ValueError as exc:  # a number json will not convert, e.g. an integer of 5,000 digits
        raise RecordInvalid(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RecordInvalid(f"expected a JSON object {{...}}, found a JSON {type(data).__name__}")
    if "body" not in data:
        raise RecordInvalid('no "body" (the article text)')
    agencies = _agencies(data.get("agencies"))
    body = data["body"]
    found = credited_agencies(body) if isinstance(body, str) else ()
    return make_record(
        origin=origin,
        title=data.get("title"),
        body=body,
        url=data.get("url"),
        outlet=data.get("outlet"),
        published=data.get("published"),
        agencies=(*agencies, *found),
        default_outlet=default_outlet,
    )


def _agencies(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [canonical_agency(item) for item in value if item.strip()]
    raise RecordInvalid('"agencies" must be a list of names or one comma-separated string')
