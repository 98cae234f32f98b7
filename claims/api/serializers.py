"""API representations.

The claim list is the hot path (a million claims, pages of up to 500): the views fetch it with
`.values(*CLAIM_COLUMNS)` (claims.selectors.claim_rows), one query with its joins, and
`ClaimSerializer.to_representation` shapes each row with plain dict building. That skips
creating four model instances per row and DRF's per-field machinery, which together cost more
than the query itself. The database formats the date-times as the API writes them
("2026-11-25T03:19:00Z") and hands over the hedges as JSON text (claim_rows again): parsing 300
timestamps a page into `datetime` objects in Python, only for the renderer to write them out
again, was the largest per-row cost. The declared fields are still the contract:
drf-spectacular documents them, and tests compare the output with them.
Everything that is not hot (articles, actors, the review input) is a plain ModelSerializer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.figures import FigureSerializer
from claims.models import Actor, Article, Claim, Evidence, StatusChange

STATUS_LABELS: dict[str, str] = dict(Claim.Status.choices)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as DRF's DateTimeField writes it."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def api_prefix(context: dict[str, Any], route: str) -> str:
    """Absolute URL of a list route ("claim-list" -> "http://host/api/claims/"), once per request.

    Rows append "<id>/" to it: one `reverse()` per page instead of one per row.
    """
    key = f"_prefix_{route}"
    if key not in context:
        path = reverse(f"api:{route}")
        request = context.get("request")
        context[key] = request.build_absolute_uri(path) if request is not None else path
    return context[key]


class OutletRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ClaimArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    api_url = serializers.CharField(help_text="This article in the API.")
    title = serializers.CharField()
    url = serializers.CharField(allow_null=True, help_text="The article on the publisher's site.")
    published_at = serializers.DateTimeField(allow_null=True)
    outlet = OutletRefSerializer(allow_null=True)


class ActorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)


class ClaimSerializer(serializers.Serializer):
    """One claim as listed. Input is a `claim_rows()` row, not a model instance."""

    id = serializers.IntegerField()
    api_url = serializers.CharField(help_text="This claim in the API.")
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    sentence = serializers.CharField(help_text="The sentence of the article the claim is in.")
    value_low = serializers.IntegerField(allow_null=True, help_text="Figures: the lowest value.")
    value_high = serializers.IntegerField(
        allow_null=True, help_text="Figures: the highest value; null when open-ended."
    )
    qualifier = serializers.CharField(help_text="exact, more_than, at_least, about, up_to, ...")
    outcome = serializers.CharField(help_text="Figures: killed, injured, missing, arrested, ...")
    subject = serializers.CharField(help_text="Figures: who the figure is about.")
    agent = serializers.CharField(help_text="Figures: who did it.")
    speaker = ActorRefSerializer(allow_null=True, help_text="The actor the claim is attributed to.")
    speaker_text = serializers.CharField(help_text="The speaker as the article words it.")
    speaker_role = serializers.CharField()
    content = serializers.CharField(help_text="Attributions: what was said.")
    direct = serializers.BooleanField(allow_null=True, help_text="Attributions: a direct quote.")
    hedges = serializers.ListField(child=serializers.CharField())
    is_hedged = serializers.BooleanField()
    rule = serializers.CharField(help_text="The extraction rule that found the claim.")
    confidence = serializers.FloatField(
        help_text="How often this rule's claims were right on annotated articles (0 to 1). "
        "It ranks and flags claims for review; it never hides one."
    )
    in_article = serializers.BooleanField(
        help_text="False once a re-import of the article no longer contains the claim."
    )
    figure_id = serializers.IntegerField(allow_null=True, help_text="See /api/figures/{id}/.")
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    status_label = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    proposed_status = serializers.CharField(
        help_text="Sign-off: a verdict proposed and awaiting a second editor, or empty. `status` "
        "is always the last confirmed verdict."
    )
    proposed_by = serializers.CharField(allow_null=True, help_text="Username of the proposer.")
    version = serializers.IntegerField(help_text="Send it back with a review (lost-update guard).")
    article = ClaimArticleSerializer()
    updated_at = serializers.DateTimeField(help_text="Last change of any kind (updated_since).")

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        # Built by hand rather than by the declared fields (see the module docstring: DRF's
        # per-field machinery cost more than the query on a 500-row page). The declared fields
        # stay the contract: tests/test_structure.py checks every key, type and nesting of this
        # output against them, so a field added above and not here fails there.
        # Called once per row: look the two URL prefixes up once per serializer, not per row.
        prefixes = self.__dict__.get("_prefixes")
        if prefixes is None:
            prefixes = self._prefixes = (
                api_prefix(self.context, "claim-list"),
                api_prefix(self.context, "article-list"),
            )
        claims, articles = prefixes
        speaker_id = row["speaker_id"]
        outlet_id = row["article__outlet_id"]
        return {
            "id": row["id"],
            "api_url": f"{claims}{row['id']}/",
            "kind": row["kind"],
            "sentence": row["sentence"],
            "value_low": row["value_low"],
            "value_high": row["value_high"],
            "qualifier": row["qualifier"],
            "outcome": row["outcome"],
            "subject": row["subject"],
            "agent": row["agent"],
            "speaker": None
            if speaker_id is None
            else {"id": speaker_id, "name": row["speaker__name"], "kind": row["speaker__kind"]},
            "speaker_text": row["speaker_text"],
            "speaker_role": row["speaker_role"],
            "content": row["content"],
            "direct": row["direct"],
            "hedges": orjson.loads(row["hedges_json"] or "null") or [],
            "is_hedged": row["is_hedged"],
            "rule": row["rule"],
            "confidence": row["confidence"],
            "in_article": row["in_article"],
            "figure_id": row["figure_id"],
            "status": row["status"],
            "status_label": STATUS_LABELS[row["status"]],
            "status_changed_at": row["status_changed_at_iso"],
            "proposed_status": row["proposed_status"],
            "proposed_by": row["proposed_by__username"],
            "version": row["version"],
            "article": {
                "id": row["article_id"],
                "api_url": f"{articles}{row['article_id']}/",
                "title": row["article__title"],
                "url": row["article__url"],
                "published_at": row["published_at_iso"],
                "outlet": None
                if outlet_id is None
                else {"id": outlet_id, "name": row["article__outlet__name"]},
            },
            "updated_at": row["updated_at_iso"],
        }


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    title = serializers.CharField()
    stance = serializers.ChoiceField(choices=Evidence.Stance.choices)
    note = serializers.CharField()
    added_by = serializers.CharField(allow_null=True, help_text="Username of the editor.")
    created_at = serializers.DateTimeField()


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Also its position in /api/status-changes/.")
    kind = serializers.ChoiceField(
        choices=StatusChange.Kind.choices,
        help_text="change (applied at once), or with sign-off: proposal, confirmation, return. "
        "Only change and confirmation set the published status.",
    )
    from_status = serializers.ChoiceField(choices=Claim.Status.choices)
    to_status = serializers.ChoiceField(choices=Claim.Status.choices)
    note = serializers.CharField()
    changed_by = serializers.CharField(allow_null=True, help_text="Username of the editor.")
    claim_version = serializers.IntegerField(help_text="The claim's version after the change.")
    created_at = serializers.DateTimeField()


def evidence_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "title": row["title"],
        "stance": row["stance"],
        "note": row["note"],
        "added_by": row["added_by__username"],
        "created_at": row["created_at"],
    }


def history_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "note": row["note"],
        "changed_by": row["changed_by__username"],
        "claim_version": row["claim_version"],
        "created_at": row["created_at"],
    }


class ClaimDetailSerializer(ClaimSerializer):
    """One claim with everything an editor decided about it.

    Input is a `selectors.api_claim_detail_rows()` row to which the view has added `evidence` and
    `history` (lists of `.values()` rows) and `figure` (claims.api.figures.claim_figure_summary).
    """

    created_at = serializers.DateTimeField(help_text="When the claim was first extracted.")
    start = serializers.IntegerField(help_text="Character span of the sentence in the article.")
    end = serializers.IntegerField()
    extractor_version = serializers.CharField()
    status_definition = serializers.CharField()
    figure = FigureSerializer(
        allow_null=True,
        help_text="The figure this claim reports, with its latest, highest and lowest values "
        "(details at /api/figures/{id}/).",
    )
    evidence = EvidenceSerializer(many=True)
    history = HistoryEntrySerializer(many=True, help_text="Status changes, oldest first.")

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        data = super().to_representation(row)
        data.update(
            created_at=row["created_at"],
            start=row["start"],
            end=row["end"],
            extractor_version=row["extractor_version"],
            status_definition=Claim.STATUS_DEFINITIONS[Claim.Status(row["status"])],
            figure=row["figure"],
            evidence=[evidence_item(e) for e in row["evidence"]],
            history=[history_item(h) for h in row["history"]],
        )
        return data


class ClaimInArticleSerializer(ClaimSerializer):
    """A claim inside its article's detail: the same row without the article repeated."""

    article = None  # type: ignore[assignment]

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        data = super().to_representation(row)
        del data["article"]
        return data


class EvidenceInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    stance = serializers.ChoiceField(
        choices=Evidence.Stance.choices, required=False, default=Evidence.Stance.SUPPORTS
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ReviewInputSerializer(serializers.Serializer):
    """POST /api/claims/{id}/review/: the decision and the version the editor saw."""

    status = serializers.ChoiceField(choices=Claim.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    evidence = EvidenceInputSerializer(many=True, required=False, default=list, max_length=20)
    version = serializers.IntegerField(
        min_value=1,
        help_text="The claim's `version` as the client last read it. If another editor has "
        "reviewed the claim since, nothing is written and the answer is 409 with the claim as "
        "it is now.",
    )


class SignoffInputSerializer(serializers.Serializer):
    """POST /api/claims/{id}/confirm/ and /return/: the version the editor saw and a note."""

    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(
        min_value=1,
        help_text="The claim's `version` as the client last read it (with its proposal). If "
        "anything changed since, nothing is written and the answer is 409.",
    )


class ReviewConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Who changed the claim, and to what.")
    current = ClaimDetailSerializer(help_text="The claim as it is now.")


class ArticleSerializer(serializers.ModelSerializer):
    api_url = serializers.SerializerMethodField()
    outlet = OutletRefSerializer(allow_null=True)
    credited_agencies = OutletRefSerializer(many=True)
    claim_count = serializers.IntegerField(help_text="Claims found in the article.")

    class Meta:
        model = Article
        fields = [
            "id",
            "api_url",
            "title",
            "url",
            "outlet",
            "credited_agencies",
            "published_at",
            "imported_at",
            "updated_at",
            "claim_count",
        ]

    def get_api_url(self, article: Article) -> str:
        return f"{api_prefix(self.context, 'article-list')}{article.id}/"


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField()
    claims = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "claims"]

    @extend_schema_field(ClaimInArticleSerializer(many=True))
    def get_claims(self, article: Article) -> list[dict[str, Any]]:
        serializer = ClaimInArticleSerializer(context=self.context)
        return [serializer.to_representation(row) for row in article.claim_rows]  # type: ignore[attr-defined]


class ActorSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Actor
        fields = ["id", "name", "kind", "aliases", "known_role", "created_at", "updated_at"]


class StatusChangeSerializer(serializers.Serializer):
    """One entry of the change feed. Input is a `.values()` row."""

    id = serializers.IntegerField(help_text="Increases with commit order; the feed's cursor.")
    kind = serializers.ChoiceField(
        choices=StatusChange.Kind.choices, help_text="change, or confirmation (sign-off)."
    )
    claim_id = serializers.IntegerField()
    claim_api_url = serializers.CharField()
    from_status = serializers.ChoiceField(choices=Claim.Status.choices)
    to_status = serializers.ChoiceField(choices=Claim.Status.choices)
    note = serializers.CharField()
    changed_by = serializers.CharField(allow_null=True, help_text="Username of the editor.")
    claim_version = serializers.IntegerField(help_text="The claim's version after the change.")
    created_at = serializers.DateTimeField()

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        claims = api_prefix(self.context, "claim-list")
        data = history_item(row)
        data["claim_id"] = row["claim_id"]
        data["claim_api_url"] = f"{claims}{row['claim_id']}/"
        return data
