"""benchmark_ingest: the job queue's throughput and a feed's poll-to-API latency, in one run.

It exists because "scales across workers" is a number, not a feeling: N articles are submitted to
the queue and drained by 1, then 2 `celery worker` processes on this machine, beside the same
articles imported by one `import_articles` process; then a feed gains one article a second and
is polled every second, and each article's time from the poll that saw it to its claims being
committed (the API reads them from that moment) is recorded. Medians and p95, one run.

Everything runs against a throwaway PostgreSQL database (the production database) and a Redis
broker with a queue of its own; both are named by options.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.management.commands.benchmark_import import (
    _SEED,
    _check,
    _env,
    _throwaway_postgres,
    make_corpus,
)

TARGET_TWO_WORKERS = 1.8
TARGET_PER_WORKER = 0.9
TARGET_P95_SECONDS = 5.0


class Command(BaseCommand):
    help = "Measure import throughput on the job queue (1 and 2 workers) and feed latency"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=120, help="articles per run")
        parser.add_argument("--feed-seconds", type=int, default=30, help="length of the feed run")
        parser.add_argument("--repeats", type=int, default=3, help="runs of each (median)")
        parser.add_argument(
            "--broker-url",
            default=os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/13",
        )
        parser.add_argument(
            "--database-url",
            default=os.environ.get(
                "BENCHMARK_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/claimdesk_ingest_bench",
            ),
            help="PostgreSQL database to create, use and drop",
        )
        parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: object, **options: object) -> None:
        if options["child"]:
            self._child(
                int(options["articles"]),  # type: ignore[call-overload]
                int(options["feed_seconds"]),  # type: ignore[call-overload]
                int(options["repeats"]),  # type: ignore[call-overload]
            )
            return
        with _throwaway_postgres(str(options["database_url"])) as url:
            env = _env(
                {
                    "DATABASE_URL": url,
                    "CELERY_BROKER_URL": str(options["broker_url"]),
                    "CLAIMDESK_QUEUE": f"claimdesk-bench-{uuid.uuid4().hex[:8]}",
                    "CLAIMDESK_FETCH_ALLOW_PRIVATE": "1",
                    # The same work in every phase: each article matched in its import's
                    # transaction (queued, the queue phases would leave it to after the drain).
                    "CLAIMDESK_MATCH_QUEUED": "0",
                }
            )
            command = [sys.executable, "manage.py", "benchmark_ingest", "--child"]
            command += ["--articles", str(options["articles"])]
            command += ["--feed-seconds", str(options["feed_seconds"])]
            command += ["--repeats", str(options["repeats"])]
            result = subprocess.run(
                command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
            )
        if result.returncode != 0:
            raise CommandError(f"The benchmark child failed:\n{result.stderr[-4000:]}")
        self._report(
            json.loads(result.stdout.strip().splitlines()[-1]),
            int(options["articles"]),  # type: ignore[call-overload]
            int(options["repeats"]),  # type: ignore[call-overload]
        )

    def _report(self, run: dict[str, float], articles: int, repeats: int) -> None:
        base, one, two = run["import_articles"], run["queue_1"], run["queue_2"]
        self.stdout.write(
            f"{articles} articles of about 600 words, medians of {repeats} turns, PostgreSQL, Redis, "
            f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f}."
        )
        self.stdout.write(f"{'':44} {'seconds':>8} {'articles/s':>11}  (median)")
        for label, seconds in [
            ("import_articles, 1 process (no queue)", base),
            ("queue, 1 worker process (submit to commit)", one),
            ("queue, 2 worker processes", two),
        ]:
            self.stdout.write(f"{label:44} {seconds:8.2f} {articles / seconds:11.2f}")
        per_worker = base / one
        speedup = one / two
        self.stdout.write(
            f"{'1 worker vs import_articles':44} {per_worker:8.2f}x  "
            + _check(per_worker, TARGET_PER_WORKER, unit="x")
        )
        self.stdout.write(
            f"{'2 workers vs 1 worker':44} {speedup:8.2f}x  "
            + _check(speedup, TARGET_TWO_WORKERS, unit="x")
        )
        self.stdout.write(
            f"Feed at 1 article/s, polled every second, 2 workers: {int(run['feed_articles'])} "
            f"articles; poll to claims committed: median {run['latency_median']:.2f} s, "
            f"p95 {run['latency_p95']:.2f} s, max {run['latency_max']:.2f} s  "
            + _check(
                TARGET_P95_SECONDS / max(run["latency_p95"], 1e-6),
                1.0,
                shown=f"target p95 <= {TARGET_P95_SECONDS:g} s",
            )
        )
        self.stdout.write(
            f"Claims per article: {run['claims_per_article']:.1f}; every article's claims were "
            f"checked through /api/claims/?article=ID: {run['api_checked']:.0f} answered."
        )

    # --- the child: runs against the throwaway database -----------------------------------------

    def _child(self, articles: int, feed_seconds: int, repeats: int) -> None:
        call_command("migrate", verbosity=0)
        seed_text = (settings.BASE_DIR / "seeds" / _SEED).read_text(encoding="utf-8")
        corpus = make_corpus(articles + 8, seed_text=seed_text)
        batch, warm = corpus[:articles], corpus[articles:]
        times: dict[str, list[float]] = {"import_articles": [], "queue_1": [], "queue_2": []}
        # The three take turns in every repeat, so a busy moment slows each of them alike, and
        # each turn starts from an empty database: every article is a copy of one story, so a
        # turn on top of the last one's copies paid more for each article's figure and its
        # repeated claims (about 10 ms an article a turn here), and with three repeats the
        # median of whichever turn came first always met the smallest database.
        for repeat in range(repeats):
            turns = list(times)
            for turn in turns if repeat % 2 == 0 else reversed(turns):
                call_command("flush", interactive=False, verbosity=0)
                times[turn].append(_timed_turn(turn, batch, warm))
        result: dict[str, float] = {key: statistics.median(v) for key, v in times.items()}
        with _workers(2):
            result.update(_feed_latency(feed_seconds))
        result.update(_api_check())
        self.stdout.write(json.dumps(result))


def _timed_turn(turn: str, batch: list[dict[str, str]], warm: list[dict[str, str]]) -> float:
    if turn == "import_articles":
        return _import_in_process(batch, warm=warm[0])
    workers = int(turn.removeprefix("queue_"))
    with _workers(workers):
        _drain(_submit(warm[1 : 1 + 2 * workers]), timeout=300)  # load the model
        return _timed_drain(batch)


def _import_in_process(corpus: list[dict[str, str]], *, warm: dict[str, str]) -> float:
    from claims.importers.records import make_record
    from claims.services import articles_import

    def records(items: list[dict[str, str]]):  # type: ignore[no-untyped-def]
        run = uuid.uuid4().hex[:6]
        for n, item in enumerate(items):
            yield make_record(origin=f"bench:{n}", **{**item, "url": f"{item['url']}/d{run}"})

    list(articles_import(records([warm])))  # the model loads once, as a worker's does
    started = time.perf_counter()
    results = list(articles_import(records(corpus)))
    elapsed = time.perf_counter() - started
    if any(r.failed for r in results):
        raise CommandError(f"import failed: {[r.error for r in results if r.failed][:3]}")
    return elapsed


def _submit(corpus: list[dict[str, str]]) -> list[int]:
    from claims.services import ingest

    return [
        ingest.job_submit_text(
            title=item["title"],
            body=item["body"],
            url=item["url"] + f"/q{uuid.uuid4().hex[:6]}",
            outlet_name=item["outlet"],
            published=item["published"],
        ).pk
        for item in corpus
    ]


def _drain(job_ids: list[int], *, timeout: float, every: float = 0.05) -> None:
    from claims.models import ImportJob

    deadline = time.monotonic() + timeout
    while ImportJob.objects.filter(pk__in=job_ids).active().exists():
        if time.monotonic() > deadline:
            raise CommandError("jobs did not finish in time; are the workers running?")
        time.sleep(every)
    failed = ImportJob.objects.filter(pk__in=job_ids, state=ImportJob.State.FAILED)
    if failed.exists():
        raise CommandError(f"jobs failed: {list(failed.values_list('last_error', flat=True)[:3])}")


def _timed_drain(corpus: list[dict[str, str]]) -> float:
    from django.db.models import Max

    from claims.models import ImportJob

    # Timed to the last job's finished_at (set in its article's transaction, just before the
    # commit), not to the moment a poll notices it: polling every 50 ms to be precise cost this
    # process and PostgreSQL CPU that the worker being measured needed, on a 2-core machine.
    started = time.time()
    job_ids = _submit(corpus)
    _drain(job_ids, timeout=900, every=0.5)
    last = ImportJob.objects.filter(pk__in=job_ids).aggregate(last=Max("finished_at"))["last"]
    return last.timestamp() - started


class _workers:
    """`celery -A project worker` processes (concurrency 1 each) for the length of a block."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.processes: list[subprocess.Popen[str]] = []

    def __enter__(self) -> _workers:
        for n in range(self.count):
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "project", "worker",
                    "--pool", "prefork", "--concurrency", "1",
                    "--queues", settings.CELERY_TASK_DEFAULT_QUEUE,
                    "--hostname", f"bench{n}-{uuid.uuid4().hex[:6]}@%h",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--loglevel", "INFO",
                ],
                cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, start_new_session=True,
            )  # fmt: skip
            self.processes.append(process)
            _wait_ready(process)
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(30)


