"""Cursor pagination on the primary key: indexed, immutable, and stable while imports add rows.

Why a cursor and not page numbers: new claims arrive while a client pages. With `?page=2` every
insert shifts the pages and the client sees rows twice or never; with a cursor ("ids below
481516") the next page starts exactly where the last one ended, and `WHERE id < x ORDER BY id
DESC LIMIT n` costs the same on page 5,000 as on page 1.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, GreaterThan, LessThan
from django.db.models.query import ValuesIterable
from django.db.models.sql.where import AND
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api.filters import MAX_ID


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        # DRF quietly uses the default for `page_size=false` or `0`: like a bad filter, a page
        # size that was not understood is a 400 naming it. Above the maximum, the maximum.
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Enter a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                # Larger values are not refused: the page is cut to the maximum.
                parameter["schema"]["minimum"] = 1
                parameter["description"] = f"Results per page, up to {self.max_page_size}."
        return parameters

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


class PageQuerySet(QuerySet):
    """`.values()` pages whose SQL is compiled once per shape, not once per request.

    Why: a claims page is the same 30-column, four-table query every time; only the cursor
    position changes. Compiling it took Django about as much CPU as PostgreSQL took to run it.
    Only simple pages are cached: an ORDER BY, a LIMIT, and a WHERE of plain `column = / < / >
    value` on the claim's own columns (the cursor's `id < n`, `status = 'verified'`); the
    values are the parameters. Anything else (a text search, a date) runs through the ORM as
    usual. The cached SQL is the ORM's own, and the rows get the same converters, so results
    are identical either way (tests compare both).

    What it leans on, none of it public Django API (5.2): `QuerySet._fetch_all` is where every
    evaluation (iteration, `len`, `bool`, slicing) fills `_result_cache`; `_iterable_class` tells
    `.values()` querysets apart; the shape is read from `Query` attributes (`where.children` as
    `Exact/LessThan/GreaterThan` lookups on a `Col`, `selected`, `values_select`, `low_mark`, ...)
    and the rows are converted with `SQLCompiler.get_converters`. If Django changes any of this,
    the guard tests in tests/test_structure.py fail by name; until then, a shape this code does
    not recognise simply runs through the ORM.
    """

    def _fetch_all(self) -> None:
        if self._result_cache is None and self._iterable_class is ValuesIterable:
            self._result_cache = _cached_page(self)
        super()._fetch_all()


# (database alias, select, ORDER BY, direction, LIMIT/OFFSET, lookups) -> (SQL, converters,
# column names), or None for a shape whose SQL is not plain. Page sizes, filters and cursor
# offsets come from clients, so the number of shapes is capped: past the cap it starts again.
_PAGE_SQL: dict[tuple, tuple[str, dict, list[str]] | None] = {}
_MAX_SHAPES = 500


def _page_shape(query: Any) -> tuple[tuple, tuple] | None:
    """The cache key and the parameters of a page query, or None if it is not a plain page."""
    if (
        query.distinct
        or query.combinator
        or query.select_for_update
        or query.extra
        or query.group_by is not None
        or query.high_mark is None
    ):
        return None
    where = query.where
    if where.negated or where.connector != AND:
        return None
    lookups = []
    for child in where.children:
        # `column op value` on the claim's own table: the cursor position (id < n) and
        # filters such as status=verified. Values become parameters; anything else (a
        # search across joins, a date, None, a boolean that Django writes as SQL) is not cached.
        if not (
            isinstance(child, Exact | LessThan | GreaterThan)
            and isinstance(child.lhs, Col)
            and child.lhs.alias == query.base_table
            and type(child.rhs) in (int, str)
        ):
            return None
        lookups.append((type(child), child.lhs.target, type(child.rhs)))
    params = tuple(child.rhs for child in where.children)
    key = (
        tuple(query.selected or ()),
        tuple(query.values_select),
        tuple(query.annotation_select),
        tuple(str(o) for o in query.order_by),
        query.standard_ordering,
        query.low_mark,
        query.high_mark,
        tuple(lookups),
    )
    return key, params


def _cached_page(queryset: QuerySet) -> list[dict[str, Any]] | None:
    """The page's rows from SQL compiled once per shape, or None to let the ORM run it."""
    shape = _page_shape(queryset.query)
    if shape is None:
        return None
    key, params = shape
    key = (queryset.db, queryset.model, *key)
    if key not in _PAGE_SQL:
        if len(_PAGE_SQL) >= _MAX_SHAPES:
            _PAGE_SQL.clear()
        _PAGE_SQL[key] = _compile(queryset, params)
    if _PAGE_SQL[key] is None:
        return None
    sql, converters, names = _PAGE_SQL[key]
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:  # SQLite's booleans, for example; PostgreSQL's rows need none
        rows = [_convert(row, converters, connection) for row in rows]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _compile(queryset: QuerySet, params: tuple) -> tuple[str, dict, list[str]] | None:
    """The ORM's own SQL, converters and column names for this shape, or None when the SQL's
    parameters are not exactly the lookups' values in order (then it cannot be reused)."""
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, compiled_params = compiler.as_sql()
    if tuple(compiled_params) != params:
        return None
    names = list(query.selected or ()) or [
        *query.extra_select,
        *query.values_select,
        *query.annotation_select,
    ]
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    return sql, compiler.get_converters(fields), names


def _convert(row: tuple, converters: dict, connection: Any) -> list[Any]:
    """A raw row with Django's from-database converters applied, as ValuesIterable does."""
    values = list(row)
    for position, (functions, expression) in converters.items():
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values
