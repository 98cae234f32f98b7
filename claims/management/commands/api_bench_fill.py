"""Fill a scratch PostgreSQL database with a million synthetic claims for the API benchmark.

Why it exists: issue 5 asks the API to stay fast at a million claims, and `api_benchmark`
measures it. Creating a million rows through the ORM would take hours; this streams them with
PostgreSQL's COPY (psycopg 3), which takes a few minutes, then runs ANALYZE so the planner
knows the table's size.

The data is synthetic but shaped like the real thing: articles of 20 claims from 40 outlets,
600 speakers, the three kinds, a status mix (most claims unreviewed, a few hundred thousand
reviewed, each reviewed claim with its StatusChange row), some hedged. Everything it creates
is marked (`apibench:` source keys, the `api-benchmark` editor), and it is idempotent: a second
run tops the claims up to `--claims` and creates nothing when they are already there.

Only for a dedicated database: the rows are ordinary data, and audit rows cannot be deleted.

    createdb -h 127.0.0.1 -U postgres claimdesk_apibench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimdesk_apibench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimdesk_apibench \\
        python manage.py api_bench_fill --claims 1000000
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from claims.models import Actor, Article, Claim, Outlet, StatusChange
from claims.schema import CLAIM_EXTRACTED_FIELDS, CLAIM_REVIEW_FIELDS

SOURCE_PREFIX = "apibench:"
BENCH_USER = "api-benchmark"
OUTLET_COUNT = 40
ACTOR_COUNT = 600
CLAIMS_PER_ARTICLE = 20

# Share of claims in each status (the rest stay unreviewed).
STATUS_MIX = [
    (Claim.Status.VERIFIED, 0.10),
    (Claim.Status.UNVERIFIED, 0.08),
    (Claim.Status.DISPUTED, 0.07),
    (Claim.Status.FALSE, 0.05),
]
PLACES = ["Almaty", "Astana", "Shymkent", "Aktobe", "Taraz", "Karaganda", "Atyrau", "Oral"]
SUBJECTS = ["protesters", "people", "police officers", "civilians", "demonstrators", "soldiers"]
HEDGES = ["reportedly", "could not be independently verified", "allegedly", "unconfirmed"]


# Every column a claim has (claims.schema), in COPY's order; what a row below leaves out is the
# field's default, as the ORM would write it.
CLAIM_FIELDS: tuple[str, ...] = (
    "article_id",
    "fingerprint",
    *CLAIM_EXTRACTED_FIELDS,
    *CLAIM_REVIEW_FIELDS,
    "created_at",
    "updated_at",
)


def _claim_columns() -> list[str]:
    return [Claim._meta.get_field(name).column for name in CLAIM_FIELDS]


def _claim_defaults() -> dict[str, Any]:
    return {name: Claim._meta.get_field(name).get_default() for name in CLAIM_FIELDS}


def _claim_row(
    rng: random.Random,
    article_id: int,
    slot: int,
    actors: list[tuple[int, str]],
    thresholds: list[tuple[float, str]],
    editor_id: int,
    now: datetime,
) -> dict[str, Any]:
    """One synthetic claim by field name; the random draws are in a fixed order (same seed,
    same data)."""
    kind = (Claim.Kind.CASUALTY, Claim.Kind.ARREST, Claim.Kind.ATTRIBUTION)[rng.randrange(3)]
    speaker_id, speaker_name = actors[rng.randrange(len(actors))]
    subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
    hedged = rng.random() < 0.15
    hedges = [HEDGES[rng.randrange(len(HEDGES))]] if hedged else []
    draw = rng.random()
    status = next((s for t, s in thresholds if draw < t), "unreviewed")
    reviewed = status != "unreviewed"
    changed_at = now - timedelta(seconds=rng.randrange(86_400 * 30))
    if kind == Claim.Kind.ATTRIBUTION:
        value = None
        outcome = qualifier = ""
        sentence = (
            f"{speaker_name} said the situation in the city was under control "
            f"and that order would be restored within days ({slot})."
        )
        content = "the situation in the city was under control"
    else:
        value = rng.randrange(1, 5000)
        outcome = "killed" if kind == Claim.Kind.CASUALTY else "arrested"
        qualifier = "exact" if slot % 3 else "more_than"
        sentence = (
            f"{speaker_name} said {value:,} {subject} were {outcome} during the "
            f"unrest, according to figures released on day {slot}."
        )
        content = ""
    return {
        "article_id": article_id,
        "fingerprint": f"bench-{article_id}-{slot}",
        "kind": kind,
        "sentence": sentence,
        "start": 0,
        "end": len(sentence),
        "value_low": value,
        "value_high": value,
        "qualifier": qualifier,
        "outcome": outcome,
        "subject": subject if value is not None else "",
        "agent": "security forces" if slot % 4 == 0 and value else "",
        "speaker_id": speaker_id,
        "speaker_text": speaker_name,
        "speaker_role": "spokesperson",
        "content": content,
        "direct": None if value is not None else bool(slot % 2),
        "hedges": json.dumps(hedges),
        "is_hedged": hedged,
        "extractor_version": "bench",
        "in_article": True,
        "status": status,
        "status_changed_by": editor_id if reviewed else None,
        "status_changed_at": changed_at if reviewed else None,
        "version": 2 if reviewed else 1,
        "created_at": now,
        "updated_at": changed_at if reviewed else now,
    }


class Command(BaseCommand):
    help = "Fill a scratch PostgreSQL database with synthetic claims (COPY) for api_benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--claims", type=int, default=1_000_000, help="Total to reach.")
        parser.add_argument("--seed", type=int, default=5, help="Random seed (same data).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be created; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "api_bench_fill needs PostgreSQL (it uses COPY). Set DATABASE_URL to a scratch "
                "database, e.g. postgres://postgres@127.0.0.1:5432/claimdesk_apibench"
            )
        target = options["claims"]
        if target < 1:
            raise CommandError("--claims must be at least 1.")
        rng = random.Random(options["seed"])
        existing = Claim.objects.filter(article__source_key__startswith=SOURCE_PREFIX).count()
        missing = target - existing
        database = connection.settings_dict["NAME"]
        if missing <= 0:
            self.stdout.write(f"{database}: already {existing:,} benchmark claims; nothing to do.")
            return
        articles = -(-missing // CLAIMS_PER_ARTICLE)
        self.stdout.write(
            f"{database}: {existing:,} benchmark claims; adding {missing:,} "
            f"in {articles:,} articles."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return

        started = time.perf_counter()
        editor = self._editor()
        outlet_ids = self._outlets()
        actors = self._actors()
        with transaction.atomic():
            article_ids = self._copy_articles(articles, outlet_ids, rng)
            self._copy_claims(missing, article_ids, actors, editor.id, rng)
            changes = self._copy_status_changes(article_ids, editor.id)
        with connection.cursor() as cursor:
            for model in (Article, Claim, StatusChange):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        total = Claim.objects.filter(article__source_key__startswith=SOURCE_PREFIX).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {articles:,} articles, {missing:,} claims, {changes:,} status changes "
                f"in {time.perf_counter() - started:.0f} s; {total:,} benchmark claims in all."
            )
        )

    def _editor(self) -> User:
        user, created = User.objects.get_or_create(username=BENCH_USER)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name="Editors"))
        return user

    def _outlets(self) -> list[int]:
        for n in range(OUTLET_COUNT):
            Outlet.objects.get_or_create(
                name=f"Benchmark Outlet {n:02d}",
                defaults={"url": f"https://outlet{n:02d}.bench.example"},
            )
        return list(
            Outlet.objects.filter(name__startswith="Benchmark Outlet ").values_list("id", flat=True)
        )

    def _actors(self) -> list[tuple[int, str]]:
        if not Actor.objects.filter(name__startswith="Bench Speaker ").exists():
            Actor.objects.bulk_create(
                [
                    Actor(
                        name=f"Bench Speaker {n:03d}",
                        kind=Actor.Kind.PERSON if n % 3 else Actor.Kind.ORGANISATION,
                        known_role="spokesperson" if n % 2 else "",
                    )
                    for n in range(ACTOR_COUNT)
                ]
            )
        return list(
            Actor.objects.filter(name__startswith="Bench Speaker ").values_list("id", "name")
        )

    def _copy_articles(self, count: int, outlet_ids: list[int], rng: random.Random) -> list[int]:
        table = Article._meta.db_table
        first_key = Article.objects.filter(source_key__startswith=SOURCE_PREFIX).count()
        now = datetime.now(UTC)
        columns = [
            "source_key",
            "title",
            "url",
            "outlet_id",
            "published_at",
            "published_basis",
            "body",
            "content_hash",
            "imported_from",
            "extractor_version",
            "imported_at",
            "updated_at",
        ]
        with connection.cursor() as cursor:
            pg = cursor.cursor  # the psycopg cursor under Django's wrapper
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with pg.copy(sql) as copy:
                for n in range(first_key, first_key + count):
                    place = PLACES[n % len(PLACES)]
                    published = now - timedelta(minutes=n)
                    copy.write_row(
                        (
                            f"{SOURCE_PREFIX}{n}",
                            f"Unrest in {place}: day {n}",
                            f"https://news.bench.example/{n}",
                            rng.choice(outlet_ids),
                            published,
                            Article.PublishedBasis.HEADER,  # a stated date, as a feed gives
                            f"Report {n} from {place}.",
                            f"{n:064x}",
                            "api_bench_fill",
                            "bench",
                            published,
                            published,
                        )
                    )
        return list(
            Article.objects.filter(source_key__startswith=SOURCE_PREFIX)
            .order_by("id")
            .values_list("id", flat=True)[first_key : first_key + count]
        )

    def _copy_claims(
        self,
        count: int,
        article_ids: list[int],
        actors: list[tuple[int, str]],
        editor_id: int,
        rng: random.Random,
    ) -> None:
        table = Claim._meta.db_table
        columns = ", ".join(connection.ops.quote_name(c) for c in _claim_columns())
        now = datetime.now(UTC)
        thresholds = []
        running = 0.0
        for status, share in STATUS_MIX:
            running += share
            thresholds.append((running, status))
        defaults = _claim_defaults()
        written = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for article_id in article_ids:
                for slot in range(CLAIMS_PER_ARTICLE):
                    if written == count:
                        return
                    written += 1
                    row = _claim_row(rng, article_id, slot, actors, thresholds, editor_id, now)
                    copy.write_row(tuple({**defaults, **row}[name] for name in CLAIM_FIELDS))

    def _copy_status_changes(self, article_ids: list[int], editor_id: int) -> int:
        """One StatusChange per reviewed claim, in claim order (as the feed would hold them)."""
        if not article_ids:
            return 0
        # Read first: the connection cannot run a query while it is busy with a COPY.
        reviewed = list(
            Claim.objects.filter(article_id__gte=article_ids[0], article_id__lte=article_ids[-1])
            .exclude(status=Claim.Status.UNREVIEWED)
            .order_by("status_changed_at", "id")
            .values_list("id", "status", "status_changed_at")
        )
        table = StatusChange._meta.db_table
        columns = "claim_id, from_status, to_status, note, changed_by_id, claim_version, created_at"
        written = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for claim_id, status, changed_at in reviewed:
                copy.write_row(
                    (claim_id, "unreviewed", status, "Benchmark review", editor_id, 2, changed_at)
                )
                written += 1
        return written
