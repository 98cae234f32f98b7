"""Score figure grouping on a multi-article series against an expected.json.

Why it exists: the figure rules (claims.reconcile) are tuned on our own corpus; this measures them
on real series of reports (../shared/eval/series/) without touching the database. Each article
is read and extracted as the import would, its figure claims become reconcile Reports (speaker,
outlet or credited agency as the source, as claims.services.figures builds them), grouped with
`group_reports` and analysed with `analyse_figure`. Then, for each expected figure, conflict and
look-alike pair, it reports whether the result holds.

    manage.py score_figures ../shared/eval/series/burma-2007-crackdown expected.json

An expected report is found when a figure claim of its document has the expected value in a
sentence containing the anchor. A figure holds when all its found reports are in one group
holding no found report of another expected figure. A conflict holds when its two reports are
in one group and conflict there; every other conflict between found reports is counted as
spurious. A `not_same_figure` pair holds when its reports are in different groups, or one of
them is marked a part.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims import reconcile
from claims.extraction import ExtractedClaim, extract_claims_many
from claims.importers import ArticleRecord, RecordError, read_paths
from claims.services.figures import value_for

FIGURE_KINDS = ("casualty", "arrest")


@dataclass
class Series:
    """One series read and grouped: where each extracted figure claim went."""

    docs: dict[int, str] = field(default_factory=dict)  # claim id -> file name
    reports: dict[int, reconcile.Report] = field(default_factory=dict)
    sentences: dict[int, str] = field(default_factory=dict)
    group_of: dict[int, int] = field(default_factory=dict)  # claim id -> group number
    conflicts: set[frozenset[int]] = field(default_factory=set)

    def find(
        self, doc: str, anchor: str, value: int | None, *, besides: int | None = None
    ) -> int | None:
        """The claim an expected report names: its document, its anchor, its value (a sentence
        can hold several counts); without a value, the first other than `besides`."""
        ids = [i for i, d in self.docs.items() if d == doc and anchor in self.sentences[i]]
        if value is not None:
            ids = [i for i in ids if self.reports[i].value_low == value]
        ids = [i for i in ids if i != besides]
        return ids[0] if ids else None


def report_of(
    claim_id: int, claim: ExtractedClaim, record: ArticleRecord, *, article_id: int
) -> reconcile.Report:
    speaker = (claim.speaker or claim.speaker_text or "").lower().removeprefix("the ").strip()
    outlet = record.agencies[0] if record.agencies else record.outlet or ""
    return reconcile.Report(
        claim_id=claim_id,
        kind=claim.kind,
        outcome=claim.outcome or "",
        value_low=claim.value_low or 0,
        value_high=claim.value_high,
        qualifier=claim.qualifier or "exact",
        subject=claim.subject or "",
        published_at=record.published,
        speaker_key=f"text:{speaker}" if speaker else "",
        speaker_name=speaker,
        outlet_key=outlet,
        outlet_name=outlet,
        article_id=article_id,
        place=reconcile.derive_place(sentence=claim.sentence, title=record.title, body=record.body),
        part=reconcile.is_part(claim.sentence, claim.value_low or 0),
        value_for=value_for(claim.sentence, record.published),
    )


def read_series(folder: Path) -> Series:
    records = []
    for item in read_paths([str(folder)], max_bytes=settings.CLAIMDESK_MAX_IMPORT_BYTES):
        if isinstance(item, RecordError):
            raise CommandError(str(item))
        records.append(item)
    series = Series()
    extracted = extract_claims_many(r.body for r in records)
    for article_id, (record, claims) in enumerate(zip(records, extracted, strict=True), 1):
        for claim in claims:
            if claim.kind in FIGURE_KINDS and claim.value_low is not None:
                claim_id = len(series.reports) + 1
                series.reports[claim_id] = report_of(claim_id, claim, record, article_id=article_id)
                series.docs[claim_id] = Path(record.origin).name
                series.sentences[claim_id] = claim.sentence
    grouping = reconcile.group_reports(list(series.reports.values()), [])
    for number, new in enumerate(grouping.new):
        series.group_of.update(dict.fromkeys(new.claim_ids, number))
        analysis = reconcile.analyse_figure(series.reports[i] for i in new.claim_ids)
        for entry in analysis.timeline:
            series.conflicts |= {
                frozenset((entry.report.claim_id, o)) for o in entry.conflicts_with
            }
    return series


def score(series: Series, expected: dict[str, Any]) -> dict[str, int]:
    counts = dict.fromkeys(
        ("reports", "found", "figures", "held", "conflicts", "conflicts_held", "spurious",
         "separations", "separated"),
        0,
    )  # fmt: skip
    found_by_figure = []
    for figure in expected["figures"]:
        ids = [series.find(r["doc"], r["anchor"], r["value_low"]) for r in figure["reports"]]
        counts["reports"] += len(ids)
        found = [i for i in ids if i is not None]
        counts["found"] += len(found)
        found_by_figure.append(found)
    for n, found in enumerate(found_by_figure):
        counts["figures"] += 1
        groups = {series.group_of[i] for i in found}
        others = {series.group_of[i] for m, f in enumerate(found_by_figure) if m != n for i in f}
        counts["held"] += len(groups) == 1 and not groups & others
    anchors = _anchor_ids(series, expected)
    wanted: set[frozenset[int]] = set()
    for figure in expected["figures"]:
        for a, b in figure["conflicts"]:
            counts["conflicts"] += 1
            pair = frozenset((anchors.get(a), anchors.get(b)))
            wanted.add(pair)
            counts["conflicts_held"] += pair in series.conflicts
    everything_found = {i for f in found_by_figure for i in f}
    counts["spurious"] = sum(
        1 for p in series.conflicts if p <= everything_found and p not in wanted
    )
    for pair in expected.get("not_same_figure", []):
        counts["separations"] += 1
        a = series.find(pair["a"]["doc"], pair["a"]["anchor"], None)
        b = series.find(pair["b"]["doc"], pair["b"]["anchor"], None, besides=a)
        if a is not None and b is not None:
            apart = series.group_of[a] != series.group_of[b]
            counts["separated"] += apart or series.reports[a].part or series.reports[b].part
    return counts


def _anchor_ids(series: Series, expected: dict[str, Any]) -> dict[str, int | None]:
    return {
        r["anchor"]: series.find(r["doc"], r["anchor"], r["value_low"])
        for figure in expected["figures"]
        for r in figure["reports"]
    }


def summary_lines(slug: str, c: dict[str, int]) -> Iterable[str]:
    yield (
        f"{slug}: reports found {c['found']}/{c['reports']}; figures held {c['held']}/"
        f"{c['figures']}; conflicts {c['conflicts_held']}/{c['conflicts']} "
        f"(spurious {c['spurious']}); look-alikes kept apart {c['separated']}/{c['separations']}"
    )


class Command(BaseCommand):
    help = (
        "Score figure grouping, conflicts and look-alike separation on series of articles "
        "against an expected.json (see ../shared/eval/series/). Nothing is written."
    )
    requires_system_checks: list[str] = []  # reads files only, like extract_claims

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="a series folder, or a folder of series folders")
        parser.add_argument("expected", help="expected.json with a 'series' list")

    def handle(self, *args: object, **options: Any) -> None:
        folder, path = Path(options["folder"]), Path(options["expected"])
        try:
            expected = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        by_slug = {s["slug"]: s for s in expected.get("series", [])}
        if folder.name in by_slug:
            folders = [folder]
        elif folder.is_dir():
            folders = sorted(p for p in folder.iterdir() if p.is_dir() and p.name in by_slug)
        else:
            folders = []
        if not folders:
            raise CommandError(f"{folder} is not a series named in {path}")
        total: dict[str, int] = {}
        for series_folder in folders:
            series = read_series(series_folder)
            if options["verbosity"] >= 2:
                self._show_groups(series)
            counts = score(series, by_slug[series_folder.name])
            for line in summary_lines(series_folder.name, counts):
                self.stdout.write(line)
            for key, value in counts.items():
                total[key] = total.get(key, 0) + value
        if len(folders) > 1:
            for line in summary_lines("all", total):
                self.stdout.write(self.style.SUCCESS(line))

    def _show_groups(self, series: Series) -> None:
        """Each group's reports (-v 2): what to read when a figure does not hold."""
        for group in sorted(set(series.group_of.values())):
            self.stdout.write(f"  group {group}:")
            for claim_id, number in series.group_of.items():
                if number == group:
                    r = series.reports[claim_id]
                    conflicts = [p for p in series.conflicts if claim_id in p]
                    self.stdout.write(
                        f"    {series.docs[claim_id][:28]} {r.display} {r.outcome} "
                        f"({reconcile.subject_kind(r.subject)}, {r.place or 'no place'})"
                        f"{' part' if r.part else ''}{' CONFLICT' if conflicts else ''}"
                        f" [{r.speaker_name}]"
                    )