def _wait_ready(process: subprocess.Popen[str]) -> None:
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(90):
        raise CommandError("a celery worker did not start within 90 s")


def _feed_latency(seconds: int) -> dict[str, float]:
    from claims.models import ImportJob
    from claims.services import ingest

    # The tests' loopback server stands in for an outlet (the benchmark runs from a checkout).
    from tests.loopback import LoopbackServer, Reply, rss

    seed_text = (settings.BASE_DIR / "seeds" / _SEED).read_text(encoding="utf-8")
    corpus = make_corpus(seconds + 1, seed_text=seed_text)
    items: list[dict[str, str]] = []
    with LoopbackServer() as server:
        server.routes["/feed"] = lambda headers: Reply(
            rss(list(items)), content_type="application/rss+xml"
        )
        feed = ingest.feed_add(url=server.url("/feed"), outlet_name="Latency Wire", every_minutes=1)
        started = time.monotonic()
        for n, article in enumerate(corpus[:seconds]):
            paragraphs = "".join(f"<p>{p}</p>" for p in article["body"].split("\n\n"))
            items.append(
                {
                    "title": article["title"],
                    "guid": f"latency-{n}",
                    "link": f"{article['url']}/feed",
                    "content": paragraphs,
                }
            )
            ingest.feeds_poll_due(every=True)  # what beat would do, every second
            time.sleep(max(0.0, started + n + 1 - time.monotonic()))
        jobs = ImportJob.objects.filter(feed=feed, source=ImportJob.Source.FEED_ENTRY)
        _drain(list(jobs.values_list("pk", flat=True)), timeout=300)
    polls = list(
        ImportJob.objects.filter(feed=feed, source=ImportJob.Source.FEED_POLL).order_by("id")
    )
    latencies = []
    for job in jobs.order_by("id"):
        # The poll that queued this entry: the last one created before the entry's job.
        poll = max((p for p in polls if p.created_at <= job.created_at), key=lambda p: p.pk)
        latencies.append((job.finished_at - poll.created_at).total_seconds())
    latencies.sort()
    return {
        "feed_articles": len(latencies),
        "latency_median": statistics.median(latencies),
        "latency_p95": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "latency_max": latencies[-1],
    }


def _api_check() -> dict[str, float]:
    from django.test import Client

    from claims.models import Article

    client = Client()
    answered = 0
    total_claims = 0
    articles = list(Article.objects.values_list("pk", flat=True))
    for pk in articles:
        response = client.get(f"/api/claims/?article={pk}", HTTP_HOST="127.0.0.1")
        if response.status_code == 200 and response.json()["results"]:
            answered += 1
            total_claims += len(response.json()["results"])
    return {"api_checked": answered, "claims_per_article": total_claims / max(1, len(articles))}
