"""The job queue for real: Redis as broker, `celery -A project worker` processes, kill -9.

These tests commit (transaction=True) because the workers are other processes with their own
database connections.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from claims.models import Article, Claim, ImportJob
from claims.services import ingest
from project.celery import app
from tests.loopback import LoopbackServer, Reply, article_html, rss
from tests.queue import Worker, redis_or_skip, restore_broker, use_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

State = ImportJob.State

REPORTS = {
    f"/report/{n}": [
        f"Police in the port city of Burgas said {n + 10} people were detained on day {n} "
        "of the dock workers' strike.",
        f"Union leader Stefan Kolev said the strike would go on until the government met "
        f"its demands, the {n}th such warning this month.",
    ]
    for n in range(1, 5)
}


@pytest.fixture
def queue(settings):  # type: ignore[no-untyped-def]
    redis_or_skip()
    name = f"claimdesk-test-{uuid.uuid4().hex[:10]}"
    saved = use_broker(app, name)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    yield name
    restore_broker(app, saved, name)


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with LoopbackServer() as running:
        for path, paragraphs in REPORTS.items():
            running.routes[path] = Reply(article_html(f"Burgas strike {path}", paragraphs))
        yield running


@pytest.fixture
def workers():  # type: ignore[no-untyped-def]
    started: list[Worker] = []

    def start(queue: str, **options: object) -> Worker:
        worker = Worker(queue, **options)  # type: ignore[arg-type]
        started.append(worker)
        return worker.wait_ready()

    yield start
    for worker in started:
        worker.stop()


def test_a_worker_process_imports_links_pasted_text_and_a_feed(queue, server, workers) -> None:
    workers(queue)
    jobs = [ingest.job_submit_link(url=server.url(path)) for path in list(REPORTS)[:2]]
    jobs.append(ingest.job_submit_text(title="Pasted strike report", body=REPORTS["/report/3"][0]))
    server.routes["/feed"] = Reply(
        rss([{"title": "Burgas day 4", "guid": "b-4", "link": server.url("/report/4")}]),
        content_type="application/rss+xml",
    )
    ingest.feed_add(url=server.url("/feed"), outlet_name="Burgas Wire")
    ingest.feeds_poll_due()

    wait_for(lambda: not ImportJob.objects.active().exists(), timeout=90, what="jobs to finish")
    states = list(ImportJob.objects.order_by("id").values_list("source", "state", "attempts"))
    assert states == [
        ("link", State.DONE, 1),
        ("link", State.DONE, 1),
        ("text", State.DONE, 1),
        ("feed_poll", State.DONE, 1),
        ("feed_entry", State.DONE, 1),
    ]
    assert Article.objects.count() == 4
    detained = sorted(
        Claim.objects.filter(kind=Claim.Kind.ARREST).values_list("value_low", flat=True)
    )
    assert detained == [11, 12, 13, 14]


def test_a_worker_killed_mid_job_leaves_the_article_exactly_once(queue, server, workers) -> None:
    calls = {"n": 0}

    def first_hangs(headers: dict[str, str]) -> Reply:
        calls["n"] += 1
        page = Reply(article_html("Burgas strike, day one", REPORTS["/report/1"]))
        page.delay = 30 if calls["n"] == 1 else 0
        return page

    server.routes["/slow"] = first_hangs
    doomed = workers(queue, lease_seconds=3, name="doomed")
    job = ingest.job_submit_link(url=server.url("/slow"))
    wait_for(lambda: calls["n"] == 1, timeout=60, what="the worker to fetch the page")
    doomed.kill()  # kill -9, mid-fetch, its message never acknowledged
    job.refresh_from_db()
    assert (job.state, job.attempts, job.article_id) == (State.RUNNING, 1, None)

    workers(queue, lease_seconds=3, name="rescuer")
    # What `celery beat` does every 15 s: the lease has run out, so the job is handed on.
    wait_for(lambda: ingest.jobs_reclaim() >= 1, timeout=15, what="the lease to run out")
    wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk, state=State.DONE).exists(),
        timeout=60,
        what="the job to run again",
    )
    job.refresh_from_db()
    assert (job.attempts, job.outcome) == (2, "created")
    article = Article.objects.get()
    assert job.article_id == article.pk
    assert article.claims.filter(kind=Claim.Kind.ARREST, value_low=11).count() == 1
    # The old message may still come back (Redis redelivers it after the visibility timeout):
    # it finds the job done and does nothing.
    assert ingest.import_job_run(job_id=job.pk) == "skipped"


def test_submitting_from_the_review_ui_never_waits_for_the_import(queue, server, editor) -> None:
    # No worker runs: the request only queues the job and answers.
    client = Client()
    client.force_login(editor)
    response = client.post("/review/imports/add/", {"links": server.url("/report/1")})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == State.QUEUED and server.hits("/report/1") == 0


def test_a_worker_matches_a_reprint_after_importing_it(queue, workers) -> None:
    from claims.models import ClaimMatch
    from tests.test_matching import STORY

    worker = workers(queue)
    story = "\n\n".join(STORY)
    first = ingest.job_submit_text(title="Floods in Varda", body=story, outlet_name="Courier")
    wait_for(lambda: Article.objects.filter(matched_at__isnull=False).exists(), what="a match")
    again = ingest.job_submit_text(title="Deadly floods", body=story, outlet_name="Dorn Herald")
    wait_for(
        lambda: Article.objects.filter(matched_at__isnull=False).count() == 2,
        timeout=90,
        what="the reprint's matching job",
    )
    first.refresh_from_db()
    again.refresh_from_db()
    reprint = Article.objects.get(pk=again.article_id)
    assert reprint.reprint_of_id == first.article_id
    matches = ClaimMatch.objects.filter(claim__article=reprint)
    assert set(matches.values_list("relation", "earlier__article")) == {("same", first.article_id)}
    assert matches.count() == Claim.objects.filter(article=reprint).count()
    # ...as a job of its own, after the import's (whose transaction did not wait for it).
    assert sum("claims.tasks.article_claims_match" in line for line in worker.log) >= 2
