"""Editor admin for outlets, articles, actors, claims, evidence and the audit trail.

Status changes only through `claim_review`: the reviewed fields are read-only in every form and
the "Mark selected … as" actions call the service once per claim, after a confirmation page that
takes the note. Users without `claims.review_claim` see no such actions, and a posted action they
cannot see is refused by Django's action machinery. Evidence is added through `evidence_add`
and, like the status history, is never edited afterwards: it is part of the record.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims.admin.assignment import assign_articles, assign_claims
from claims.models import Actor, Article, Claim, ClaimMatch, Evidence, Outlet, StatusChange
from claims.permissions import CHANGE_CLAIM_PERMISSION, EVIDENCE_PERMISSION, REVIEW_PERMISSION
from claims.schema import CLAIM_REVIEW_FIELDS
from claims.services import (
    ReviewConflict,
    ReviewError,
    claim_confirm,
    claim_return,
    claim_review,
    evidence_add,
)
from claims.services.review import signoff_required

# What the claim form's "Matches" reads of each matched claim (not the article body).
MATCH_SIDE_FIELDS = ("status", "article", "article__outlet", "article__outlet__name")

admin.site.site_header = "Claim Desk admin"
admin.site.site_title = "Claim Desk"
admin.site.index_title = "Articles, claims and the review record"
admin.site.site_url = "/review/"

# A URL typed without a scheme ("example.org/report") is taken as https, not http (Django 6's
# default, chosen now so that forms behave the same after the upgrade).
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


def _claim_count(**link: OuterRef) -> Coalesce:
    """A correlated COUNT of claims. Unlike annotate(Count(...)) it adds no join or GROUP BY
    to the change list's count and date-hierarchy queries, which Django then leaves it out of."""
    claims = (
        Claim.objects.filter(**link).order_by().values(*link).annotate(n=Count("id")).values("n")
    )
    return Coalesce(Subquery(claims, output_field=IntegerField()), 0)


def _titled(filter_class, title: str):  # type: ignore[no-untyped-def]
    """A field list filter with an editor's wording ("hedged", not "By is hedged")."""

    class Titled(filter_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "kind", "url", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "known_role", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "known_role"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Actor]:
        return (
            super().get_queryset(request).annotate(claim_count=_claim_count(speaker=OuterRef("pk")))
        )

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj: Actor) -> int:
        return obj.claim_count


class ClaimInline(admin.TabularInline):
    """An article's claims, read-only: they come from extraction and are reviewed per claim."""

    model = Claim
    fields = ["kind", "sentence", "figure_display", "speaker_text", "status"]
    readonly_fields = fields
    ordering = ["start", "id"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return False

    @admin.display(description="Figure")
    def figure_display(self, obj: Claim) -> str:
        return obj.figure_display or "—"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = [
        "title",
        "outlet",
        "published_at",
        "published_basis",
        "imported_at",
        "claim_count",
        "reprint",
    ]
    list_filter = [("outlet", admin.RelatedOnlyFieldListFilter), "published_basis", "imported_at"]
    search_fields = ["title", "url", "source_key"]
    list_select_related = ["outlet"]
    date_hierarchy = "published_at"
    show_full_result_count = False  # one count per page, not two
    autocomplete_fields = ["outlet", "credited_agencies"]
    # `reprint_of` is found by matching (claims/services/matching.py) on import, not typed in.
    readonly_fields = [
        "content_hash",
        "imported_at",
        "updated_at",
        "extractor_version",
        "reprint_of",
        "matched_at",  # empty while its matching job waits for a worker
    ]
    inlines = [ClaimInline]
    actions = [assign_articles]

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                claim_count=_claim_count(article=OuterRef("pk")),
                # The original's title in the page's query, joined on reprint_of: selecting the
                # related article whole (list_select_related) would also load its body.
                reprint_of_title=F("reprint_of__title"),
            )
        )

    @admin.display(description="Claims", ordering="claim_count")
    def claim_count(self, obj: Article) -> int:
        return obj.claim_count

    @admin.display(description="Reprint of", ordering="reprint_of_id")
    def reprint(self, obj: Article) -> str:
        if obj.reprint_of_id is None:
            return "—"
        url = reverse("admin:claims_article_change", args=[obj.reprint_of_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.reprint_of_id, obj.reprint_of_title)


class EvidenceInline(admin.TabularInline):
    """Add evidence to a claim; existing evidence stays as it was cited (read-only)."""

    model = Evidence
    formfield_overrides = HTTPS_URL_FIELDS
    fields = ["url", "title", "stance", "note", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]
    extra = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        user = request.user
        return user.has_perm(REVIEW_PERMISSION) or user.has_perm(EVIDENCE_PERMISSION)


class StatusChangeInline(admin.TabularInline):
    """The claim's audit trail: shown, never edited."""

    model = StatusChange
    fields = [
        "created_at",
        "kind",
        "from_status",
        "to_status",
        "changed_by",
        "note",
        "claim_version",
    ]
    readonly_fields = fields
    ordering = ["id"]
    extra = 0
    can_delete = False
    verbose_name = "status change"
    verbose_name_plural = "status history"

    def has_add_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[StatusChange]:
        return super().get_queryset(request).select_related("changed_by")


class ReviewConfirmationForm(forms.Form):
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Saved in each claim's history. Verified and False need a note unless the "
        "claim already has evidence.",
    )
    evidence_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Evidence link (optional, added to every selected claim)",
    )
    evidence_stance = forms.ChoiceField(
        choices=Evidence.Stance.choices, initial=Evidence.Stance.SUPPORTS, required=False
    )


