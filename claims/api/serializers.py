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

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.figures import FigureSerializer
from claims.models import Actor, Article, Claim, ClaimMatch, Evidence, StatusChange
from claims.permissions import REVIEW_PERMISSION
from claims.services.figures import role_checks_for

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
    published_basis = serializers.ChoiceField(
        choices=Article.PublishedBasis.choices,
        allow_blank=True,
        help_text="Where published_at came from: the article's date field, the page's "
        "metadata, its dateline, a date in its text, or the import time (the article gives no "
        "date). Empty for articles imported before this was recorded.",
    )
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
    assigned_to = serializers.CharField(
        allow_null=True, help_text="Username of the editor who holds the claim, or null."
    )
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
            "assigned_to": row["assigned_to__username"],
            "version": row["version"],
            "article": {
                "id": row["article_id"],
                "api_url": f"{articles}{row['article_id']}/",
                "title": row["article__title"],
                "url": row["article__url"],
                "published_at": row["published_at_iso"],
                "published_basis": row["article__published_basis"],
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


class RoleArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class RoleSeenSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="As an article wrote it.")
    claims = serializers.IntegerField(help_text="Claims that give the actor this role.")
    conflicting = serializers.BooleanField(help_text="One of the roles an editor should check.")
    articles = RoleArticleSerializer(many=True)


class RoleCheckSerializer(serializers.Serializer):
    known_role = serializers.CharField(help_text="The role an editor confirmed; may be empty.")
    consistent = serializers.BooleanField(
        help_text="false: articles give roles that cannot all be right (“European Council "
        "President” and “European Commission President”), or one that differs from the known "
        "role."
    )
    reason = serializers.CharField(help_text="Why not consistent; empty when consistent.")
    roles = RoleSeenSerializer(many=True, help_text="Roles seen in articles, most used first.")


class ClaimMatchSerializer(serializers.Serializer):
    """Another claim that repeats this one or resembles it (repeated claims)."""

    id = serializers.IntegerField(help_text="The other claim (see /api/claims/{id}/).")
    relation = serializers.ChoiceField(
        choices=ClaimMatch.Relation.choices,
        help_text="same: the same statement (a reprint, a repeated quote, the same figure from "
        "the same source); similar: a suggestion (a paraphrase, the same value elsewhere).",
    )
    score = serializers.FloatField(help_text="0 to 1; every `same` scores above every `similar`.")
    status = serializers.ChoiceField(
        choices=Claim.Status.choices, help_text="The other claim's published status."
    )


def match_items(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`ClaimMatch.objects.of_claim()` rows as the API shows them: one per other claim, best
    first (a pair matched both ways round, after an old article was re-imported, shows once)."""
    items: dict[int, dict[str, Any]] = {}
    for row in rows:
        items.setdefault(
            row["other_id"],
            {
                "id": row["other_id"],
                "relation": row["relation"],
                "score": row["score"],
                "status": row["other_status"],
            },
        )
    return list(items.values())


class ClaimDetailSerializer(ClaimSerializer):
    """One claim with everything an editor decided about it.

    Input is a `selectors.api_claim_detail_rows()` row to which the view has added `evidence` and
    `history` (lists of `.values()` rows), `figure` (claims.api.figures.claim_figure_summary),
    `matches` (`match_items`) and `role_check`.
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
    role_check = RoleCheckSerializer(
        allow_null=True,
        help_text="The speaker's role check: the roles articles gave them (with the articles), "
        "the known role, and whether they can all be right. null without a speaker or roles.",
    )
    matches = ClaimMatchSerializer(
        many=True,
        help_text="Claims of other articles that repeat this one or resemble it, earlier or "
        "later, best first.",
    )

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        data = super().to_representation(row)
        data.update(
            created_at=row["created_at"],
            start=row["start"],
            end=row["end"],
            extractor_version=row["extractor_version"],
            status_definition=Claim.STATUS_DEFINITIONS[Claim.Status(row["status"])],
            figure=row["figure"],
            role_check=row["role_check"],
            evidence=[evidence_item(e) for e in row["evidence"]],
            history=[history_item(h) for h in row["history"]],
            matches=row["matches"],
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
    apply_to_matches = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also review each unreviewed `same` match with this status (each its own "
        "review, with this claim's evidence and a note naming it); see `applied_to` and "
        "`skipped` in the answer.",
    )


class ApplyVerdictInputSerializer(serializers.Serializer):
    """POST /api/claims/{id}/apply-verdict/: `from`, the matching claim whose verdict to copy."""

    version = serializers.IntegerField(
        min_value=1,
        help_text="This claim's `version` as the client last read it; 409 if it changed since.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        return {
            "from": serializers.IntegerField(
                min_value=1,
                max_value=2**63 - 1,
                help_text="The id of a matching claim (see `matches`) that has a verdict: its "
                "status and evidence are applied, with a note naming it.",
            ),
            **super().get_fields(),
        }


class SkippedMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField(
        help_text="already reviewed, a proposal is pending, changed meanwhile, not permitted, ..."
    )


class ReviewResultSerializer(ClaimDetailSerializer):
    """The reviewed claim, and what `apply_to_matches` did to its `same` matches."""

    applied_to = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Matching claims that were also reviewed (each its own review and history "
        "entry); empty unless `apply_to_matches` was true.",
    )
    skipped = SkippedMatchSerializer(
        many=True, help_text="`same` matches left as they were, with the reason."
    )

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        data = super().to_representation(row)
        data.update(applied_to=row["applied_to"], skipped=row["skipped"])
        return data


class SignoffInputSerializer(serializers.Serializer):
    """POST /api/claims/{id}/confirm/ and /return/: the version the editor saw and a note."""

    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(
        min_value=1,
        help_text="The claim's `version` as the client last read it (with its proposal). If "
        "anything changed since, nothing is written and the answer is 409.",
    )


class AssignInputSerializer(serializers.Serializer):
    """POST /api/claims/{id}/assign/: who is to hold the claim."""

    assignee = serializers.CharField(
        allow_null=True,
        max_length=150,
        help_text="Username of the editor (or desk chief) to hold the claim; null to release it.",
    )

    def validate_assignee(self, username: str | None) -> AbstractBaseUser | None:
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise serializers.ValidationError(f"No user named {username!r}.")
        if not user.has_perm(REVIEW_PERMISSION):
            raise serializers.ValidationError(
                f"{username} is not an editor and cannot hold claims."
            )
        return user


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
            "published_basis",
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


class ActorListSerializer(serializers.ListSerializer):
    """Works out the role checks of a page of actors at once (two queries, not two each)."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        actors = list(data)
        self.context["role_checks"] = role_checks_for(actors)
        return super().to_representation(actors)


class ActorSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField())
    role_check = serializers.SerializerMethodField()

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "kind",
            "aliases",
            "known_role",
            "role_check",
            "created_at",
            "updated_at",
        ]
        list_serializer_class = ActorListSerializer

    @extend_schema_field(RoleCheckSerializer(allow_null=True))
    def get_role_check(self, actor: Actor) -> dict[str, Any] | None:
        """The roles articles gave the actor, and whether they can all be right; null when no
        article gave one."""
        checks = self.context.get("role_checks")
        if checks is None:  # one actor: its own two queries
            checks = role_checks_for([actor])
        return checks.get(actor.pk)


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
