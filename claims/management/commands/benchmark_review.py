"""Benchmark the review UI at scale: the queue's first page and a claim page.

Why it exists: issue 4 sets targets for the pages editors use all day: with 100,000 claims in the
database, the queue's first page and a claim page each take at most 100 ms of server time and at
most 8 queries. Unit tests pin the query counts on small data; this command shows the time on
realistic volume, in one run, with the numbers next to their targets.

It first fills the configured database with synthetic articles and claims (bulk inserts,
idempotent: a second run reuses them), then requests each page in-process through Django's test
client (middleware, view, queries and template, no network) as a signed-in editor, and prints
the median, p90 and query count of each. Point DATABASE_URL at a scratch database: the rows it
adds are ordinary data (audit rows cannot be deleted).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimdesk_bench \\
        python manage.py benchmark_review --claims 100000 --repeats 30
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Actor, Article, Claim, ClaimMatch, Outlet, StatusChange
from claims.selectors import page_claim
from claims.services import claim_review
from claims.services.figures import figures_refresh_for_article

SOURCE_PREFIX = "benchmark:"
BENCH_USER = "benchmark-editor"
CLAIMS_PER_ARTICLE = 10
TARGET_MS = 100.0
TARGET_QUERIES = 8
BATCH = 2000

FILLER = (
    "Residents described a tense night in the old town, where shops stayed shuttered and "
    "public transport stopped early. "
)
TEMPLATES = [
    (
        Claim.Kind.CASUALTY,
        Claim.Outcome.KILLED,
        "{speaker} said {n} protesters were killed in {place}.",
    ),
    (
        Claim.Kind.CASUALTY,
        Claim.Outcome.INJURED,
        "More than {n} people were injured, {speaker} said.",
    ),
    (
        Claim.Kind.ARREST,
        Claim.Outcome.DETAINED,
        "{speaker} said {n} people had been detained in {place}.",
    ),
    (
        Claim.Kind.ARREST,
        Claim.Outcome.ARRESTED,
        "Police arrested {n} demonstrators, according to {speaker}.",
    ),
    (Claim.Kind.ATTRIBUTION, "", "{speaker} said the situation in {place} was under control."),
]
PLACES = ["Almaty", "Astana", "Shymkent", "Aktobe", "Taraz", "Pavlodar", "Karaganda", "Atyrau"]


@dataclass
class Measurement:
    name: str
    url: str
    times_ms: list[float]
    queries: int

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p90(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def _claim(
    article: Article,
    position: int,
    draft: tuple,
    editor: User,
    now: datetime,
    rng: random.Random,
) -> Claim:
    """One synthetic claim of `article`; the random draws in a fixed order (same seed, same data)."""
    template, start, sentence, value, actor = draft
    kind, outcome, _ = template
    status = rng.choices(Claim.Status.values, weights=[70, 12, 8, 6, 4])[0]
    return Claim(
        article=article,
        kind=kind,
        sentence=sentence,
        start=start,
        end=start + len(sentence),
        value_low=value,
        value_high=value if value is not None else None,
        qualifier=Claim.Qualifier.EXACT if value is not None else "",
        outcome=outcome,
        subject="protesters" if value is not None else "",
        speaker=actor,
        speaker_text=actor.name,
        is_hedged=rng.random() < 0.1,
        hedges=["could not be independently verified"] if rng.random() < 0.1 else [],
        fingerprint=f"bench-{article.pk}-{position}",
        status=status,
        status_changed_by=None if status == "unreviewed" else editor,
        status_changed_at=None if status == "unreviewed" else now,
        version=1 if status == "unreviewed" else 2,
    )


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic claims (default 100,000) and print the server time and "
        "query count of the review queue's first page and a claim page against their targets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, default=100_000, help="claims to have in total")
        parser.add_argument("--repeats", type=int, default=30, help="timed requests per page")
        parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page")
        parser.add_argument("--seed", type=int, default=4, help="random seed for the fill")
        parser.add_argument("--fill-only", action="store_true", help="fill the database and stop")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be filled, write nothing"
        )
        parser.add_argument(
            "--strict", action="store_true", help="exit with an error when a page misses a target"
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if options["claims"] < CLAIMS_PER_ARTICLE:
            raise CommandError(f"--claims must be at least {CLAIMS_PER_ARTICLE}.")
        self.verbosity = options["verbosity"]
        if options["repeats"] < 1:
            raise CommandError("--repeats must be at least 1.")
        existing = Claim.objects.filter(article__source_key__startswith=SOURCE_PREFIX).count()
        wanted = options["claims"] - existing
        self.stdout.write(
            f"Database: {connection.vendor} ({settings.DATABASES['default']['NAME']}); "
            f"benchmark claims present: {existing:,}; to add: {max(wanted, 0):,}."
        )
        if options["dry_run"]:
            return
        editor = self._editor()
        if wanted > 0:
            started = time.perf_counter()
            self._fill(wanted, editor, random.Random(options["seed"] + existing))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Filled {wanted:,} claims in {time.perf_counter() - started:.1f} s."
                )
            )
        # The state autovacuum reaches soon after a bulk load: planner statistics (without them
        # PostgreSQL plans for a table of a few rows) and, on PostgreSQL, the visibility map
        # that lets counts use index-only scans.
        # (VACUUM cannot run inside a transaction, as when a test calls this command.)
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        self.stdout.write(f"Claims in the database: {Claim.objects.count():,}.")
        if options["fill_only"]:
            return
        results = self._measure(editor, options["repeats"], options["warmup"])
        if not self._report(results) and options["strict"]:
            raise CommandError("At least one page missed its target.")

    # --- fill ---------------------------------------------------------------------------------

    def _editor(self) -> User:
        user, created = User.objects.get_or_create(username=BENCH_USER, defaults={"is_staff": True})
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name="Editors"))
        return user

    def _fill(self, count: int, editor: User, rng: random.Random) -> None:
        outlets = [Outlet.objects.get_or_create(name=f"Benchmark Outlet {i}")[0] for i in range(20)]
        actors = [Actor.objects.get_or_create(name=f"Benchmark Speaker {i}")[0] for i in range(200)]
        start_index = Article.objects.filter(source_key__startswith=SOURCE_PREFIX).count()
        articles_needed = -(-count // CLAIMS_PER_ARTICLE)
        now = timezone.now()
        remaining = count
        for first in range(0, articles_needed, BATCH // CLAIMS_PER_ARTICLE):
            with transaction.atomic():
                size = min(BATCH // CLAIMS_PER_ARTICLE, articles_needed - first)
                drafts = [
                    self._article_draft(start_index + first + i, rng, actors) for i in range(size)
                ]
                articles = Article.objects.bulk_create(
                    [
                        Article(
                            source_key=f"{SOURCE_PREFIX}{n}",
                            title=f"Unrest report {n}: {rng.choice(PLACES)}",
                            url=f"https://bench.example/{n}",
                            outlet=rng.choice(outlets),
                            published_at=now - timezone.timedelta(minutes=n),
                            body=body,
                            content_hash=f"{n:064d}",
                            imported_from="benchmark",
                        )
                        for n, body, _ in drafts
                    ]
                )
                if connection.vendor != "postgresql" and articles[0].pk is None:
                    raise CommandError("bulk_create did not return primary keys")
                claims = []
                for article, (_, _, sentences) in zip(articles, drafts, strict=True):
                    for position, (template, start, sentence, value, actor) in enumerate(sentences):
                        if remaining == 0:
                            break
                        remaining -= 1
                        claims.append(
                            _claim(
                                article,
                                position,
                                (template, start, sentence, value, actor),
                                editor,
                                now,
                                rng,
                            )
                        )
                created = Claim.objects.bulk_create(claims)
                # Reviewed claims get their audit row, as claim_review would have written.
                StatusChange.objects.bulk_create(
                    [
                        StatusChange(
                            claim=claim,
                            from_status=Claim.Status.UNREVIEWED,
                            to_status=claim.status,
                            note="Benchmark review",
                            changed_by=editor,
                            claim_version=2,
                        )
                        for claim in created
                        if claim.status != Claim.Status.UNREVIEWED
                    ]
                )
            if self.verbosity >= 2:
                self.stdout.write(f"  {count - remaining:,} / {count:,} claims")

    def _article_draft(self, n: int, rng: random.Random, actors: list[Actor]):  # type: ignore[no-untyped-def]
        body, sentences = "", []
        place = rng.choice(PLACES)
        for _ in range(CLAIMS_PER_ARTICLE):
            body += FILLER * rng.randint(1, 4) + "\n\n"
            template = rng.choice(TEMPLATES)
            actor = rng.choice(actors)
            value = rng.randint(2, 9000) if template[0] != Claim.Kind.ATTRIBUTION else None
            sentence = template[2].format(speaker=actor.name, n=value, place=place)
            sentences.append((template, len(body), sentence, value, actor))
            body += sentence + " "
        body += "\n\n" + FILLER
        return n, body, sentences

    # --- measure ------------------------------------------------------------------------------

    def _measure(self, editor: User, repeats: int, warmup: int) -> list[Measurement]:
        subject = (
            Claim.objects.filter(article__source_key__startswith=SOURCE_PREFIX)
            .figures()
            .order_by("id")
            .only("id", "version", "article_id", "figure_id")[Claim.objects.count() // 3 :]
            .first()
        )
        if subject is None:
            raise CommandError("No benchmark claims to measure.")
        if subject.figure_id is None:
            # Group the figures of the articles around it (the reconcile service, as an import
            # would), so the claim page's figure panel has a timeline to draw.
            nearby = Article.objects.filter(
                source_key__startswith=SOURCE_PREFIX,
                pk__range=(subject.article_id - 15, subject.article_id + 15),
            )
            for article in nearby:
                figures_refresh_for_article(article=article)
        if not StatusChange.objects.filter(
            claim=subject, note__startswith="Benchmark history"
        ).exists():
            # A claim page with a realistic record: five decisions and their evidence.
            for i, status in enumerate(["disputed", "unverified", "disputed", "false", "verified"]):
                subject.refresh_from_db()
                claim_review(
                    claim=subject,
                    status=status,
                    by=editor,
                    note=f"Benchmark history {i}",
                    evidence=[{"url": f"https://evidence.example/{subject.pk}/{i}"}],
                )
        self._add_matches(subject)
        # A claim with no figure: the page is then nearly all the review view's own work.
        attribution = (
            Claim.objects.filter(
                article__source_key__startswith=SOURCE_PREFIX, kind=Claim.Kind.ATTRIBUTION
            )
            .filter(pk__gte=subject.pk)
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".").replace("*", "localhost")
        client = Client(HTTP_HOST=host)
        client.force_login(editor)
        queue = reverse("claims:queue")
        claim_url = reverse("claims:claim", args=[subject.pk])
        pages = [
            ("queue, first page (unreviewed, newest)", queue),
            (
                "queue, filtered (kind, hedged, by article)",
                queue + "?" + urlencode({"kind": "arrest", "hedged": "yes", "order": "article"}),
            ),
            ("queue, any status, page 20", queue + "?" + urlencode({"status": "any", "page": 20})),
            ("claim page (5 decisions, 5 evidence)", claim_url),
            ("claim page, in a filtered queue", claim_url + "?kind=arrest&order=article"),
            ("queue, already checked elsewhere", queue + "?" + urlencode({"seen": "checked"})),
        ]
        if attribution:
            pages.append(
                ("claim page, attribution (no figure)", reverse("claims:claim", args=[attribution]))
            )
        results = []
        self.panel_note = self._figure_panel_cost(subject.pk, repeats)
        for name, url in pages:
            for _ in range(warmup):
                self._get(client, url)
            times = []
            for _ in range(repeats):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    self._get(client, url)
                    times.append((time.perf_counter() - started) * 1000)
            results.append(Measurement(name, url, times, len(queries.captured_queries)))
        return results

    def _add_matches(self, subject: Claim) -> None:
        """Repeated claims as an import would store them: the measured claim repeated by 20
        later claims and repeating 5 earlier ones ("Seen before" on its page), and one claim in
        20 matching a claim 1,000 ids before it (the queue's "Already checked elsewhere")."""
        if ClaimMatch.objects.filter(earlier=subject).exists():
            return
        others = Claim.objects.filter(kind=subject.kind).exclude(article_id=subject.article_id)
        later = others.filter(pk__gt=subject.pk).order_by("id").values_list("pk", flat=True)
        earlier = others.filter(pk__lt=subject.pk).order_by("-id").values_list("pk", flat=True)
        rows = [
            ClaimMatch(claim_id=pk, earlier_id=subject.pk, relation=["same", "similar"][i % 2],
                       score=0.9 - i / 100)
            for i, pk in enumerate(later[:20])
        ] + [
            ClaimMatch(claim_id=subject.pk, earlier_id=pk, relation="similar", score=0.5)
            for pk in earlier[:5]
        ]  # fmt: skip
        ids = list(
            Claim.objects.filter(article__source_key__startswith=SOURCE_PREFIX)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        rows += [
            ClaimMatch(claim_id=ids[i], earlier_id=ids[i - 1000], relation="same", score=0.95)
            for i in range(1000, len(ids), 20)
        ]
        ClaimMatch.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)

    def _figure_panel_cost(self, pk: int, repeats: int) -> str:
        """The figure panel's share of the claim page (it belongs to the reconcile work).

        Rendered as the page renders it: with the figure's reports the page read among its own
        claims (claims.selectors.page_claim), so its queries are only the panel's own.
        """
        claim, _ = page_claim(pk)
        reports = len(claim.panel_reads.reports or [])
        panel = Template("{% load figure_tags %}{% figure_panel claim %}")
        times, queries = [], 0
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                panel.render(Context({"claim": claim}))
                times.append((time.perf_counter() - started) * 1000)
            queries = len(captured.captured_queries)
        return (
            f"Of the claim page, the figure panel (claims/templatetags/figure_tags.py) alone: "
            f"{statistics.median(times):.1f} ms median, {queries} queries of its own "
            f"(figure #{claim.figure_id or '-'}, {reports} reports)."
        )

    def _get(self, client: Client, url: str) -> None:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}, not 200.")

    def _report(self, results: list[Measurement]) -> bool:
        """Print the table; True when every page met both targets."""
        self.stdout.write("")
        header = (
            f"{'page':<44} {'median ms':>9} {'min ms':>7} {'p90 ms':>7} {'x target':>8} "
            f"{'queries':>7}  verdict"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        failed = False
        for m in results:
            ok = m.median <= TARGET_MS and m.queries <= TARGET_QUERIES
            failed |= not ok
            verdict = self.style.SUCCESS("ok") if ok else self.style.ERROR("OVER TARGET")
            self.stdout.write(
                f"{m.name:<44} {m.median:>9.1f} {min(m.times_ms):>7.1f} {m.p90:>7.1f} "
                f"{m.median / TARGET_MS:>8.2f} "
                f"{m.queries:>7}  {verdict}"
            )
        self.stdout.write(self.panel_note)
        self.stdout.write(
            f"\nTargets: median <= {TARGET_MS:.0f} ms server time and <= {TARGET_QUERIES} queries "
            "per page. 'x target' is median / target (below 1.00 meets it)."
        )
        return not failed
