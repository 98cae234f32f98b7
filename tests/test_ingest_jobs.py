"""Import jobs run in-process (no broker): links, pasted text, uploads, feeds and their errors.

The same service code runs on a real worker (tests/test_ingest_worker.py); here the queue is
Celery's eager mode, the default without CELERY_BROKER_URL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.importers import RecordInvalid
from claims.models import Article, Claim, Feed, FeedEntry, ImportJob
from claims.services import ingest
from tests.loopback import LoopbackServer, Reply, article_html, rss

State = ImportJob.State

STORY = [
    "Police in the northern city of Varna said 14 demonstrators were arrested on Tuesday "
    "after clashes outside the regional parliament.",
    "Interior Minister Dana Petrova said the protests had been organised by groups from abroad.",
    "A hospital spokesman said at least six people were injured, two of them seriously.",
]
FOLLOW_UP = [
    "Police in Varna said on Wednesday that 31 demonstrators had now been arrested.",
    "Opposition leader Ivo Marin said the arrests were an attempt to silence critics.",
]


@pytest.fixture
def server(settings):  # type: ignore[no-untyped-def]
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    settings.CLAIMDESK_FETCH_TIMEOUT = 2
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Jobs are sent when their transaction commits; run those sends (and the jobs) at once."""

    def run(submit):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return submit()

    return run


def test_a_link_is_fetched_and_imported_once(db, server, run_on_commit, editor) -> None:
    server.routes["/news/varna"] = Reply(article_html("Fourteen held after Varna clashes", STORY))
    url = server.url("/news/varna")
    job = run_on_commit(
        lambda: ingest.job_submit_link(url=url, outlet_name="Varna Herald", user=editor)
    )
    job.refresh_from_db()
    assert (job.state, job.outcome, job.attempts, job.last_error) == (State.DONE, "created", 1, "")
    assert job.started_at and job.finished_at and job.submitted_by == editor
    article = Article.objects.get(pk=job.article_id)
    assert (article.url, article.outlet.name) == (url, "Varna Herald")
    arrests = Claim.objects.filter(article=article, kind=Claim.Kind.ARREST)
    assert [(c.value_low, c.outcome) for c in arrests] == [(14, "arrested")]
    assert job.claims_added == article.claims.count() >= 3

    again = run_on_commit(lambda: ingest.job_submit_link(url=url, outlet_name="Varna Herald"))
    again.refresh_from_db()
    assert (again.state, again.outcome, again.article_id) == (State.DONE, "unchanged", article.pk)
    assert Article.objects.count() == 1


def test_pasted_text_is_checked_before_it_is_queued(db, run_on_commit) -> None:
    with pytest.raises(RecordInvalid, match='"title" is missing'):
        ingest.job_submit_text(title="  ", body="Some text.")
    with pytest.raises(RecordInvalid, match='"published" is not a date'):
        ingest.job_submit_text(title="T", body="B", published="01/02/2024")
    assert ImportJob.objects.count() == 0
    job = run_on_commit(
        lambda: ingest.job_submit_text(
            title="Varna arrests",
            body="\n\n".join(STORY),
            outlet_name="Desk",
            published="2024-03-05",
        )
    )
    job.refresh_from_db()
    assert job.state == State.DONE and job.article.title == "Varna arrests"
    assert job.article.published_at.isoformat() == "2024-03-05T00:00:00+00:00"


def test_an_upload_is_one_job_per_article_with_named_errors(db, run_on_commit) -> None:
    lines = [
        json.dumps({"title": "Varna arrests", "body": " ".join(STORY), "outlet": "Wire"}),
        "{not json",
        json.dumps({"title": "Varna follow-up", "body": " ".join(FOLLOW_UP), "outlet": "Wire"}),
    ]
    data = ("\n".join(lines) + "\n").encode()
    jobs = run_on_commit(
        lambda: ingest.jobs_submit_upload(name="batch.jsonl", data=data, batch="b1")
    )
    states = {j.origin: (j.state, j.last_error) for j in ImportJob.objects.filter(batch="b1")}
    assert [job.origin for job in jobs] == ["batch.jsonl:1", "batch.jsonl:2", "batch.jsonl:3"]
    assert states["batch.jsonl:1"] == (State.DONE, "")
    assert states["batch.jsonl:3"] == (State.DONE, "")
    assert states["batch.jsonl:2"][0] == State.FAILED
    assert "not valid JSON" in states["batch.jsonl:2"][1]
    assert Article.objects.count() == 2
    # The upload lives in the database (any worker can run it), not in a file.
    assert ImportJob.objects.get(origin="batch.jsonl:1").record["title"] == "Varna arrests"


