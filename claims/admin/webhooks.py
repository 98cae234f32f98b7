"""Webhook subscriptions and their delivery log, with Resend."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from claims.models import WebhookDelivery, WebhookSubscription
from claims.permissions import REVIEW_PERMISSION
from claims.services import webhooks


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "url", "events", "active", "created_at"]
    list_filter = ["active"]
    fields = ["url", "secret", "events", "active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "subscription",
        "claim_id",
        "state",
        "attempts",
        "status_code",
        "duration_ms",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["state", "event"]
    list_select_related = ["subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["resend"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # deliveries are made by events

    def has_change_permission(
        self, request: HttpRequest, obj: WebhookDelivery | None = None
    ) -> bool:
        return False  # the log is read-only; Resend is an action

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    @admin.action(
        description="Resend selected deliveries (same body and delivery id)",
        permissions=["resend"],
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = sum(
            webhooks.delivery_resend(delivery_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"Queued {sent} deliveries again.", messages.SUCCESS)
