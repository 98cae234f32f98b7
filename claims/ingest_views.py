"""The review UI's ways in: the Imports page (jobs and feeds) and Add articles (links, text, files).

Submitting only queues jobs (claims.services.ingest); workers import. The Imports page reloads
itself while jobs of the page are still running, and a submission of one article lands on that
article's claims once it is in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims.forms import AddArticlesForm
from claims.importers import RecordInvalid
from claims.models import Feed, ImportJob
from claims.permissions import REVIEW_PERMISSION, VIEW_PERMISSION
from claims.services import ingest

JOBS_SHOWN = 100


@require_GET
@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def imports(request: HttpRequest) -> HttpResponse:
    batch = request.GET.get("batch", "")[:32]
    state = request.GET.get("state", "")
    jobs = ImportJob.objects.for_list()
    if batch:
        jobs = jobs.filter(batch=batch)
    if state in ImportJob.State.values:
        jobs = jobs.filter(state=state)
    shown = list(jobs.order_by("-id")[:JOBS_SHOWN])
    running = any(job.is_active for job in shown)
    if batch and request.GET.get("land") and not running:
        made = {job.article_id for job in shown if job.article_id}
        if len(made) == 1 and all(job.state == ImportJob.State.DONE for job in shown):
            return redirect(reverse("claims:queue") + f"?article={made.pop()}")
    feeds = [] if batch else list(Feed.objects.select_related("outlet").order_by("outlet__name"))
    return render(
        request,
        "claims/imports.html",
        {
            "jobs": shown,
            "running": running,
            "batch": batch,
            "state": state,
            "states": ImportJob.State.choices,
            "feeds": feeds,
            "can_edit": request.user.has_perm(REVIEW_PERMISSION),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def imports_add(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = AddArticlesForm(request.POST if bound else None, request.FILES if bound else None)
    if request.method == "POST" and form.is_valid():
        batch = ingest.new_batch()
        try:
            _submit(request, form, batch)
        except RecordInvalid as exc:
            form.add_error(None, str(exc))
        else:
            jobs = ImportJob.objects.filter(batch=batch)
            refused = jobs.filter(state=ImportJob.State.FAILED, started_at__isnull=True).count()
            queued = jobs.count() - refused
            text = f"{queued} article{'s' if queued != 1 else ''} queued for import"
            if refused:
                text += f"; {refused} refused (the reasons are below)"
            messages.success(request, text + ".")
            return redirect(reverse("claims:imports") + f"?batch={batch}&land=1")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "max_mb": settings.CLAIMDESK_MAX_IMPORT_BYTES // (1024 * 1024)}
    return render(request, "claims/imports_add.html", context, status=status)


def _submit(request: HttpRequest, form: AddArticlesForm, batch: str) -> None:
    data = form.cleaned_data
    outlet = data["outlet"]
    for link in data["links"]:
        ingest.job_submit_link(url=link, outlet_name=outlet, user=request.user, batch=batch)
    if data["body"]:
        ingest.job_submit_text(
            title=data["title"],
            body=data["body"],
            outlet_name=outlet,
            url=data["url"],
            published=data["published"],
            user=request.user,
            batch=batch,
        )
    for upload in data["files"]:
        ingest.jobs_submit_upload(
            name=upload.name, data=upload.read(), outlet_name=outlet, user=request.user, batch=batch
        )


@require_POST
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if ingest.job_retry(job_id=pk, user=request.user):
        messages.success(request, f"Import job #{pk} queued again.")
    else:
        messages.info(request, f"Import job #{pk} is not failed: nothing to retry.")
    batch = request.POST.get("batch", "")[:32]
    return redirect(reverse("claims:imports") + (f"?batch={batch}" if batch else ""))
