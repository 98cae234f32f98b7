"""Cursor pagination on the primary key: indexed, immutable, and stable while imports add rows.

Why a cursor and not page numbers: new claims arrive while a client pages. With `?page=2` every
insert shifts the pages and the client sees rows twice or never; with a cursor ("ids below
481516") the next page starts exactly where the last one ended, and `WHERE id < x ORDER BY id
DESC LIMIT n` costs the same on page 5,000 as on page 1.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from claims.filters import MAX_ID


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request: Request) -> Cursor | None:
        # DRF answers a mangled cursor with 404; it is a bad parameter, so say so (400).
        invalid = ValidationError(
            {self.cursor_query_param: ["Invalid cursor: use the next/previous links as given."]}
        )
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        # The position is an id (the only ordering allowed); a forged one must not reach SQL.
        if cursor is not None and cursor.position is not None:
            try:
                position = int(cursor.position)
            except ValueError:
                raise invalid from None
            if not 0 <= position <= MAX_ID:
                raise invalid
        return cursor

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        # RFC 8288 links as well as the JSON envelope, so CSV and JSON-LD clients (whose bodies
        # have no room for them) can page too.
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (("next", response.data["next"]), ("prev", response.data["previous"]))
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


class ChangeFeedPagination(IdCursorPagination):
    """Oldest first, and a `next` cursor even on the last page.

    A mirror stores `next` and polls it: it gets the changes committed since, then a new `next`.
    Plain cursor pagination returns `next: null` on the last page, which would leave the client
    with nowhere to continue from. Never missing a change also needs ids to become visible in id
    order, which `claim_review` guarantees (see the view's docstring).
    """

    ordering = "id"
    page_size = 100
    max_page_size = 1000

    def get_next_link(self) -> str | None:
        if self.has_next:
            return super().get_next_link()
        if self.page:
            position = self._get_position_from_instance(self.page[-1], self.ordering)
        elif self.cursor is not None and not self.cursor.reverse:
            position = self.cursor.position
        else:
            position = None
        if position is None:
            # An empty feed, read from the start: polling the same URL is the way on.
            return self.encode_cursor(Cursor(offset=0, reverse=False, position=None))
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["next"]["nullable"] = False
        result["properties"]["next"]["description"] = (
            "Always present: store it and poll it to receive later changes."
        )
        return result