def test_an_upload_of_an_unknown_type_is_a_failed_job(db) -> None:
    (job,) = ingest.jobs_submit_upload(name="notes.docx", data=b"PK\x03\x04")
    assert job.state == State.FAILED and "unknown file type '.docx'" in job.last_error


def test_a_page_with_no_article_fails_at_once(db, server, run_on_commit) -> None:
    server.routes["/login"] = Reply(
        b"<html><head><title>Sign in</title></head><body><form><input name=u>"
        b"<button>Log in</button></form></body></html>"
    )
    server.routes["/feed.xml"] = Reply(b"<rss/>", content_type="application/pdf")
    job = run_on_commit(lambda: ingest.job_submit_link(url=server.url("/login")))
    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.FAILED, 1)
    assert "no article text" in job.last_error
    pdf = run_on_commit(lambda: ingest.job_submit_link(url=server.url("/feed.xml")))
    pdf.refresh_from_db()
    assert (
        pdf.state == State.FAILED and "not an HTML page (it is application/pdf)" in pdf.last_error
    )
    assert Article.objects.count() == 0


def test_transient_errors_retry_then_give_up(db, server, run_on_commit, settings) -> None:
    settings.CLAIMDESK_JOB_MAX_ATTEMPTS = 3
    server.routes["/busy"] = Reply(b"busy", status=503)
    job = run_on_commit(lambda: ingest.job_submit_link(url=server.url("/busy")))
    job.refresh_from_db()
    assert (job.state, job.attempts) == (State.FAILED, 3)
    assert job.last_error.startswith("gave up after 3 attempts: ") and "503" in job.last_error
    assert server.hits("/busy") == 3

    # A 404 is not worth retrying.
    gone = run_on_commit(lambda: ingest.job_submit_link(url=server.url("/missing")))
    gone.refresh_from_db()
    assert (gone.state, gone.attempts) == (State.FAILED, 1) and "answered 404" in gone.last_error


def test_a_failed_job_can_be_retried(db, server, run_on_commit) -> None:
    job = run_on_commit(lambda: ingest.job_submit_link(url=server.url("/later")))
    job.refresh_from_db()
    assert job.state == State.FAILED
    server.routes["/later"] = Reply(article_html("Varna arrests", STORY))
    assert run_on_commit(lambda: ingest.job_retry(job_id=job.pk)) is True
    job.refresh_from_db()
    assert (job.state, job.attempts, job.outcome) == (State.DONE, 1, "created")
    assert ingest.job_retry(job_id=job.pk) is False  # only failed jobs


def test_a_job_runs_once_however_often_its_message_comes(db, server, run_on_commit) -> None:
    server.routes["/a"] = Reply(article_html("Varna arrests", STORY))
    job = run_on_commit(lambda: ingest.job_submit_link(url=server.url("/a")))
    assert ingest.import_job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert job.attempts == 1 and server.hits("/a") == 1


