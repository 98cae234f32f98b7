"""Admin for figures: one quantity reported across many articles.

Figures are made by grouping on import; editors correct the grouping here. Every change goes
through `claims.services.figures`: renaming is the change form (label and event), merging and
accepting suggested statuses are list actions with a confirmation page, splitting and moving
claims are pages linked from each figure. Statuses change only through `claim_review` (called
by `figure_accept_suggestions`), so the audit trail is written as for any review.

Role checks (an actor given roles that cannot all be right, or one that differs from the known
role) are listed at /admin/claims/figure/role-checks/, linked from the figure list, which also
warns when there are any.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from claims.models import Claim, Figure
from claims.permissions import REVIEW_PERMISSION
from claims.selectors import figure_with_reports
from claims.services import ReviewConflict, ReviewError
from claims.services.figures import (
    FigureError,
    claim_move_to_figure,
    figure_accept_suggestions,
    figure_analysis,
    figure_merge,
    figure_rename,
    figure_split,
    role_flags_for,
)
from claims.templatetags.figure_tags import chart, published_display


class FigureClaimInline(admin.TabularInline):
    """The figure's claims, read-only: they come from extraction and are reviewed one by one."""

    model = Claim
    fields = ["claim_link", "value", "outcome", "subject", "speaker_text", "outlet", "published", "status"]  # fmt: skip
    readonly_fields = fields
    ordering = ["article__published_at", "id"]
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "Claims in this figure"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return (
            super()
            .get_queryset(request)
            .select_related("article", "article__outlet")
            .prefetch_related("article__credited_agencies")  # the outlet column of agency copy
        )

    def has_add_permission(self, request: HttpRequest, obj: Figure | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Figure | None = None) -> bool:
        return False

    @admin.display(description="Claim")
    def claim_link(self, obj: Claim) -> str:
        return format_html(
            '<a href="{}">#{}</a>{}',
            reverse("claims:claim", args=[obj.pk]),
            obj.pk,
            "" if obj.in_article else " (no longer in article)",
        )

    @admin.display(description="Value")
    def value(self, obj: Claim) -> str:
        return obj.figure_display

    @admin.display(description="Outlet")
    def outlet(self, obj: Claim) -> str:
        if obj.article.outlet_id:
            return obj.article.outlet.name
        # No publisher named: the agencies its credit line names, all of them.
        return ", ".join(a.name for a in obj.article.credited_agencies.all()) or "—"

    @admin.display(description="Published")
    def published(self, obj: Claim) -> Any:
        return published_display(obj.article.published_at, obj.article.published_basis)


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Figure.objects.none(),
        label="Keep",
        help_text="The figure the others' claims move into; the others are deleted.",
    )
    label = forms.CharField(
        required=False, max_length=300, help_text="Optional: a new label for the merged figure."
    )

    def __init__(self, *args: Any, figures: QuerySet[Figure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = figures
        self.fields["into"].initial = figures.order_by("id").first()


class ClaimsChoiceForm(forms.Form):
    claims = forms.ModelMultipleChoiceField(
        queryset=Claim.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, figure: Figure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claims"].queryset = figure.claims.select_related("article__outlet").order_by(
            "article__published_at", "id"
        )
        self.fields["claims"].label_from_instance = lambda c: (
            f"#{c.pk} · {c.figure_display} {c.outcome} · {c.speaker_text or 'unattributed'}"
            f" · {c.article.outlet.name if c.article.outlet_id else 'no outlet'}"
            f" · {c.article.published_at:%d %b %Y}"
            if c.article.published_at
            else f"#{c.pk} · {c.figure_display} {c.outcome} · {c.speaker_text or 'unattributed'}"
        )


class SplitForm(ClaimsChoiceForm):
    label = forms.CharField(max_length=300, help_text="The new figure's label.")


class MoveForm(ClaimsChoiceForm):
    target = forms.ModelChoiceField(
        queryset=Figure.objects.none(),
        label="Move to",
        help_text="Figures counting the same outcome.",
    )

    def __init__(self, *args: Any, figure: Figure, **kwargs: Any) -> None:
        super().__init__(*args, figure=figure, **kwargs)
        self.fields["target"].queryset = Figure.objects.filter(
            kind=figure.kind, outcome=figure.outcome
        ).exclude(pk=figure.pk)


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "outcome", "subject_kind", "place", "date_start", "date_end", "report_count", "edited_by_editor"]  # fmt: skip
    list_filter = ["kind", "outcome", "edited_by_editor", "place"]
    search_fields = ["label", "place", "event", "subject_kind"]
    fields = ["label", "event", "kind", "outcome", "subject_kind", "place", "date_start", "date_end", "edited_by_editor", "timeline"]  # fmt: skip
    readonly_fields = ["kind", "outcome", "subject_kind", "place", "date_start", "date_end", "edited_by_editor", "timeline"]  # fmt: skip
    inlines = [FigureClaimInline]
    actions = ["merge_selected", "accept_suggestions_selected"]
    change_list_template = "claims/figures/admin_change_list.html"
    change_form_template = "claims/figures/admin_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Figure]:
        return (
            super()
            .get_queryset(request)
            .annotate(report_count=Count("claims", filter=Q(claims__in_article=True)))
        )

    @admin.display(description="Reports", ordering="report_count")
    def report_count(self, obj: Figure) -> int:
        return obj.report_count

    # Figures are made by grouping and by splitting; deleting one would only send its claims
    # back to be grouped again on their next import. Merging and moving delete emptied ones.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Figure | None = None) -> bool:
        # Except a figure left with no claims (a re-import removed them): nothing to lose, and
        # whoever may edit figures may remove it (Editors have no delete permission).
        if obj is None or obj.claims.exists():
            return False
        return self.has_change_permission(request, obj)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    @admin.display(description="Timeline")
    def timeline(self, obj: Figure) -> str:
        figure = figure_with_reports(obj.pk)
        analysis = figure_analysis(figure)
        return render_to_string(
            "claims/figures/admin_timeline.html",
            {"figure": figure, "analysis": analysis, "c": chart(analysis, current_id=0)},
        )

    def save_model(self, request: HttpRequest, obj: Figure, form: Any, change: bool) -> None:
        # The change form edits the label and the event name only (the form has already
        # refused an empty or too-long label): a rename.
        figure_rename(figure=obj, label=obj.label, event=obj.event)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        flags = role_flags_for()
        if flags and request.method == "GET":
            self.message_user(
                request,
                format_html(
                    '{} actor{} given inconsistent roles in articles: <a href="{}">role checks</a>.',
                    len(flags),
                    "s" if len(flags) != 1 else "",
                    reverse("admin:claims_figure_roles"),
                ),
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    # --- pages ---------------------------------------------------------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("role-checks/", view(self.role_checks_view), name="claims_figure_roles"),
            path("<int:pk>/split/", view(self.split_view), name="claims_figure_split"),
            path("<int:pk>/move/", view(self.move_view), name="claims_figure_move"),
            path("<int:pk>/accept/", view(self.accept_view), name="claims_figure_accept"),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def _changeable(self, request: HttpRequest, pk: int) -> Figure:
        figure = get_object_or_404(Figure, pk=pk)
        if not self.has_change_permission(request, figure):
            raise PermissionDenied
        return figure

    def role_checks_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return self._page(
            request,
            "claims/figures/admin_role_checks.html",
            title="Role checks: actors given inconsistent roles",
            flags=role_flags_for(),
        )

    def split_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = self._changeable(request, pk)
        form = SplitForm(
            request.POST or None, figure=figure, initial={"label": f"{figure.label} (split)"}
        )
        if request.method == "POST" and form.is_valid():
            try:
                new = figure_split(
                    figure=figure,
                    claims=form.cleaned_data["claims"],
                    label=form.cleaned_data["label"],
                )
            except FigureError as exc:
                form.add_error(None, str(exc))
            else:
                self.log_change(
                    request,
                    figure,
                    f"Split {len(form.cleaned_data['claims'])} claims into figure #{new.pk}.",
                )
                self.message_user(request, f"Split into “{new.label}”.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:claims_figure_change", args=[new.pk]))
        return self._page(
            request, "claims/figures/admin_claims_form.html",
            title=f"Split claims off “{figure.label}”", figure=figure, form=form,
            submit="Split into a new figure",
        )  # fmt: skip

    def move_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = self._changeable(request, pk)
        form = MoveForm(request.POST or None, figure=figure)
        if request.method == "POST" and form.is_valid():
            target = form.cleaned_data["target"]
            try:
                moved = claim_move_to_figure(claims=form.cleaned_data["claims"], figure=target)
            except FigureError as exc:
                form.add_error(None, str(exc))
            else:
                self.log_change(
                    request, target, f"Moved {moved} claims in from figure #{figure.pk}."
                )
                self.message_user(
                    request,
                    f"Moved {moved} claim{'s' if moved != 1 else ''} to “{target.label}”.",
                    messages.SUCCESS,
                )
                still_there = Figure.objects.filter(pk=figure.pk).exists()
                return HttpResponseRedirect(
                    reverse(
                        "admin:claims_figure_change", args=[figure.pk if still_there else target.pk]
                    )
                )
        return self._page(
            request, "claims/figures/admin_claims_form.html",
            title=f"Move claims out of “{figure.label}”", figure=figure, form=form,
            submit="Move",
        )  # fmt: skip

    def accept_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Confirm, then apply, the suggested statuses of a figure's (chosen) unreviewed claims."""
        figure = get_object_or_404(Figure, pk=pk)
        if not self.has_review_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        chosen = {int(c) for c in source.get("claims", "").split(",") if c.strip().isdigit()}
        next_url = source.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("admin:claims_figure_change", args=[figure.pk])
        if request.method == "POST":
            # Only what the page showed: claim id -> the suggestion the editor saw.
            expected = {
                int(key.removeprefix("suggested_")): value
                for key, value in request.POST.items()
                if key.startswith("suggested_") and key.removeprefix("suggested_").isdigit()
            }
            try:
                result = figure_accept_suggestions(
                    figure=figure, by=request.user, expected=expected
                )
            except (ReviewConflict, ReviewError) as exc:
                self.message_user(request, f"Nothing changed. {exc.message}", messages.ERROR)
            else:
                self._report_accept(request, result)
            return HttpResponseRedirect(next_url)
        analysis = figure_analysis(figure_with_reports(figure.pk))
        rows = [
            e
            for e in analysis.timeline
            if e.suggestion.status
            and e.report.status == Claim.Status.UNREVIEWED
            and (not chosen or e.report.claim_id in chosen)
        ]
        return self._page(
            request, "claims/figures/admin_accept.html",
            title=f"Accept suggested statuses for “{figure.label}”", figure=figure,
            rows=rows, claims=",".join(map(str, sorted(chosen))), next=next_url,
        )  # fmt: skip

    def _report_accept(self, request: HttpRequest, result: Any) -> None:
        n = len(result.changed)
        self.message_user(
            request,
            f"Applied the suggested status to {n} claim{'s' if n != 1 else ''}.",
            messages.SUCCESS if n else messages.INFO,
        )
        for claim_id, why in result.skipped:
            if why != "no suggestion":
                self.message_user(
                    request, f"Claim #{claim_id} left as it was: {why}.", messages.WARNING
                )

    # --- actions -------------------------------------------------------------------------------

    @admin.action(description="Merge selected figures…", permissions=["change"])
    def merge_selected(
        self, request: HttpRequest, queryset: QuerySet[Figure]
    ) -> HttpResponse | None:
        figures = Figure.objects.filter(pk__in=queryset.values("pk"))
        form = MergeForm(request.POST if "apply" in request.POST else None, figures=figures)
        if "apply" in request.POST and form.is_valid():
            try:
                merged = figure_merge(
                    figures=list(figures),
                    into=form.cleaned_data["into"],
                    label=form.cleaned_data["label"],
                )
            except FigureError as exc:
                self.message_user(request, f"Not merged. {exc}", messages.ERROR)
                return None
            self.log_change(request, merged, f"Merged figures {sorted(f.pk for f in figures)}.")
            self.message_user(request, f"Merged into “{merged.label}”.", messages.SUCCESS)
            return None
        return self._page(
            request, "claims/figures/admin_merge.html",
            title="Merge figures", figures=figures, form=form,
            action=request.POST.get("action"), action_checkbox_name=helpers.ACTION_CHECKBOX_NAME,
        )  # fmt: skip

    @admin.action(
        description="Accept suggested statuses of selected figures", permissions=["review"]
    )
    def accept_suggestions_selected(
        self, request: HttpRequest, queryset: QuerySet[Figure]
    ) -> HttpResponse | None:
        figures = list(queryset.order_by("id")[:2])
        if len(figures) == 1:
            # One figure: its own confirmation page, listing each claim and its suggestion.
            return HttpResponseRedirect(reverse("admin:claims_figure_accept", args=[figures[0].pk]))
        self.message_user(
            request,
            "Accept suggestions one figure at a time, so you see each claim's suggestion first.",
            messages.WARNING,
        )
        return None