def _review_action(status: Claim.Status):  # type: ignore[no-untyped-def]
    """An admin action marking the selected claims `status`, through a confirmation page."""

    def action(modeladmin: ClaimAdmin, request: HttpRequest, queryset: QuerySet[Claim]):  # type: ignore[no-untyped-def]
        return modeladmin.review_selected(request, queryset, status)

    action.__name__ = f"mark_{status.value}"
    return admin.action(
        description=f"Mark selected claims as {status.label}…",
        permissions=["review"],
    )(action)


class SignoffConfirmationForm(forms.Form):
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Saved in each claim's history. Returning a verdict needs a note.",
    )


def _signoff_action(confirm: bool):  # type: ignore[no-untyped-def]
    """An admin action confirming or returning the selected claims' proposed verdicts."""

    def action(modeladmin: ClaimAdmin, request: HttpRequest, queryset: QuerySet[Claim]):  # type: ignore[no-untyped-def]
        return modeladmin.signoff_selected(request, queryset, confirm=confirm)

    action.__name__ = "confirm_proposals" if confirm else "return_proposals"
    verb = "Confirm" if confirm else "Return"
    return admin.action(
        description=f"{verb} the proposed verdicts of selected claims…", permissions=["review"]
    )(action)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "sentence_short",
        "figure_value",
        "speaker_display",
        "status",
        "proposed_status",
        "article",
    ]
    list_display_links = ["id", "sentence_short"]
    list_filter = [
        "status",
        ("proposed_status", _titled(admin.ChoicesFieldListFilter, "proposed (sign-off)")),
        "kind",
        ("article__outlet", _titled(admin.RelatedOnlyFieldListFilter, "outlet")),
        ("is_hedged", _titled(admin.BooleanFieldListFilter, "hedged")),
        ("article__imported_at", _titled(admin.DateFieldListFilter, "import date")),
        ("in_article", _titled(admin.BooleanFieldListFilter, "still in the article")),
    ]
    search_fields = ["sentence", "speaker__name", "speaker_text", "article__title"]
    list_select_related = ["article", "article__outlet", "speaker"]
    list_per_page = 50
    show_full_result_count = False  # counting 100,000+ rows twice per page is wasted time
    raw_id_fields = ["article", "speaker", "figure"]
    inlines = [EvidenceInline, StatusChangeInline]
    actions = [
        *(_review_action(s) for s in Claim.Status if s != Claim.Status.UNREVIEWED),
        _signoff_action(confirm=True),
        _signoff_action(confirm=False),
        assign_claims,
    ]
    fieldsets = [
        (None, {"fields": ["review_link", "article", "kind", "sentence", ("start", "end")]}),
        (
            "Figure",
            {
                "fields": [
                    ("value_low", "value_high", "qualifier"),
                    "outcome",
                    "subject",
                    "agent",
                    "figure",
                ]
            },
        ),
        ("Speaker", {"fields": ["speaker", "speaker_text", "speaker_role", "content", "direct"]}),
        ("Hedges", {"fields": ["hedges", "is_hedged"]}),
        ("Repeated claims", {"fields": ["matches_display"]}),
        (
            "Review (changed only by review actions and the review UI)",
            {"fields": list(CLAIM_REVIEW_FIELDS)},
        ),
        (
            "Provenance",
            {
                "classes": ["collapse"],
                "fields": [
                    "extractor_version",
                    "fingerprint",
                    "in_article",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    # --- permissions ---------------------------------------------------------------------------

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # Editors (review permission, no change_claim) open the change form to add evidence
        # inline; every claim field is read-only for them (get_readonly_fields).
        return super().has_change_permission(request, obj) or self.has_review_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # claims come from articles, through extraction

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not signoff_required():  # nothing is ever proposed: no sign-off actions to offer
            actions.pop("confirm_proposals", None)
            actions.pop("return_proposals", None)
        return actions

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None) -> list[str]:
        always = [
            "review_link",
            *CLAIM_REVIEW_FIELDS,
            "is_hedged",
            "created_at",
            "updated_at",
            "matches_display",
        ]
        if request.user.has_perm(CHANGE_CLAIM_PERMISSION):
            return always
        return always + [
            f.name for f in Claim._meta.concrete_fields if f.name not in always and f.editable
        ]

    # --- list columns --------------------------------------------------------------------------

    @admin.display(description="Sentence", ordering="sentence")
    def sentence_short(self, obj: Claim) -> str:
        return obj.sentence if len(obj.sentence) <= 140 else obj.sentence[:139] + "…"

    # Not named "figure": the model's `figure` field would win over this method in the list.
    @admin.display(description="Figure", ordering="value_low")
    def figure_value(self, obj: Claim) -> str:
        return obj.figure_display or "—"

    @admin.display(description="Speaker", ordering="speaker__name")
    def speaker_display(self, obj: Claim) -> str:
        return obj.speaker.name if obj.speaker else (obj.speaker_text or "—")

    @admin.display(description="Review UI")
    def review_link(self, obj: Claim) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}?status=any#claim-sentence">Open claim #{} in the review UI</a>',
            reverse("claims:claim", args=[obj.pk]),
            obj.pk,
        )

    @admin.display(description="Matches")
    def matches_display(self, obj: Claim) -> str:
        """The claims this one repeats or resembles, either way round, best first (one query)."""
        if obj.pk is None:
            return "—"
        rows = (
            ClaimMatch.objects.involving(obj.pk)
            .select_related("claim__article__outlet", "earlier__article__outlet")
            .only(
                *(f"{side}__{f}" for side in ("claim", "earlier") for f in MATCH_SIDE_FIELDS),
                "claim",
                "earlier",
                "relation",
                "score",
                "reason",
            )
        )
        items = []
        for match in rows:
            other = match.earlier if match.claim_id == obj.pk else match.claim
            outlet = other.article.outlet.name if other.article.outlet_id else "no outlet"
            items.append(
                (
                    match.get_relation_display(),
                    f"{match.score:.2f}",
                    reverse("admin:claims_claim_change", args=[other.pk]),
                    other.pk,
                    other.get_status_display(),
                    outlet,
                    match.reason,
                )
            )
        if not items:
            return "None"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li>{} ({}): <a href="{}">claim #{}</a>, {}, {}; {}</li>',
                items,
            ),
        )

    # --- saving ----------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Claim, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        # Save only the fields this form changed. A full save would write back the status and
        # version as they were when the form was opened, undoing a review made meanwhile.
        fields = [name for name in form.changed_data if name not in CLAIM_REVIEW_FIELDS]
        if "hedges" in fields:
            obj.is_hedged = bool(obj.hedges)  # kept beside hedges for the "hedged" filter
            fields.append("is_hedged")
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:  # type: ignore[no-untyped-def]
        if formset.model is not Evidence:
            formset.save()
            return
        for evidence in formset.save(commit=False):
            if evidence.pk is None:
                evidence_add(
                    claim=form.instance,
                    url=evidence.url,
                    by=request.user,
                    title=evidence.title,
                    stance=evidence.stance,
                    note=evidence.note,
                )

    # --- review actions ----------------------------------------------------------------------------

    def review_selected(
        self, request: HttpRequest, queryset: QuerySet[Claim], status: Claim.Status
    ) -> HttpResponse | None:
        claims = list(queryset.select_related("article", "speaker").order_by("id"))
        form = ReviewConfirmationForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._apply_reviews(request, claims, status, form)
            return None  # back to the change list, which shows the messages
        context = {
            **self.admin_site.each_context(request),
            "title": f"Mark {len(claims)} claim{'s' if len(claims) != 1 else ''} as {status.label}",
            "opts": self.model._meta,
            "claims": claims,
            "status": status,
            "definition": Claim.STATUS_DEFINITIONS[status],
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "claims/admin_review_confirm.html", context)

    def _apply_reviews(
        self,
        request: HttpRequest,
        claims: list[Claim],
        status: Claim.Status,
        form: ReviewConfirmationForm,
    ) -> None:
        note = form.cleaned_data["note"]
        url = form.cleaned_data["evidence_url"]
        stance = form.cleaned_data["evidence_stance"] or Evidence.Stance.SUPPORTS
        evidence = [{"url": url, "stance": stance}] if url else []
        done, problems = 0, []
        for claim in claims:
            # The version shown on the confirmation page: a claim someone else reviewed while
            # this page was open is reported, not overwritten.
            raw_version = request.POST.get(f"version_{claim.pk}", "")
            expected = int(raw_version) if raw_version.isdigit() else None
            try:
                claim_review(
                    claim=claim,
                    status=status,
                    by=request.user,
                    note=note,
                    evidence=evidence,
                    expected_version=expected,
                )
            except (ReviewConflict, ReviewError) as exc:
                problems.append(f"Claim #{claim.pk}: {exc.message}")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                f"Marked {done} claim{'s' if done != 1 else ''} as {status.label}.",
                messages.SUCCESS,
            )
        for problem in problems:
            self.message_user(request, f"Not changed. {problem}", messages.ERROR)

    def signoff_selected(
        self, request: HttpRequest, queryset: QuerySet[Claim], *, confirm: bool
    ) -> HttpResponse | None:
        claims = list(queryset.select_related("article", "speaker").order_by("id"))
        form = SignoffConfirmationForm(request.POST if "apply" in request.POST else None)
        verb = "Confirm" if confirm else "Return"
        if "apply" in request.POST and form.is_valid():
            step = claim_confirm if confirm else claim_return
            done, problems = 0, []
            for claim in claims:
                raw_version = request.POST.get(f"version_{claim.pk}", "")
                expected = int(raw_version) if raw_version.isdigit() else None
                try:
                    step(
                        claim=claim,
                        by=request.user,
                        note=form.cleaned_data["note"],
                        expected_version=expected,
                    )
                except (ReviewConflict, ReviewError) as exc:
                    problems.append(f"Claim #{claim.pk}: {exc.message}")
                else:
                    done += 1
            if done:
                self.message_user(
                    request, f"{verb}ed {done} proposed verdict(s).", messages.SUCCESS
                )
            for problem in problems:
                self.message_user(request, f"Not changed. {problem}", messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} the proposed verdicts of {len(claims)} claim(s)",
            "opts": self.model._meta,
            "claims": claims,
            "status": {"label": f"{verb} proposals"},
            "definition": "Only a verdict another editor proposed can be confirmed or returned.",
            "submit_label": f"{verb} {len(claims)} proposed verdict(s)",
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "claims/admin_review_confirm.html", context)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """Evidence as cited. Added from a claim (inline) or the review UI; never edited."""

    list_display = ["__str__", "stance", "claim", "added_by", "created_at"]
    list_filter = ["stance", "created_at"]
    search_fields = ["url", "title", "note", "claim__sentence"]
    list_select_related = ["claim", "added_by"]
    raw_id_fields = ["claim"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Evidence | None = None) -> bool:
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The append-only audit trail: read-only for everyone, superusers included."""

    list_display = ["id", "created_at", "claim", "from_status", "to_status", "changed_by", "note"]
    list_filter = ["to_status", "from_status", "created_at"]
    search_fields = ["note", "claim__sentence", "changed_by__username"]
    list_select_related = ["claim", "changed_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StatusChange | None = None) -> bool:
        return False
