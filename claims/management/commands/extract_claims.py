"""Print the claims the extractor finds in article files, without touching the database.

Why it exists: editors and developers check what extraction makes of an article before importing
it, and the evaluation script (../shared/eval/score.py) scores its JSON Lines output against
hand-annotated gold claims.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.extraction import ExtractedClaim, extract_claims_many
from claims.importers import ArticleRecord, RecordError, read_paths


class Command(BaseCommand):
    help = (
        "Extract claims from article files (.txt/.html/.jsonl, or - for stdin) and print them "
        "as JSON Lines (the format score.py reads) or a table. Nothing is written."
    )
    # Reads files and prints; needs neither the database nor a SECRET_KEY, so it skips the
    # system checks (claims.E001 would otherwise stop it on a machine with no configuration).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="FILE", help="file, folder, or - for stdin")
        parser.add_argument(
            "--format",
            dest="output",
            choices=("jsonl", "table"),
            default="table",
            help="jsonl: one JSON object per claim; table: one line per claim (default)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=16, help="texts per nlp.pipe batch (default 16)"
        )

    def handle(self, *args: object, **options: object) -> None:
        batch_size = int(options["batch_size"])  # type: ignore[arg-type]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        output = str(options["output"])
        articles = failed = claims = 0
        chunk: list[ArticleRecord] = []
        # Records stream in chunks, so a large JSON Lines file is never held whole; each
        # unreadable input is reported as it is met, naming the file (and line).
        for item in read_paths(
            options["paths"],  # type: ignore[arg-type]
            max_bytes=settings.CLAIMDESK_MAX_IMPORT_BYTES,
            stdin=sys.stdin.buffer,
        ):
            if isinstance(item, RecordError):
                failed += 1
                self.stderr.write(self.style.ERROR(str(item)))
                continue
            chunk.append(item)
            if len(chunk) >= batch_size * 4:
                claims += self._emit(chunk, output, batch_size)
                articles += len(chunk)
                chunk = []
        if chunk:
            claims += self._emit(chunk, output, batch_size)
            articles += len(chunk)
        if not articles:
            raise CommandError("no readable articles (see the errors above)")
        if int(options["verbosity"]) >= 2 or output == "table":  # type: ignore[arg-type]
            self.stderr.write(
                f"{claims} claims from {articles} articles"
                + (f", {failed} inputs failed" if failed else "")
            )
        if failed:
            raise CommandError(f"{failed} input(s) could not be read")

    def _emit(self, records: list[ArticleRecord], output: str, batch_size: int) -> int:
        # Claim offsets point into the body, as stored by the importer; the title is not searched.
        results = extract_claims_many((r.body for r in records), batch_size=batch_size)
        count = 0
        for record, claims in zip(records, results, strict=True):
            doc = Path(record.origin).name
            count += len(claims)
            if output == "jsonl":
                for claim in claims:
                    self.stdout.write(json.dumps(claim.as_json(doc=doc), ensure_ascii=False))
            else:
                self._table(doc, claims)
        return count

    def _table(self, doc: str, claims: list[ExtractedClaim]) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"{doc}: {len(claims)} claims"))
        for claim in claims:
            if claim.kind == "attribution":
                what = ("quote" if claim.direct else "said") + f": {(claim.content or '')[:70]}"
            else:
                figure = _figure(claim)
                what = f"{figure} {claim.outcome}" + (
                    f" ({claim.subject})" if claim.subject else ""
                )
                if claim.agent:
                    what += f" by {claim.agent}"
            speaker = claim.speaker or "-"
            if claim.speaker_role:
                speaker += f" [{claim.speaker_role}]"
            hedged = " HEDGED" if claim.hedges else ""
            self.stdout.write(f"  {claim.kind:<11} {speaker:<40.40} {what}{hedged}")


def _figure(claim: ExtractedClaim) -> str:
    low = f"{claim.value_low:,}" if claim.value_low is not None else "?"
    if claim.qualifier == "range" and claim.value_high is not None:
        return f"{low}–{claim.value_high:,}"
    if claim.qualifier and claim.qualifier != "exact":
        return f"{claim.qualifier.replace('_', ' ')} {low}"
    return low
