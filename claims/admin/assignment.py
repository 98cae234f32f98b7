"""Assignment in the admin: bulk "Assign to…" actions on claims and articles (listed in their
ModelAdmins in claims.admin.review), and the read-only assignment history."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from claims.models import AssignmentChange
from claims.services.assignment import article_assign, claims_assign

DESK_GROUPS = ["Editors", "Desk chiefs"]


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody (unassign)",
        label="Assign to",
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            get_user_model()
            .objects.filter(Q(groups__name__in=DESK_GROUPS) | Q(is_superuser=True), is_active=True)
            .distinct()
            .order_by("username")
        )


def _assign(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, articles: bool
) -> HttpResponse | None:
    form = AssignForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        to = form.cleaned_data["to"]
        if articles:
            changed = sum(
                article_assign(article_id=pk, to=to, by=request.user)
                for pk in queryset.values_list("pk", flat=True)
            )
        else:
            ids = list(queryset.values_list("pk", flat=True))
            changed = claims_assign(claim_ids=ids, to=to, by=request.user)
        who = to.get_username() if to else "nobody"
        modeladmin.message_user(request, f"Assigned {changed} claim(s) to {who}.", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Assign the claims of the selected articles" if articles else "Assign claims",
        "opts": modeladmin.model._meta,
        "objects": list(queryset[:200]),
        "form": form,
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "claims/admin_assign.html", context)


@admin.action(description="Assign selected claims to…", permissions=["review"])
def assign_claims(modeladmin, request, queryset):  # type: ignore[no-untyped-def]
    return _assign(modeladmin, request, queryset, articles=False)


@admin.action(description="Assign all claims of selected articles to…", permissions=["review"])
def assign_articles(modeladmin, request, queryset):  # type: ignore[no-untyped-def]
    return _assign(modeladmin, request, queryset, articles=True)


@admin.register(AssignmentChange)
class AssignmentChangeAdmin(admin.ModelAdmin):
    """The assignment audit trail: read-only."""

    list_display = ["id", "claim_id", "from_user", "to_user", "changed_by", "created_at"]
    list_select_related = ["from_user", "to_user", "changed_by"]
    readonly_fields = ["claim", "from_user", "to_user", "changed_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
