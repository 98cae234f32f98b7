"""The figures API: `GET /api/figures/` and `GET /api/figures/{id}/`.

A figure is one quantity (a death toll, an arrest count) reported by many claims across
articles; see `claims.reconcile` for how claims are grouped and how corroboration, conflicts and
suggested statuses are decided. Everything here is computed from the figure's current claims
when the request is served, so it is never stale. Read-only: editors merge, split, rename and
move in the admin, and statuses change only through the review endpoint.

Queries: a page of figures, its claims (with article, outlet and speaker joined), and the
claims' credited agencies: three, however many figures or claims.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.http import conditional_page
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from claims import reconcile
from claims.models import Claim, Figure
from claims.selectors import figure_with_reports, public_figures
from claims.services.figures import figure_analysis

# --- Serializers: plain dicts in, documented shapes out --------------------------------------


class ReportValueSerializer(serializers.Serializer):
    claim_id = serializers.IntegerField()
    value_low = serializers.IntegerField()
    value_high = serializers.IntegerField(
        allow_null=True, help_text="null: open-ended (“more than 3,800”)."
    )
    qualifier = serializers.CharField()
    display = serializers.CharField(help_text="The value as an editor reads it.")
    published_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField(help_text="The speaker, else the outlet.")


class SpeakerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ArticleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    outlet = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    published_basis = serializers.CharField(
        help_text="Where published_at came from: header, metadata, dateline, text or imported "
        "(the import time); empty when not recorded."
    )


class TimelineEntrySerializer(ReportValueSerializer):
    claim_url = serializers.CharField(help_text="The claim in the API.")
    outcome = serializers.CharField()
    subject = serializers.CharField()
    sentence = serializers.CharField()
    speaker = SpeakerRefSerializer(allow_null=True, help_text="The resolved actor, if any.")
    speaker_text = serializers.CharField()
    speaker_role = serializers.CharField()
    article = ArticleRefSerializer()
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    is_hedged = serializers.BooleanField()
    suggested_status = serializers.ChoiceField(
        choices=[("verified", "verified"), ("disputed", "disputed")],
        allow_null=True,
        help_text="What reconciliation suggests: `disputed` when another source gives a value "
        "for the same moment that cannot also be true; `verified` when independent sources give "
        "the same value; null for no suggestion. Editors accept it in the admin.",
    )
    suggestion_reason = serializers.CharField()
    corroborated_by = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Claims with the same value from other, independent sources.",
    )
    conflicts_with = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Claims from other sources, at the same moment, whose values disagree.",
    )
    moment = serializers.DateTimeField(
        allow_null=True,
        help_text="The moment the value is for: the earlier day its sentence names (“one "
        "person was killed on Wednesday” in Friday's report), else its article's publication. "
        "Conflicts compare reports at this moment. Null when the article has no date.",
    )
    moment_basis = serializers.CharField(
        help_text="How that moment is known: sentence (a day the sentence names), else the "
        "article date's basis: header, metadata, dateline, text (a day, not a time) or "
        "imported (the import time of an article that gives no date)."
    )
    part = serializers.BooleanField(
        help_text="A part of a larger count in the same sentence (“120 killed, including 40 in "
        "the capital”: the 40). Never compared with the totals, nor counted as latest, highest "
        "or lowest."
    )


class CorroborationSerializer(serializers.Serializer):
    display = serializers.CharField()
    value_low = serializers.IntegerField()
    value_high = serializers.IntegerField(allow_null=True)
    claim_ids = serializers.ListField(child=serializers.IntegerField())
    sources = serializers.ListField(
        child=serializers.CharField(), help_text="Independent sources, one name each."
    )
    corroborated = serializers.BooleanField(help_text="Reported by at least two sources.")


class ConflictSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The moment of the conflict's first report.")
    end = serializers.DateTimeField()
    claim_ids = serializers.ListField(child=serializers.IntegerField())
    values = serializers.ListField(child=serializers.CharField(), help_text="Lowest first.")
    reason = serializers.CharField(
        help_text="Why these reports conflict, naming the one moment every reason about this "
        "conflict names."
    )


class FigureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=Figure.Kind.choices)
    outcome = serializers.CharField(help_text="killed, injured, missing; arrests: arrested.")
    subject_kind = serializers.CharField()
    place = serializers.CharField(help_text="Country, derived from the articles; may be empty.")
    event = serializers.CharField(help_text="An editor-named event; may be empty.")
    date_start = serializers.DateField(allow_null=True)
    date_end = serializers.DateField(allow_null=True)
    edited_by_editor = serializers.BooleanField(
        help_text="Editors renamed, merged or split it; automatic grouping keeps their label."
    )
    updated_at = serializers.DateTimeField()
    report_count = serializers.IntegerField()
    source_count = serializers.IntegerField(help_text="Independent sources among the reports.")
    conflict_count = serializers.IntegerField()
    latest = ReportValueSerializer(allow_null=True, help_text="The most recently published.")
    highest = ReportValueSerializer(allow_null=True)
    lowest = ReportValueSerializer(allow_null=True)


class FigureDetailSerializer(FigureSerializer):
    timeline = TimelineEntrySerializer(many=True, help_text="Reports, oldest first.")
    corroborations = CorroborationSerializer(many=True, help_text="Reports grouped by value.")
    conflicts = ConflictSerializer(many=True)


# --- Shaping ---------------------------------------------------------------------------------


def _value(report: reconcile.Report | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "claim_id": report.claim_id,
        "value_low": report.value_low,
        "value_high": report.value_high,
        "qualifier": report.qualifier,
        "display": report.display,
        "published_at": report.published_at,
        "source": report.source_name,
    }


def figure_summary(figure: Figure, analysis: reconcile.FigureAnalysis) -> dict[str, Any]:
    return {
        "id": figure.pk,
        "url": reverse("api:figure-detail", args=[figure.pk]),
        "label": figure.label,
        "kind": figure.kind,
        "outcome": figure.outcome,
        "subject_kind": figure.subject_kind,
        "place": figure.place,
        "event": figure.event,
        "date_start": figure.date_start,
        "date_end": figure.date_end,
        "edited_by_editor": figure.edited_by_editor,
        "updated_at": figure.updated_at,
        "report_count": len(analysis.timeline),
        "source_count": analysis.source_count,
        "conflict_count": len(analysis.conflicts),
        "latest": _value(analysis.latest),
        "highest": _value(analysis.highest),
        "lowest": _value(analysis.lowest),
    }


def figure_detail(figure: Figure, analysis: reconcile.FigureAnalysis) -> dict[str, Any]:
    claims = {c.pk: c for c in figure.report_claims}
    timeline = []
    for entry in analysis.timeline:
        claim, report = claims[entry.report.claim_id], entry.report
        article = claim.article
        timeline.append(
            {
                **_value(report),  # type: ignore[dict-item]
                "claim_url": reverse("api:claim-detail", args=[claim.pk]),
                "outcome": claim.outcome,
                "subject": claim.subject,
                "sentence": claim.sentence,
                "speaker": (
                    {"id": claim.speaker_id, "name": claim.speaker.name}
                    if claim.speaker_id
                    else None
                ),
                "speaker_text": claim.speaker_text,
                "speaker_role": claim.speaker_role,
                "article": {
                    "id": article.pk,
                    "title": article.title,
                    "url": article.url,
                    "outlet": article.outlet.name if article.outlet_id else None,
                    "published_at": article.published_at,
                    "published_basis": article.published_basis,
                },
                "status": claim.status,
                "is_hedged": claim.is_hedged,
                "suggested_status": entry.suggestion.status,
                "suggestion_reason": entry.suggestion.reason,
                "corroborated_by": list(entry.corroborated_by),
                "conflicts_with": list(entry.conflicts_with),
                "moment": report.moment,
                "moment_basis": "sentence" if report.value_for else report.published_basis,
                "part": report.part,
            }
        )
    return {
        **figure_summary(figure, analysis),
        "timeline": timeline,
        "corroborations": [
            {
                "display": c.display,
                "value_low": c.value_low,
                "value_high": c.value_high,
                "claim_ids": list(c.claim_ids),
                "sources": list(c.sources),
                "corroborated": c.corroborated,
            }
            for c in analysis.corroborations
        ],
        "conflicts": [
            {
                "start": c.start,
                "end": c.end,
                "claim_ids": list(c.claim_ids),
                "values": list(c.values),
                "reason": reconcile.conflict_reason(c),
            }
            for c in analysis.conflicts
        ],
    }


def claim_figure_summary(figure_id: int | None) -> dict[str, Any] | None:
    """The figure summary for a claim's API detail (three queries), or None without a figure.

    For the claims API: `figure=claim_figure_summary(row["figure_id"])` gives the claim's
    figure with its latest, highest and lowest values and conflict count.
    """
    if figure_id is None:
        return None
    figure = figure_with_reports(figure_id)
    if figure is None:
        return None
    return FigureSerializer(figure_summary(figure, figure_analysis(figure))).data


# --- The view --------------------------------------------------------------------------------


class FigureFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Figure.Kind.choices, help_text="casualty or arrest.")
    outcome = django_filters.ChoiceFilter(
        choices=[(o, o) for o in ("killed", "injured", "missing", "arrested")],
        help_text="What is counted (arrests and detentions are both `arrested`).",
    )
    place = django_filters.CharFilter(lookup_expr="iexact", help_text="Country, e.g. Kazakhstan.")
    q = django_filters.CharFilter(
        field_name="label", lookup_expr="icontains", help_text="Label contains."
    )

    class Meta:
        model = Figure
        fields = ["kind", "outcome", "place", "q"]


@extend_schema_view(
    list=extend_schema(
        summary="List figures",
        description="Each figure with its latest, highest and lowest reported values, newest "
        "first, paged by cursor (follow `next`).",
        responses=FigureSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="One figure with its timeline, corroborations and conflicts",
        responses=FigureDetailSerializer,
    ),
)
class FigureViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = FigureFilter
    ordering_fields = ["id"]
    # Ids only: "abc" or a number too big for the database is a 404, not a 500.
    lookup_value_regex = r"[0-9]{1,18}"

    @method_decorator(conditional_page)  # ETag from the body; If-None-Match gets 304
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            patch_cache_control(response, no_cache=True)
        return response

    def get_queryset(self) -> QuerySet[Figure]:
        return public_figures()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return FigureDetailSerializer if self.action == "retrieve" else FigureSerializer

    def get_serializer(self, instance: Any = None, *args: Any, **kwargs: Any) -> Any:
        shape = figure_detail if self.action == "retrieve" else figure_summary
        if kwargs.get("many"):
            instance = [shape(f, figure_analysis(f)) for f in instance]
        elif isinstance(instance, Figure):
            instance = shape(instance, figure_analysis(instance))
        return super().get_serializer(instance, *args, **kwargs)
