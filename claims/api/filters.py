"""Query-string filters for the API lists (django-filter).

Every filter answers a bad value with a 400 naming the parameter ("status": "Select a valid
choice. maybe is not one of the available choices."), never by silently ignoring it: a client
that typed `hedged=ture` must not receive every claim and think it got the hedged ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from claims.importers.records import to_utc
from claims.models import Actor, Article, Claim, StatusChange, matched_q

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

_BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]
# Ids are 64-bit: a larger number is a client error (400), not a database overflow (500).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A positive whole number (an object id); django-filter's NumberFilter takes decimals."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "boolean"})  # a query string carries it as "true" or "false"
class StrictBooleanFilter(django_filters.ChoiceFilter):
    """`true` or `false`, and an error for anything else.

    django-filter's own BooleanFilter turns an unknown value into "no filter", which would hand a
    client the whole list when it asked for a subset.
    """

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("choices", _BOOLEAN_CHOICES)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that every database can compare with, converted to UTC.

    PostgreSQL refuses UTC offsets beyond ±15:59 and Python cannot move 9999-12-31T23:59-14:00
    to UTC: both were 500s, and are a 400 naming the parameter.
    """

    def to_python(self, value: object) -> object:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return to_utc(moment)
        except ValueError as exc:
            raise forms.ValidationError(
                f"Enter a date-time that can be compared: {exc}.", code="invalid"
            ) from None


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("lookup_expr", "gte")
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per FilterSet, not once per request.

    django-filter builds a new form class, with a form field and a label per filter, on every
    filtered request: a third of the time a filtered claims page spent filtering. Our filters'
    fields depend on nothing in the request, and a Django form copies its class's fields into
    each instance anyway, so one class serves every request. Validation and errors are
    unchanged: the same fields validate the same data.
    """

    def get_form_class(self) -> type[forms.Form]:
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class  # on this class only, not its parents
        return form_class


class ClaimFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices, help_text="Review status.")
    kind = django_filters.ChoiceFilter(choices=Claim.Kind.choices, help_text="Kind of claim.")
    # Ids are filtered as plain numbers rather than ModelChoiceFilter: that would spend a query
    # checking the id exists, and an unknown article simply has no claims.
    article = IdFilter(field_name="article_id", help_text="Article id.")
    outlet = IdFilter(
        field_name="article__outlet_id", help_text="Outlet id of the claim's article."
    )
    speaker = IdFilter(
        field_name="speaker_id", help_text="Actor id of the speaker (see /api/actors/)."
    )
    hedged = StrictBooleanFilter(
        field_name="is_hedged",
        help_text="true: only claims with hedges such as 'could not be independently verified'.",
    )
    in_article = StrictBooleanFilter(
        field_name="in_article",
        help_text="false: claims no longer in their article's latest text (kept once reviewed).",
    )
    updated_since = UpdatedSinceFilter(
        help_text="ISO 8601 date-time; claims updated at or after it (e.g. 2026-11-25T03:00:00Z).",
    )
    seen_before = StrictBooleanFilter(
        method="filter_seen_before",
        help_text="true: claims that repeat or resemble a claim of another article (their "
        "`matches`, earlier or later); false: claims with no match.",
    )
    q = django_filters.CharFilter(
        method="search",
        max_length=200,
        help_text="Case-insensitive text search in the sentence, the speaker and the article title.",
    )
    assigned_to = django_filters.CharFilter(
        method="holder",
        max_length=150,
        help_text="Claims held by this username; `me`: by the signed-in user (none when "
        "anonymous); `none`: held by nobody.",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def holder(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value == "me":
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return queryset.none()  # an anonymous reader holds nothing
            return queryset.filter(assigned_to_id=user.pk)
        # An unknown username holds no claims: an empty list, as for an unknown article id.
        return queryset.filter(assigned_to__username=value)

    def filter_seen_before(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Two EXISTS on the match table's indexes (claims.models.matched_q).
        matched = matched_q()
        return queryset.filter(matched if value == "true" else ~matched)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        # A substring scan: fine for a newsroom's claims. At millions of rows a pg_trgm index
        # (PostgreSQL only) is the next step; the SQLite demo could not use it.
        return queryset.filter(
            Q(sentence__icontains=value)
            | Q(speaker_text__icontains=value)
            | Q(speaker__name__icontains=value)
            | Q(article__title__icontains=value)
        )


class ArticleFilter(FilterSet):
    outlet = IdFilter(field_name="outlet_id", help_text="Outlet id.")
    updated_since = UpdatedSinceFilter(help_text="ISO 8601 date-time; updated at or after it.")
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", max_length=200, help_text="Title contains."
    )

    class Meta:
        model = Article
        fields: list[str] = []


class ActorFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=Actor.Kind.choices)
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text="Name contains."
    )

    class Meta:
        model = Actor
        fields: list[str] = []


class StatusChangeFilter(FilterSet):
    claim = IdFilter(field_name="claim_id", help_text="Only this claim's changes.")

    class Meta:
        model = StatusChange
        fields: list[str] = []


class QueryParamFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that does nothing when the request names none of the filters.

    Building a FilterSet deep-copies every filter and builds a form; on an unfiltered page of
    100 claims that was about a fifth of the server's time. Same results, same errors.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
