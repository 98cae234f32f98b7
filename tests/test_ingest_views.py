"""The review UI's Imports and Add articles pages (jobs run in-process: no broker here)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from claims.models import Article, ImportJob
from claims.services import ingest
from tests.loopback import LoopbackServer, Reply, article_html

State = ImportJob.State
TEXT = (
    "Police in Ruse said 9 fishermen were detained on Monday after a protest at the river port. "
    "Mayor Elena Dimova said the fishermen would be released once they had been questioned."
)


@pytest.fixture
def server(settings):  # type: ignore[no-untyped-def]
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    with LoopbackServer() as running:
        yield running


def post_and_run(client, django_capture_on_commit_callbacks, data):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/review/imports/add/", data)


def test_a_pasted_article_lands_on_its_claims(
    editor_client, django_capture_on_commit_callbacks
) -> None:
    response = post_and_run(
        editor_client,
        django_capture_on_commit_callbacks,
        {"title": "Ruse fishermen held", "body": TEXT, "outlet": "Danube Post"},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/review/imports/?batch={job.batch}&land=1"
    landed = editor_client.get(response["Location"])
    assert landed.status_code == 302 and landed["Location"] == f"/review/?article={job.article_id}"
    queue = editor_client.get(landed["Location"])
    assert "Ruse fishermen held" in queue.content.decode()
    assert job.article.outlet.name == "Danube Post" and job.article.claims.count() >= 2


def test_links_and_several_files_at_once(
    editor_client, server, django_capture_on_commit_callbacks
) -> None:
    server.routes["/ruse"] = Reply(article_html("Ruse fishermen held", [TEXT]))
    jsonl = "\n".join(
        [json.dumps({"title": "Second report", "body": TEXT + " Day two.", "outlet": "W"}), "[1, 2"]
    )
    files = [
        SimpleUploadedFile("one.txt", f"Ruse protest\n\n{TEXT} One.".encode(), "text/plain"),
        SimpleUploadedFile("two.jsonl", jsonl.encode(), "application/jsonl"),
    ]
    response = post_and_run(
        editor_client,
        django_capture_on_commit_callbacks,
        {"links": server.url("/ruse") + "\n\n", "files": files},
    )
    assert response.status_code == 302
    jobs = {job.origin: job for job in ImportJob.objects.all()}
    assert set(jobs) == {server.url("/ruse"), "one.txt", "two.jsonl:1", "two.jsonl:2"}
    assert jobs["two.jsonl:2"].state == State.FAILED and "JSON" in jobs["two.jsonl:2"].last_error
    assert {j.state for o, j in jobs.items() if o != "two.jsonl:2"} == {State.DONE}
    assert Article.objects.count() == 3
    # Several articles: the batch page stays, listing each job and the error by its line.
    page = editor_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "two.jsonl:2" in html and escape(jobs["two.jsonl:2"].last_error) in html
    assert "data-refresh-while-running" not in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Give a link, paste an article, or choose files."),
        ({"body": TEXT}, "A pasted article needs its headline."),
        ({"title": "Headline only"}, "Paste the article&#x27;s text under its headline."),
        ({"links": "ftp://files.example/a.txt"}, "the link is not an absolute http(s) URL"),
        ({"title": "T", "body": TEXT, "published": "05/03/2024"}, "is not a date we can read"),
    ],
)
def test_bad_input_is_named_and_nothing_is_queued(editor_client, data, error) -> None:
    response = editor_client.post("/review/imports/add/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_running_jobs_refresh_the_page_and_failed_ones_can_be_retried(
    editor_client, server, django_capture_on_commit_callbacks
) -> None:
    queued = ImportJob.objects.create(
        source=ImportJob.Source.LINK, origin="x", url="http://a.example/"
    )
    html = editor_client.get("/review/imports/").content.decode()
    assert 'data-refresh-while-running="2000"' in html
    queued.delete()

    with django_capture_on_commit_callbacks(execute=True):
        job = ingest.job_submit_link(url=server.url("/not-yet"))
    job.refresh_from_db()
    assert job.state == State.FAILED
    html = editor_client.get("/review/imports/?state=failed").content.decode()
    assert "answered 404" in html and f"/review/imports/{job.pk}/retry/" in html
    server.routes["/not-yet"] = Reply(article_html("Ruse fishermen held", [TEXT]))
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(f"/review/imports/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.outcome) == (State.DONE, "created")


def test_viewers_see_imports_but_cannot_add_or_retry(viewer_client, outsider_client) -> None:
    job = ImportJob.objects.create(
        source=ImportJob.Source.LINK, origin="x", url="http://a.example/", state=State.FAILED
    )
    page = viewer_client.get("/review/imports/")
    assert page.status_code == 200 and f"/imports/{job.pk}/retry/" not in page.content.decode()
    assert viewer_client.get("/review/imports/add/").status_code == 403
    assert viewer_client.post(f"/review/imports/{job.pk}/retry/").status_code == 403
    assert outsider_client.get("/review/imports/").status_code == 403
    job.refresh_from_db()
    assert job.state == State.FAILED


def test_imports_page_queries(editor_client, editor) -> None:
    feed = ingest.feed_add(url="http://wire.example/rss", outlet_name="Wire")
    article = Article.objects.create(source_key="k", title="T", body="B", content_hash="h")
    for n in range(5):
        ImportJob.objects.create(
            source=ImportJob.Source.FEED_ENTRY,
            origin=f"http://wire.example/{n}",
            feed=feed,
            article=article,
            state=State.DONE,
            submitted_by=editor,
        )
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get("/review/imports/")
    assert response.status_code == 200
    # 1 session, 2 user, 3-4 the user's permissions (group and user) for the view's check and
    # the template's perms, 5 jobs with their feed, article and submitter, 6 feeds with outlets.
    # However many jobs: no query per row.
    assert len(queries) == 6, [q["sql"] for q in queries]


def test_input_refused_on_submission_offers_no_retry(
    editor_client, django_capture_on_commit_callbacks
) -> None:
    upload = SimpleUploadedFile("notes.docx", b"PK\x03\x04", "application/octet-stream")
    response = post_and_run(editor_client, django_capture_on_commit_callbacks, {"files": [upload]})
    page = editor_client.get(response["Location"].replace("&land=1", ""), follow=True)
    html = page.content.decode()
    assert "0 articles queued for import; 1 refused (the reasons are below)." in html
    job = ImportJob.objects.get()
    assert "unknown file type" in html and f"/imports/{job.pk}/retry/" not in html
    assert editor_client.post(f"/review/imports/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert job.state == State.FAILED


def test_an_upload_over_the_limit_is_refused_by_name(editor_client, monkeypatch) -> None:
    from claims.forms import AddArticlesForm

    monkeypatch.setattr(AddArticlesForm, "MAX_UPLOAD_BYTES", 1024)
    upload = SimpleUploadedFile("big.jsonl", b"{}\n" * 1000, "application/jsonl")
    response = editor_client.post("/review/imports/add/", {"files": [upload]})
    assert response.status_code == 400
    assert "big.jsonl is 2.9\xa0KB, over the upload limit of 1.0\xa0KB" in response.content.decode()
    assert ImportJob.objects.count() == 0
