"""The REST API at /api/: claim status for CMSs, partners and search engines.

Reading is public unless CLAIMDESK_API_PUBLIC=0; writing (the review endpoint) needs an editor
with `claims.review_claim`, signed in by session or token. Anonymous clients are throttled
(CLAIMDESK_ANON_RATE, default 600/minute): fair use between clients, not a security measure.
Defaults live in settings.REST_FRAMEWORK.

Lists page by cursor on the id (claims.api.pagination) and answer `If-None-Match` with 304
(`ApiViewMixin`). Views stay thin: reads are `.values()` queries shaped by
claims.api.serializers, the one write goes through `claims.services.claim_review`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path, reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.http import conditional_page
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action, api_view, schema
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework_csv.renderers import PaginatedCSVRenderer

from claims import selectors
from claims.api import claimreview
from claims.api.figures import FigureViewSet, claim_figure_summary
from claims.api.filters import (
    ActorFilter,
    ArticleFilter,
    ClaimFilter,
    QueryParamFilterBackend,
    StatusChangeFilter,
)
from claims.api.pagination import ChangeFeedPagination, IdCursorPagination
from claims.api.serializers import (
    ActorSerializer,
    ApplyVerdictInputSerializer,
    ArticleDetailSerializer,
    ArticleSerializer,
    AssignInputSerializer,
    ClaimDetailSerializer,
    ClaimSerializer,
    ReviewConflictSerializer,
    ReviewInputSerializer,
    ReviewResultSerializer,
    SignoffInputSerializer,
    StatusChangeSerializer,
    iso,
    match_items,
)
from claims.models import Actor, Article, Claim, ClaimMatch
from claims.services import (
    ReviewConflict,
    ReviewError,
    claim_confirm,
    claim_return,
    claim_review,
)
from claims.services.assignment import claims_assign
from claims.services.figures import role_checks_for
from claims.services.match_review import claim_apply_verdict, claim_review_apply_to_matches

app_name = "api"


class CSVRenderer(PaginatedCSVRenderer):
    """`?format=csv`: one row per claim, the same columns on every page.

    Nested objects become dotted columns (`article.title`); lists of words (`hedges`) become one
    cell joined with "; ". Cells that a spreadsheet would run as a formula (starting with = + -
    @) get a leading apostrophe: article text is untrusted input.
    """

    def flatten_list(self, items: list) -> dict[str, Any]:
        if all(not isinstance(item, dict | list) for item in items):
            return {"": "; ".join(str(item) for item in items)}
        return super().flatten_list(items)

    def flatten_item(self, item: Any) -> dict[str, Any]:
        if isinstance(item, datetime):
            item = iso(item)
        elif isinstance(item, str) and item[:1] in ("=", "+", "-", "@", "\t", "\r"):
            item = "'" + item
        return super().flatten_item(item)


class JSONLDRenderer(ORJSONRenderer):
    """ClaimReview answers are JSON-LD; `Accept: application/json` gets the same as plain JSON."""

    media_type = "application/ld+json"
    format = "jsonld"


class ApiViewMixin:
    """ETag and JSON errors for every API view.

    ETag on every GET answer; `If-None-Match` with the same tag gets 304 Not Modified.

    The tag is a hash of the rendered body (Django's ConditionalGetMiddleware, applied to the API
    views only), so it changes exactly when the answer does, whatever changed underneath: a
    status, a new evidence link, a claim added to the page. The server still builds the page, so
    the saving is bandwidth and client work, not queries. `Cache-Control: no-cache` tells caches
    to revalidate every time: claim status is live data.
    """

    filter_backends = [QueryParamFilterBackend, OrderingFilter]

    @method_decorator(conditional_page)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if request.method in ("GET", "HEAD"):
            patch_cache_control(response, no_cache=True)
        return response

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # Errors are always plain JSON: a 400 rendered as CSV would be a header row and no
        # message, and an error is not a JSON-LD document.
        renderer = getattr(request, "accepted_renderer", None)
        # (No renderer yet: content negotiation itself failed, e.g. an unknown ?format=.)
        if response.status_code >= 400 and (
            renderer is None or isinstance(renderer, CSVRenderer | JSONLDRenderer)
        ):
            request.accepted_renderer = ORJSONRenderer()
            request.accepted_media_type = ORJSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


def _flat_columns(serializer: serializers.Serializer, prefix: str = "") -> list[str]:
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns.extend(_flat_columns(field, f"{prefix}{name}."))
        else:
            columns.append(f"{prefix}{name}")
    return columns


CLAIM_CSV_HEADER = _flat_columns(ClaimSerializer())


_SIGNOFF_RESPONSES = {
    200: ClaimDetailSerializer,
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Nothing proposed, your own proposal, no note."
    ),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not an editor."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such claim."),
    409: ReviewConflictSerializer,
}


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Newest first (`?ordering=id` for oldest first), paged by cursor: follow "
        "`next` (also in the `Link` header). Pages stay stable while imports add claims. "
        "`?format=csv` returns the page as CSV.",
    ),
    retrieve=extend_schema(
        summary="One claim, with its article, speaker, evidence and status history"
    ),
)
class ClaimViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = ClaimFilter
    # Cursor pagination needs a unique, immutable ordering: only the id qualifies.
    ordering_fields = ["id"]
    renderer_classes = [ORJSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def get_queryset(self) -> QuerySet:
        if self.action == "retrieve":
            return selectors.api_claim_detail_rows()
        return selectors.api_claim_rows()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.serializer_class is not None:  # set by the review route (also for OPTIONS)
            return self.serializer_class
        if self.action == "retrieve":
            return ClaimDetailSerializer
        return ClaimSerializer

    def get_renderer_context(self) -> dict[str, Any]:
        context = super().get_renderer_context()
        context["header"] = CLAIM_CSV_HEADER
        return context

    def get_object(self) -> dict[str, Any]:
        row = super().get_object()
        return _with_evidence_and_history(row)

    @extend_schema(
        summary="Review a claim",
        description="Set the claim's status, with a note and evidence links, as the editor saw "
        "it at `version`. Needs the `claims.review_claim` permission (the Editors group). "
        "`verified` and `false` need a note or evidence. A stale `version` writes nothing and "
        "answers 409 with the claim as it is now. With `apply_to_matches`, each unreviewed "
        "`same` match is then reviewed the same way (`applied_to`), or left with a reason "
        "(`skipped`).",
        request=ReviewInputSerializer,
        responses={
            200: ReviewResultSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input, by field."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not an editor."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such claim."),
            409: ReviewConflictSerializer,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        renderer_classes=[ORJSONRenderer, BrowsableAPIRenderer],
        serializer_class=ReviewInputSerializer,
    )
    def review(self, request: Request, pk: str | None = None) -> Response:
        claim = _claim_or_404(pk)
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refused = self._write(
            claim,
            lambda: claim_review(
                claim=claim,
                status=data["status"],
                by=request.user,
                note=data["note"],
                evidence=data["evidence"],
                expected_version=data["version"],
            ),
        )
        if refused is not None:
            return refused
        applied = None
        if data["apply_to_matches"]:
            applied = claim_review_apply_to_matches(
                claim=claim, status=data["status"], by=request.user, note=data["note"]
            )
        row = _claim_detail_row(claim.pk)
        row["applied_to"] = applied.applied if applied else []
        row["skipped"] = (
            [{"id": s.id, "reason": s.reason} for s in applied.skipped] if applied else []
        )
        return Response(ReviewResultSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Apply a matching claim's verdict",
        description="Review this claim with the published status and the evidence of `from`, "
        'one of its `matches` that has a verdict, with a note naming it ("Verdict applied '
        'from claim #12 (Outlet, date): ..."). Needs `claims.review_claim`; with sign-off it '
        "proposes. A stale `version` writes nothing and answers 409.",
        request=ApplyVerdictInputSerializer,
        responses={
            200: ClaimDetailSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Not a match, no verdict, invalid input."
            ),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not an editor."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such claim."),
            409: ReviewConflictSerializer,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="apply-verdict",
        url_name="apply-verdict",
        renderer_classes=[ORJSONRenderer, BrowsableAPIRenderer],
        serializer_class=ApplyVerdictInputSerializer,
    )
    def apply_verdict(self, request: Request, pk: str | None = None) -> Response:
        claim = _claim_or_404(pk)
        serializer = ApplyVerdictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._write(
            claim,
            lambda: claim_apply_verdict(
                claim=claim,
                source_id=data["from"],
                by=request.user,
                expected_version=data["version"],
            ),
        ) or self._detail(claim)

    @extend_schema(
        summary="Confirm a proposed verdict (sign-off)",
        description="With CLAIMDESK_SIGNOFF=required, publish the verdict another editor "
        "proposed. Refused (400) for your own proposal or when nothing is proposed; a stale "
        "`version` writes nothing and answers 409 with the claim as it is now.",
        request=SignoffInputSerializer,
        responses=_SIGNOFF_RESPONSES,
    )
    @action(
        detail=True,
        methods=["post"],
        renderer_classes=[ORJSONRenderer, BrowsableAPIRenderer],
        serializer_class=SignoffInputSerializer,
    )
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        return self._signoff(request, pk, claim_confirm)

    @extend_schema(
        summary="Return a proposed verdict to its proposer (sign-off)",
        description="Send back the verdict another editor proposed, with a `note` (required) "
        "saying why. The published status does not change.",
        request=SignoffInputSerializer,
        responses=_SIGNOFF_RESPONSES,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        renderer_classes=[ORJSONRenderer, BrowsableAPIRenderer],
        serializer_class=SignoffInputSerializer,
    )
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._signoff(request, pk, claim_return)

    def _signoff(self, request: Request, pk: str | None, step: Any) -> Response:
        claim = _claim_or_404(pk)
        serializer = SignoffInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return self._write(
            claim,
            lambda: step(
                claim=claim, by=request.user, note=data["note"], expected_version=data["version"]
            ),
        ) or self._detail(claim)

    def _write(self, claim: Claim, write: Callable[[], object]) -> Response | None:
        """Run a review-service write; the refusal as the API answers it, or None when done.

        A stale version is 409 with the claim as it is now; a refused input is 400 naming it.
        """
        try:
            write()
        except ReviewConflict as exc:
            return Response(
                {"detail": exc.message, "current": self._detail(claim).data},
                status=status.HTTP_409_CONFLICT,
            )
        except ReviewError as exc:
            return Response({exc.field or "non_field_errors": [exc.message]}, status=400)
        return None

    def _detail(self, claim: Claim) -> Response:
        row = _claim_detail_row(claim.pk)
        return Response(ClaimDetailSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Assign a claim to an editor (or release it)",
        description="Give the claim to `assignee` (a username) or to nobody (`null`), as the "
        "review UI and the admin do. Needs the `claims.review_claim` permission (Editors, Desk "
        "chiefs); the assignee must be an editor too. Assigning changes neither the status nor "
        "the version, and is recorded as an AssignmentChange.",
        request=AssignInputSerializer,
        responses={
            200: ClaimDetailSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="`assignee`: no such user, or not an editor."
            ),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not an editor."),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such claim."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        renderer_classes=[ORJSONRenderer, BrowsableAPIRenderer],
        serializer_class=AssignInputSerializer,
    )
    def assign(self, request: Request, pk: str | None = None) -> Response:
        claim = _claim_or_404(pk)
        serializer = AssignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claims_assign(
            claim_ids=[claim.pk], to=serializer.validated_data["assignee"], by=request.user
        )
        detail = ClaimDetailSerializer(
            _claim_detail_row(claim.pk), context=self.get_serializer_context()
        )
        return Response(detail.data)

    @extend_schema(
        summary="The claim's schema.org ClaimReview (JSON-LD)",
        description=claimreview.__doc__,
        responses={
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such claim, or unreviewed."),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="claimreview",
        renderer_classes=[JSONLDRenderer, ORJSONRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def claimreview(self, request: Request, pk: str | None = None) -> Response:
        row = selectors.reviewed_claim_rows().filter(pk=_int_or_404(pk)).first()
        if row is None:
            if Claim.objects.filter(pk=_int_or_404(pk)).exists():
                raise Http404("This claim has not been reviewed yet, so it has no ClaimReview.")
            raise Http404("No claim with this id.")
        # Where a reader can open the review: the public claim page, not this API address.
        url = request.build_absolute_uri(reverse("claim-public", args=[row["id"]]))
        return Response(claimreview.claim_review_jsonld(row, url=url))


def _int_or_404(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404("No claim with this id.") from None


def _claim_or_404(pk: Any) -> Claim:
    try:
        return Claim.objects.get(pk=_int_or_404(pk))
    except Claim.DoesNotExist:
        raise Http404("No claim with this id.") from None


def _with_evidence_and_history(row: dict[str, Any]) -> dict[str, Any]:
    # Four more queries, whatever the number of evidence links, changes or matches, three for
    # the figure's summary when the claim has one, and two for the speaker's role check.
    row["figure"] = claim_figure_summary(row["figure_id"])
    row["matches"] = match_items(ClaimMatch.objects.of_claim(row["id"]))
    speaker = row["speaker_id"]
    row["role_check"] = role_checks_for([speaker]).get(speaker) if speaker else None
    row["evidence"] = selectors.claim_evidence_rows(row["id"])
    row["history"] = selectors.claim_history_rows(row["id"])
    return row


def _claim_detail_row(pk: int) -> dict[str, Any]:
    return _with_evidence_and_history(selectors.api_claim_detail_rows().filter(pk=pk).get())


@extend_schema(
    summary="All reviewed claims as a schema.org DataFeed of ClaimReviews (JSON-LD)",
    description="Newest claims first (by claim id; each item carries its `dateModified`), paged "
    'by cursor: the `Link` header\'s `rel="next"` is the next page (`?page_size=` up to 500). '
    + (claimreview.__doc__ or ""),
    responses={
        (200, "application/ld+json"): OpenApiTypes.OBJECT,
        (200, "application/json"): OpenApiTypes.OBJECT,
    },
)
class ClaimReviewFeedView(ApiViewMixin, generics.GenericAPIView):
    renderer_classes = [JSONLDRenderer, ORJSONRenderer]
    pagination_class = IdCursorPagination
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        return selectors.reviewed_claim_rows()

    def get(self, request: Request) -> Response:
        paginator = self.paginator
        rows = paginator.paginate_queryset(self.get_queryset(), request, view=self)
        site = request.build_absolute_uri("/").removesuffix("/")
        reviews = [
            claimreview.claim_review_jsonld(
                row, url=site + reverse("claim-public", args=[row["id"]]), with_context=False
            )
            for row in rows
        ]
        modified = max((row["status_changed_at"] for row in rows), default=None)
        feed = claimreview.data_feed(
            reviews, url=request.build_absolute_uri(request.path), modified=modified
        )
        response = Response(feed)
        links = [
            f'<{url}>; rel="{rel}"'
            for rel, url in (
                ("next", paginator.get_next_link()),
                ("prev", paginator.get_previous_link()),
            )
            if url
        ]
        if links:
            response["Link"] = ", ".join(links)
        return response


@extend_schema_view(
    list=extend_schema(summary="List articles", description="Newest imported first."),
    retrieve=extend_schema(summary="One article with its text and claims"),
)
class ArticleViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = ArticleFilter
    ordering_fields = ["id"]

    def get_queryset(self) -> QuerySet:
        return selectors.api_articles(with_body=self.action != "list")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def get_object(self) -> Article:
        article = super().get_object()
        # The claims in reading order, in one query (same row shape as /api/claims/).
        article.claim_rows = selectors.article_claim_rows(article.pk)  # type: ignore[attr-defined]
        return article


@extend_schema_view(
    list=extend_schema(summary="List actors (speakers)"),
    retrieve=extend_schema(summary="One actor"),
)
class ActorViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ActorSerializer
    filterset_class = ActorFilter
    ordering_fields = ["id"]

    def get_queryset(self) -> QuerySet:
        return Actor.objects.all()


@extend_schema(
    summary="The change feed: every status change, oldest first",
    description=(
        "Mirror claim status by polling: start at `/api/status-changes/`, store `next`, and "
        "request it again later. `next` is present on every page, including the last, and "
        "holds your position (the id of the last change you received); each change appears "
        "exactly once.\n\n"
        "Why nothing is missed: ids are handed out when a change is written, and the review "
        "service writes changes one at a time (a PostgreSQL transaction-level advisory lock "
        "around the insert and the commit; SQLite serialises writers anyway), so a change with "
        "a lower id is always visible before one with a higher id. A reader that has seen id N "
        "can never later find a new change below N."
    ),
)
class StatusChangeFeedView(ApiViewMixin, generics.ListAPIView):
    serializer_class = StatusChangeSerializer
    pagination_class = ChangeFeedPagination
    filterset_class = StatusChangeFilter
    # No OrderingFilter: the feed's order is its contract.
    filter_backends = [QueryParamFilterBackend]

    def get_queryset(self) -> QuerySet:
        return selectors.status_change_rows()


@api_view(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@schema(None)
def api_not_found(request: Request) -> Response:
    raise NotFound("No such API endpoint or object; see /api/docs/.")


router = DefaultRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("articles", ArticleViewSet, basename="article")
router.register("actors", ActorViewSet, basename="actor")
router.register("figures", FigureViewSet, basename="figure")

urlpatterns = [
    path("status-changes/", StatusChangeFeedView.as_view(), name="status-change-list"),
    path("claimreview/", ClaimReviewFeedView.as_view(), name="claimreview-feed"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's static files. (No Redoc: its page loads fonts
    # from Google, and the docs must work without any CDN.)
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/ ending in a slash ("/api/claims/1.5/", "/api/nothing/") is a
    # JSON 404 like the rest of the API, not Django's HTML page. Paths without the slash still
    # get APPEND_SLASH's redirect.
    re_path(r"^[\s\S]*/$", api_not_found),
]