def _job_queries(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"].split()[0] for q in queries if '"claims_importjob"' in q["sql"]]


def test_a_job_pays_for_its_own_bookkeeping_in_few_queries(db, server, run_on_commit) -> None:
    # Only the queries on claims_importjob are counted: the article's own (its claims, figures,
    # repeated claims) are the import's, the same as in import_articles.
    text = ingest.job_submit_text(title="Varna arrests", body="\n\n".join(STORY))
    with CaptureQueriesContext(connection) as run:
        assert ingest.import_job_run(job_id=text.pk) == State.DONE
    # Claim (UPDATE), read the job, mark it done with the article, read its state to return. A
    # stored record was claimed a moment ago: its lease needs no renewing.
    assert _job_queries(run.captured_queries) == ["UPDATE", "SELECT", "UPDATE", "SELECT"]

    server.routes["/varna"] = Reply(article_html("Varna follow-up", FOLLOW_UP))
    link = ingest.job_submit_link(url=server.url("/varna"))
    with CaptureQueriesContext(connection) as run:
        assert ingest.import_job_run(job_id=link.pk) == State.DONE
    # The same, and the lease renewed after the fetch.
    assert _job_queries(run.captured_queries) == ["UPDATE", "SELECT", "UPDATE", "UPDATE", "SELECT"]
    text.refresh_from_db()
    link.refresh_from_db()
    assert (text.outcome, link.outcome) == ("created", "created")


def test_an_unexpected_error_fails_only_its_job(db, run_on_commit, monkeypatch) -> None:
    def explode(**kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("boom")

    first = run_on_commit(lambda: ingest.job_submit_text(title="One", body=STORY[0]))
    monkeypatch.setattr(ingest, "article_import", explode)
    poisoned = run_on_commit(lambda: ingest.job_submit_text(title="Two", body=STORY[1]))
    monkeypatch.undo()
    after = run_on_commit(lambda: ingest.job_submit_text(title="Three", body=STORY[2]))
    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states == {first.pk: State.DONE, poisoned.pk: State.FAILED, after.pk: State.DONE}
    poisoned.refresh_from_db()
    assert poisoned.last_error == "internal error: ZeroDivisionError: boom"


def test_a_lost_database_connection_retries_a_job_instead_of_failing_it(
    transactional_db, monkeypatch, settings
) -> None:
    from django.db import OperationalError

    from claims.services import imports

    def lost(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    # Queued as job_submit_text queues it, with no message sent: run by hand below.
    record = ingest.make_record(origin="pasted text", title="Varna", body="\n\n".join(STORY))
    job = ImportJob.objects.create(
        source=ImportJob.Source.TEXT, origin="pasted: Varna", record=ingest.record_payload(record)
    )
    monkeypatch.setattr(imports, "figures_refresh_for_article", lost)  # inside the write
    settings.CLAIMDESK_JOB_MAX_ATTEMPTS = 2
    assert ingest.import_job_run(job_id=job.pk) == State.FAILED
    job.refresh_from_db()
    # Retried (at once, with no broker) until it gave up, not failed at the first error.
    assert job.attempts == 2 and job.last_error.startswith("gave up after 2 attempts: server")
    assert not Article.objects.exists()  # each attempt's transaction rolled back
    # import_articles, by contrast, reports the article as not saved and goes on.
    result = imports.article_import(record=record)
    assert result.failed and result.error.startswith("not saved: OperationalError")


def test_reclaim_hands_on_a_job_whose_worker_died(db, run_on_commit) -> None:
    from datetime import timedelta

    from django.utils import timezone

    job = ImportJob.objects.create(
        source=ImportJob.Source.TEXT,
        origin="pasted",
        state=State.RUNNING,
        attempts=1,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        record=ingest.record_payload(ingest.make_record(origin="x", title="Varna", body=STORY[0])),
    )
    fresh = ImportJob.objects.create(
        source=ImportJob.Source.TEXT,
        origin="other",
        state=State.RUNNING,
        attempts=1,
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    assert run_on_commit(ingest.jobs_reclaim) == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert (job.state, job.attempts, job.outcome) == (State.DONE, 2, "created")
    assert fresh.state == State.RUNNING  # its lease still runs: its worker is alive


# --- feeds --------------------------------------------------------------------------------------


def test_feed_poll_imports_new_entries_once(db, server, run_on_commit) -> None:
    server.routes["/story/1"] = Reply(article_html("Fourteen held in Varna", STORY))
    items = [{"title": "Fourteen held in Varna", "link": server.url("/story/1"), "guid": "wire-1"}]
    server.routes["/feed"] = lambda h: Reply(rss(items), content_type="application/rss+xml")
    call_command("feeds", "add", server.url("/feed"), "--outlet", "Varna Herald", "--every", "5")
    feed = Feed.objects.get()
    assert (feed.outlet.name, feed.every_minutes) == ("Varna Herald", 5)

    run_on_commit(lambda: ingest.feeds_poll_due())
    poll = ImportJob.objects.get(source=ImportJob.Source.FEED_POLL)
    entry_job = ImportJob.objects.get(source=ImportJob.Source.FEED_ENTRY)
    assert (poll.state, poll.entries_queued) == (State.DONE, 1)
    assert (entry_job.state, entry_job.outcome) == (State.DONE, "created")
    assert entry_job.article.outlet.name == "Varna Herald"
    assert ingest.feeds_poll_due() == []  # not due again for five minutes

    # Polled again (and the entry repeated under the same guid): nothing new is imported.
    items.append(dict(items[0]))
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    assert ImportJob.objects.filter(source=ImportJob.Source.FEED_ENTRY).count() == 1
    assert FeedEntry.objects.count() == 1 and server.hits("/story/1") == 1


def test_feed_content_is_used_and_an_updated_entry_updates_the_article(
    db, server, run_on_commit, editor
) -> None:
    content = "".join(f"<p>{p}</p>" for p in STORY)
    item = {
        "title": "Varna arrests",
        "link": "http://wire.example/varna",
        "guid": "w-7",
        "pubDate": "Tue, 05 Mar 2024 10:00:00 GMT",
        "content": content,
    }
    server.routes["/feed"] = lambda h: Reply(rss([item]), content_type="application/rss+xml")
    feed = ingest.feed_add(url=server.url("/feed"), outlet_name="Wire")
    run_on_commit(lambda: ingest.feeds_poll_due())
    article = Article.objects.get()
    assert article.url == "http://wire.example/varna"  # never fetched: the feed carried the text
    assert article.published_at.isoformat() == "2024-03-05T10:00:00+00:00"
    claim = article.claims.get(kind=Claim.Kind.ARREST)
    from claims.services import claim_review

    claim_review(claim=claim, status=Claim.Status.VERIFIED, by=editor, note="Police log seen")

    item["content"] = "".join(f"<p>{p}</p>" for p in [*STORY, FOLLOW_UP[1]])
    item["pubDate"] = "Tue, 05 Mar 2024 12:00:00 GMT"
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    entry_jobs = ImportJob.objects.filter(feed=feed, source=ImportJob.Source.FEED_ENTRY)
    assert [j.outcome for j in entry_jobs.order_by("id")] == ["created", "updated"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.VERIFIED  # the review survives the update
    assert Article.objects.count() == 1


def test_conditional_get_sends_the_validators(db, server, run_on_commit) -> None:
    def answer(headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"e1"':
            return Reply(status=304)
        return Reply(
            rss([]),
            content_type="application/rss+xml",
            headers={"ETag": '"e1"', "Last-Modified": "Tue, 05 Mar 2024 10:00:00 GMT"},
        )

    server.routes["/feed"] = answer
    feed = ingest.feed_add(url=server.url("/feed"), outlet_name="Wire")
    run_on_commit(lambda: ingest.feeds_poll_due())
    feed.refresh_from_db()
    assert (feed.etag, feed.last_status) == ('"e1"', 200)
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    feed.refresh_from_db()
    assert feed.last_status == 304 and feed.last_error == ""
    assert server.requests[-1][1]["if-modified-since"] == "Tue, 05 Mar 2024 10:00:00 GMT"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(b"<html><body>Not a feed</body></html>"), "not an RSS or Atom feed"),
        (Reply(b"gone", status=404), "answered 404"),
        (Reply(b"oops", status=500), "answered 500"),
        (Reply(rss([]), delay=3), "did not answer within"),
        (Reply(status=302, headers={"Location": "/feed"}), "redirects in a loop"),
        (Reply(b"<rss>" + b"x" * 65536, repeat=200), "over the import limit"),
    ],
    ids=["not-xml", "404", "500", "timeout", "redirect-loop", "huge"],
)
def test_a_broken_feed_is_named_and_others_go_on(
    db, server, run_on_commit, settings, reply, message
) -> None:
    settings.CLAIMDESK_FETCH_TIMEOUT = 1
    settings.CLAIMDESK_MAX_IMPORT_BYTES = 1_000_000
    server.routes["/feed"] = reply
    server.routes["/good"] = Reply(
        rss(
            [
                {
                    "title": "Varna",
                    "guid": "g1",
                    "link": "http://x.example/1",
                    "content": "".join(f"<p>{p}</p>" for p in STORY),
                }
            ]
        ),
        content_type="application/rss+xml",
    )
    broken = ingest.feed_add(url=server.url("/feed"), outlet_name="Broken")
    good = ingest.feed_add(url=server.url("/good"), outlet_name="Good")
    run_on_commit(lambda: ingest.feeds_poll_due())
    broken.refresh_from_db()
    assert message in broken.last_error
    poll = ImportJob.objects.get(feed=broken, source=ImportJob.Source.FEED_POLL)
    assert poll.state == State.FAILED and message in poll.last_error
    good.refresh_from_db()
    assert good.last_error == "" and Article.objects.get().outlet.name == "Good"


def test_feeds_command_lists_and_refuses_bad_input(db, server, capsys) -> None:
    with pytest.raises(CommandError, match="not an absolute http"):
        call_command("feeds", "add", "ftp://x", "--outlet", "X")
    with pytest.raises(CommandError, match="at least 1 minute"):
        call_command("feeds", "add", server.url("/f"), "--outlet", "X", "--every", "0")
    call_command("feeds", "add", server.url("/f"), "--outlet", "Varna Herald")
    capsys.readouterr()
    call_command("feeds", "list")
    out = capsys.readouterr().out
    assert server.url("/f") in out and "Varna Herald" in out and "every 15 min" in out


@pytest.mark.django_db(transaction=True)  # outside a test transaction, jobs run as they commit
def test_feeds_poll_command_reports_entries_and_errors(server, capsys) -> None:
    content = "".join(f"<p>{p}</p>" for p in STORY)
    items = [{"title": "Varna", "guid": "v1", "link": "http://wire.example/v1", "content": content}]
    server.routes["/good"] = Reply(rss(items), content_type="application/rss+xml")
    server.routes["/bad"] = Reply(b"gone", status=410)
    ingest.feed_add(url=server.url("/good"), outlet_name="Good")
    ingest.feed_add(url=server.url("/bad"), outlet_name="Bad")
    call_command("feeds", "poll", "--wait", "--timeout", "60")
    captured = capsys.readouterr()
    assert "Polling 2 feed(s)." in captured.out and "Entries: 1 done." in captured.out
    assert f"{server.url('/bad')}: {server.url('/bad')}: the server answered 410" in captured.err
    call_command("feeds", "poll")
    assert "Polling 0 feed(s)." in capsys.readouterr().out  # neither is due again yet


def test_a_page_changed_behind_an_unchanged_entry_is_fetched_again_and_updated(
    db, server, run_on_commit, settings
) -> None:
    pages = {"text": STORY}
    server.routes["/story/9"] = lambda h: Reply(article_html("Varna arrests", pages["text"]))
    items = [{"title": "Varna arrests", "link": server.url("/story/9"), "guid": "wire-9"}]
    server.routes["/feed"] = lambda h: Reply(rss(items), content_type="application/rss+xml")
    feed = ingest.feed_add(url=server.url("/feed"), outlet_name="Varna Herald")
    run_on_commit(lambda: ingest.feeds_poll_due())
    article = Article.objects.get()
    entry = FeedEntry.objects.get()
    assert entry.page_checked_at is not None

    # Polled again at once: the entry is unchanged and its page was just fetched.
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    assert server.hits("/story/9") == 1

    # An hour on, the page has a new paragraph but the feed entry is the same.
    pages["text"] = [*STORY, FOLLOW_UP[1]]
    FeedEntry.objects.filter(pk=entry.pk).update(
        page_checked_at=timezone.now() - timedelta(minutes=61)
    )
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    assert server.hits("/story/9") == 2
    jobs = ImportJob.objects.filter(feed=feed, source=ImportJob.Source.FEED_ENTRY).order_by("id")
    assert [j.outcome for j in jobs] == ["created", "updated"]
    article.refresh_from_db()
    assert FOLLOW_UP[1][:40] in article.body and Article.objects.count() == 1

    # Past the window (a day by default) the page is left alone.
    FeedEntry.objects.filter(pk=entry.pk).update(
        first_seen_at=timezone.now() - timedelta(hours=25),
        page_checked_at=timezone.now() - timedelta(hours=2),
    )
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    assert server.hits("/story/9") == 2


def test_an_entry_whose_feed_carries_the_text_is_never_fetched(db, server, run_on_commit) -> None:
    item = {"title": "Varna", "link": server.url("/page"), "guid": "c-1",
            "content": "".join(f"<p>{p}</p>" for p in STORY)}  # fmt: skip
    server.routes["/feed"] = lambda h: Reply(rss([item]), content_type="application/rss+xml")
    ingest.feed_add(url=server.url("/feed"), outlet_name="Wire")
    run_on_commit(lambda: ingest.feeds_poll_due())
    FeedEntry.objects.update(first_seen_at=timezone.now() - timedelta(minutes=90))
    run_on_commit(lambda: ingest.feeds_poll_due(every=True))
    assert FeedEntry.objects.get().page_checked_at is None and server.hits("/page") == 0
