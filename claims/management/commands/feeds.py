"""Manage the feeds the desk follows: add one, list them, poll the due ones now.

Feeds are polled on a schedule by `celery -A project beat`; `feeds poll` does the same at once
(and, with --wait, waits until every article it found has been imported).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from claims.importers import RecordInvalid
from claims.models import Feed, ImportJob
from claims.services import ingest


class Command(BaseCommand):
    help = "Add, list and poll RSS/Atom feeds (feeds add URL --outlet NAME; feeds list; feeds poll)"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="follow a feed (or change its outlet or interval)")
        add.add_argument("url")
        add.add_argument("--outlet", required=True, help="the outlet its articles are credited to")
        add.add_argument("--every", type=int, metavar="MINUTES", help="polling interval")
        actions.add_parser("list", help="the feeds, with their last poll and error")
        poll = actions.add_parser("poll", help="poll every due feed now")
        poll.add_argument("--all", action="store_true", help="poll every feed, due or not")
        poll.add_argument("--wait", action="store_true", help="wait until their imports finish")
        poll.add_argument("--timeout", type=int, default=600, help="seconds --wait waits at most")

    def handle(self, *args: object, **options: object) -> None:
        getattr(self, f"_{options['action']}")(**options)

    def _add(self, *, url: str, outlet: str, every: int | None, **_: object) -> None:
        try:
            feed = ingest.feed_add(url=url, outlet_name=outlet, every_minutes=every)
        except RecordInvalid as exc:
            raise CommandError(str(exc).replace('"url"', "the feed URL")) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Following {feed.url} ({feed.outlet.name}), every {feed.every_minutes} min; first poll due now"
            )
        )

    def _list(self, **_: object) -> None:
        feeds = Feed.objects.select_related("outlet").order_by("id")
        if not feeds:
            self.stdout.write("No feeds yet: add one with `manage.py feeds add URL --outlet NAME`.")
        for feed in feeds:
            polled = (
                timezone.localtime(feed.last_polled_at).strftime("%Y-%m-%d %H:%M")
                if feed.last_polled_at
                else "never"
            )
            state = "" if feed.active else " (paused)"
            self.stdout.write(
                f"{feed.pk:>4}  {feed.url}  {feed.outlet.name}  every {feed.every_minutes} min{state}  last poll: {polled}"
            )
            if feed.last_error:
                self.stdout.write(self.style.ERROR(f"      last error: {feed.last_error}"))

    def _poll(self, *, all: bool, wait: bool, timeout: int, **_: object) -> None:
        batch = ingest.new_batch()
        polls = ingest.feeds_poll_due(every=all, batch=batch)
        self.stdout.write(f"Polling {len(polls)} feed(s).")
        if wait and polls:
            self._wait(batch, timeout)
        jobs = ImportJob.objects.filter(batch=batch)
        polls_failed = jobs.filter(source=ImportJob.Source.FEED_POLL, state=ImportJob.State.FAILED)
        for job in polls_failed:
            self.stderr.write(self.style.ERROR(f"{job.origin}: {job.last_error}"))
        entries = jobs.exclude(source=ImportJob.Source.FEED_POLL)
        counts = {state: entries.filter(state=state).count() for state in ImportJob.State.values}
        summary = ", ".join(f"{n} {state}" for state, n in counts.items() if n) or "no new entries"
        self.stdout.write(f"Entries: {summary}.")
        for job in entries.filter(state=ImportJob.State.FAILED):
            self.stderr.write(self.style.ERROR(f"{job.origin}: {job.last_error}"))

    def _wait(self, batch: str, timeout: int) -> None:
        deadline = time.monotonic() + timeout
        while ImportJob.objects.filter(batch=batch).active().exists():
            if time.monotonic() > deadline:
                raise CommandError(
                    f"gave up waiting after {timeout} s; the jobs go on in the workers"
                )
            time.sleep(0.5)
