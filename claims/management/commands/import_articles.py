"""import_articles: load news articles from files, folders or stdin and extract their claims.

It exists so a newsroom can feed Claim Desk from whatever it has (saved pages, plain-text wire
copy, a JSON Lines export) and re-run the same import safely: unchanged articles are left alone,
changed ones are updated without losing any editor's review.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.extraction import extract_claims_many
from claims.importers import FORMATS, STDIN, read_paths
from claims.services.imports import ArticleImportResult, Outcome, articles_import

# Control characters in a title or file name would run as terminal escapes when echoed.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` for one line of a terminal: each control character shown as an escape (\\x1b)."""
    return _UNPRINTABLE.sub(lambda match: f"\\x{ord(match[0]):02x}", text)


class Command(BaseCommand):
    help = (
        "Import articles from .txt, .html/.htm and .jsonl files, folders (searched recursively) "
        "or '-' for standard input, and extract their claims. Re-running is safe: unchanged "
        "articles are skipped, changed ones updated keeping every review. Exits with status 1 "
        "when any input failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, or - for stdin")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="format of the named files and stdin (default: by extension; stdin is sniffed)",
        )
        parser.add_argument(
            "--outlet", help="outlet for articles that do not name one (an Outlet header wins)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="do everything, then roll back: nothing is saved"
        )
        parser.add_argument(
            "--no-extract",
            action="store_true",
            help="store the articles without extracting claims (a later import extracts them)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes extracting claims in parallel (default 1; about one per CPU core)",
        )

    def handle(self, *args: object, **options: object) -> None:
        workers = int(options["workers"])  # type: ignore[call-overload]
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        verbosity = int(options["verbosity"])  # type: ignore[call-overload]
        dry_run = bool(options["dry_run"])
        outlet = (str(options["outlet"]).strip() or None) if options["outlet"] else None

        if STDIN in options["paths"] and sys.stdin.isatty():  # type: ignore[operator]
            # Otherwise the command would sit waiting for someone to type an article.
            raise CommandError("'-' reads from standard input, but nothing is piped in.")
        items = read_paths(
            options["paths"],  # type: ignore[arg-type]
            max_bytes=settings.CLAIMDESK_MAX_IMPORT_BYTES,
            fmt=options["format"],  # type: ignore[arg-type]
            default_outlet=outlet,
            stdin=sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None,
        )
        results = articles_import(
            items,
            extractor=None if options["no_extract"] else extract_claims_many,
            workers=workers,
            dry_run=dry_run,
        )

        # A progress bar only for a person watching a terminal; logs and pipes get the summary.
        progress = None
        if verbosity >= 1 and self.stderr.isatty():
            from tqdm import tqdm

            # The wrapped stream itself: OutputWrapper would add a newline to every redraw.
            progress = tqdm(unit=" articles", file=self.stderr._out, dynamic_ncols=True)

        started = time.monotonic()
        counts: Counter[str] = Counter()
        claims: Counter[str] = Counter()
        failures: list[ArticleImportResult] = []
        try:
            for result in results:
                counts[result.outcome] += 1
                claims.update(
                    added=result.claims_added,
                    kept=result.claims_kept,
                    deleted=result.claims_deleted,
                    retired=result.claims_retired,
                )
                if result.failed:
                    failures.append(result)
                if verbosity >= 2:
                    self._say(self._line(result), progress)
                if progress is not None:
                    progress.update(1)
        except BrokenProcessPool as exc:
            raise CommandError(
                f"An extraction worker process died ({exc}). Articles written so far are saved; "
                "run again (unchanged ones are skipped), or with --workers 1 to see the error."
            ) from exc
        finally:
            if progress is not None:
                progress.close()
        elapsed = time.monotonic() - started
        self._summary(counts, claims, failures, elapsed, dry_run=dry_run, verbosity=verbosity)
        if failures:
            total = sum(counts.values())
            raise CommandError(
                f"{len(failures)} of {total} inputs failed to import (listed above)."
            )

    def _say(self, line: str, progress: object) -> None:
        if progress is not None:
            progress.write(line, file=self.stdout._out)  # type: ignore[attr-defined]
        else:
            self.stdout.write(line)

    def _line(self, result: ArticleImportResult) -> str:
        if result.failed:
            return self.style.ERROR(f"failed     {printable(f'{result.origin}: {result.error}')}")
        detail = ""
        if result.outcome != Outcome.UNCHANGED:
            detail = (
                f" ({result.claims_added} claims added, {result.claims_kept} kept"
                + (f", {result.claims_deleted} deleted" if result.claims_deleted else "")
                + (f", {result.claims_retired} no longer in text" if result.claims_retired else "")
                + ")"
            )
        return (
            f"{result.outcome:<10} {printable(result.origin)}  “{printable(result.title)}”{detail}"
        )

    def _summary(
        self,
        counts: Counter[str],
        claims: Counter[str],
        failures: list[ArticleImportResult],
        elapsed: float,
        *,
        dry_run: bool,
        verbosity: int,
    ) -> None:
        if failures:
            # Failures are listed whatever the verbosity: each is something to fix.
            self.stderr.write(self.style.ERROR("Failed:"))
            for result in failures:
                self.stderr.write(f"  {printable(f'{result.origin}: {result.error}')}")
        if verbosity < 1:
            return
        total = sum(counts.values())
        # The rate of articles written: failures cost next to nothing and would inflate it.
        written = total - counts[Outcome.FAILED]
        rate = f", {written / elapsed:.1f} articles/s" if elapsed > 0 and written else ""
        prefix = "Dry run, nothing saved: would have " if dry_run else ""
        line = (
            f"{prefix}{counts[Outcome.CREATED]} created, {counts[Outcome.UPDATED]} updated, "
            f"{counts[Outcome.UNCHANGED]} unchanged, {counts[Outcome.FAILED]} failed "
            f"({total} inputs in {elapsed:.1f} s{rate})."
        )
        style = self.style.WARNING if failures else self.style.SUCCESS
        self.stdout.write(style(line))
        self.stdout.write(
            f"Claims: {claims['added']} added, {claims['kept']} kept, "
            f"{claims['deleted']} deleted (unreviewed, gone from the text), "
            f"{claims['retired']} reviewed but gone from the text (kept, marked not in article)."
        )
