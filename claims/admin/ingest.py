"""Admin for the ways in: feeds (add, pause, poll now) and import jobs (read, retry).

Jobs are the record of what the queue did, so they are read-only here; "Retry" and "Poll now"
call the same services as the review UI and `manage.py feeds`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from claims.admin.review import HTTPS_URL_FIELDS
from claims.models import Feed, FeedEntry, ImportJob
from claims.permissions import REVIEW_PERMISSION
from claims.services import ingest


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = (
        "url",
        "outlet",
        "every_minutes",
        "active",
        "last_polled_at",
        "last_status",
        "last_error",
    )
    list_filter = ("active", "outlet")
    list_select_related = ("outlet",)
    search_fields = ("url", "outlet__name")
    autocomplete_fields = ("outlet",)
    fields = (
        "url",
        "outlet",
        "every_minutes",
        "active",
        "etag",
        "last_modified",
        "last_polled_at",
        "next_poll_at",
        "last_status",
        "last_error",
    )
    readonly_fields = (
        "etag",
        "last_modified",
        "last_polled_at",
        "next_poll_at",
        "last_status",
        "last_error",
    )
    actions = ("poll_now",)
    formfield_overrides = HTTPS_URL_FIELDS

    def save_model(self, request: HttpRequest, obj: Feed, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        if not change:
            obj.next_poll_at = timezone.now()  # a new feed is polled on the next beat
        super().save_model(request, obj, form, change)

    @admin.action(description="Poll selected feeds now", permissions=["change"])
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        queryset.update(next_poll_at=None)  # due at once; the poll itself claims each feed
        batch = ingest.new_batch()
        polls = ingest.feeds_poll_due(batch=batch)
        self.message_user(request, f"{len(polls)} poll(s) queued.", messages.SUCCESS)


@admin.register(FeedEntry)
class FeedEntryAdmin(admin.ModelAdmin):
    list_display = ("link", "feed", "first_seen_at", "last_seen_at")
    list_select_related = ("feed",)
    search_fields = ("link", "key")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FeedEntry | None = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "source",
        "state",
        "origin",
        "attempts",
        "article",
        "outcome",
        "created_at",
        "duration_text",
    )
    list_filter = ("state", "source", "feed")
    list_select_related = ("article", "feed")
    search_fields = ("origin", "url", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ImportJob._meta.fields if field.name != "record"]
    exclude = ("record",)
    actions = ("retry",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).defer("record")

    @admin.display(description="took")
    def duration_text(self, job: ImportJob) -> str:
        return f"{job.duration:.1f} s" if job.duration is not None else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are made by submitting articles (review UI, feeds), not by hand

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    @admin.action(description="Retry selected failed jobs", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        failed = list(queryset.filter(state=ImportJob.State.FAILED).values_list("pk", flat=True))
        retried = sum(ingest.job_retry(job_id=pk, user=request.user) for pk in failed)
        skipped = queryset.count() - retried
        self.message_user(
            request, f"{retried} job(s) queued again; {skipped} were not failed.", messages.SUCCESS
        )
