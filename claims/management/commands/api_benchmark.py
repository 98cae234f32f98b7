"""Benchmark the claims API through gunicorn against the same query done by hand.

Why it exists: issue 5 sets speed targets for `GET /api/claims/` at a million claims, and a
target is only worth something if it is measured the same way every time. In one run this
command:

1. starts gunicorn (2 sync workers by default) on a free loopback port, with production
   settings (DEBUG off) and the database from DATABASE_URL;
2. requests three 100-claim pages over HTTP, round-robin so background noise hits all alike:
   the first page, a page 5,000 pages deep (its cursor built exactly as the API builds its
   `next` links) and a page filtered by status;
3. in the same loop, runs the equivalent SQL with psycopg (same joins, same WHERE, same
   LIMIT) on a persistent connection and encodes the rows to JSON with orjson (the API's own
   encoder): the floor that any API must pay;
4. measures throughput: a load generator in its own process (`--clients` threads sending the
   same three requests for `--duration` seconds), so that it shares no interpreter lock with
   anything; it reports its own CPU time, because on a small machine the client competes with
   gunicorn and PostgreSQL for the same cores;
5. prints medians and p90s, the HTTP/raw ratio (target <= 3), deep/first (target about 1) and
   requests/s (target >= 300), each against its target.

Anonymous throttling is raised for the benchmark's gunicorn only (CLAIMDESK_ANON_RATE): it is a
fair-use limit per client, and here one client is the whole load. Everything stays on
127.0.0.1, loops are bounded by `--requests` and `--duration`, and gunicorn is stopped at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimdesk_apibench \\
        python manage.py api_benchmark --requests 200 --duration 10
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from rest_framework.pagination import Cursor

from claims.api.pagination import IdCursorPagination
from claims.models import Claim

PAGE_SIZE = 100
DEEP_PAGES = 5_000

# The SQL the claim list runs (claims.schema.CLAIM_COLUMNS), written by hand.
RAW_SQL = """
SELECT c.id, c.kind, c.sentence, c.value_low, c.value_high, c.qualifier, c.outcome, c.subject,
       c.agent, c.speaker_id, s.name AS speaker_name, s.kind AS speaker_kind, c.speaker_text,
       c.speaker_role, c.content, c.direct, c.hedges, c.is_hedged, c.in_article, c.figure_id,
       c.status, c.status_changed_at, c.version, c.updated_at, c.article_id,
       a.title AS article_title, a.url AS article_url, a.published_at AS article_published_at,
       a.outlet_id AS article_outlet_id, o.name AS article_outlet_name
FROM claims_claim c
JOIN claims_article a ON a.id = c.article_id
LEFT JOIN claims_outlet o ON o.id = a.outlet_id
LEFT JOIN claims_actor s ON s.id = c.speaker_id
WHERE {where}
ORDER BY c.id DESC
LIMIT %(limit)s
"""


@dataclass
class Scenario:
    name: str
    path: str
    where: str
    params: dict[str, Any]
    expected_first_id: int
    http: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, bytes]:
    # A new connection per request: gunicorn's sync workers close it after each response.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes, from /proc (Linux); vanished ones count 0."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == parent:
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


@dataclass
class CpuUse:
    """CPU time per request, when /proc lets us see it: the server's and the raw path's."""

    http_app: float = 0.0  # gunicorn workers
    http_db: float = 0.0  # their PostgreSQL backends
    raw_client: float = 0.0  # psycopg + orjson in this process
    raw_db: float = 0.0  # the raw connection's backend


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _p90_ms(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] * 1000 if len(values) >= 10 else max(values)


def _load_client(port: int, paths: list[str], clients: int, duration: float, results: Any) -> None:
    """The throughput load generator, run in a child process: counts, errors, its CPU, wall."""
    counts = [0] * clients
    errors = [0] * clients
    stop = time.monotonic() + duration

    def client(index: int) -> None:
        n = index
        while time.monotonic() < stop:
            path = paths[n % len(paths)]
            n += 1
            try:
                status, _ = _get(port, path)
            except OSError:
                status = 0
            if status == 200:
                counts[index] += 1
            else:
                errors[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    cpu_started, started = time.process_time(), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    results.put((sum(counts), sum(errors), time.process_time() - cpu_started, wall))


@dataclass
class Throughput:
    requests: int
    errors: int
    seconds: float
    client_cpu: float  # the load generator's own CPU seconds
    server_cpu: float | None  # gunicorn workers, the same period
    db_cpu: float | None  # their PostgreSQL backends

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


class Command(BaseCommand):
    help = "Measure GET /api/claims/ through gunicorn against raw psycopg + json (PostgreSQL)."
    # It serves nothing itself: gunicorn gets its own SECRET_KEY, so the deploy check that
    # refuses to start without one (claims.E001) does not apply to this process.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=200, help="Timed requests each.")
        parser.add_argument("--duration", type=float, default=10.0, help="Throughput seconds.")
        parser.add_argument("--clients", type=int, default=4, help="Throughput client threads.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--warmup", type=int, default=20, help="Untimed requests each.")
        parser.add_argument(
            "--deep-pages", type=int, default=DEEP_PAGES, help="How deep the deep page is."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("api_benchmark measures PostgreSQL; set DATABASE_URL.")
        for name in ("requests", "warmup", "clients", "workers", "deep_pages"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if not 0 < options["duration"] <= 120:
            raise CommandError("--duration must be between 0 and 120 seconds.")
        total = Claim.objects.count()
        deep_pages = options["deep_pages"]
        deep_offset = deep_pages * PAGE_SIZE
        if total <= deep_offset:
            raise CommandError(
                f"The database has {total:,} claims; a page {deep_pages:,} pages deep needs more "
                f"than {deep_offset:,}. Run api_bench_fill first."
            )
        scenarios = self._scenarios(deep_pages)
        self.stdout.write(
            f"{total:,} claims in {connection.settings_dict['NAME']}; "
            f"{options['workers']} gunicorn workers; {options['requests']} timed requests each."
        )

        port = _free_port()
        server = self._start_gunicorn(port, options["workers"])
        try:
            self._wait_until_up(port, server)
            with psycopg.connect(**self._psycopg_params()) as raw:
                self._check_answers(port, scenarios)
                self._measure_latency(port, raw, scenarios, options["warmup"], warm=True)
                cpu = self._with_cpu_accounting(
                    server.pid,
                    raw,
                    lambda: self._measure_latency(
                        port, raw, scenarios, options["requests"], warm=False
                    ),
                    requests=options["requests"] * len(scenarios),
                )
            throughput = self._measure_throughput(
                port, server.pid, scenarios, options["clients"], options["duration"]
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        self._report(scenarios, throughput, cpu, options)

    # --- set-up ----------------------------------------------------------------------------

    def _scenarios(self, deep_pages: int) -> list[Scenario]:
        deep_offset = deep_pages * PAGE_SIZE
        ids = Claim.objects.order_by("-id").values_list("id", flat=True)
        first_id = ids[0]
        # The cursor of page 5,001 is the id of the last claim on page 5,000, encoded by the
        # API's own paginator (what a client following `next` 5,000 times would hold).
        position = ids[deep_offset - 1]
        paginator = IdCursorPagination()
        paginator.base_url = f"/api/claims/?page_size={PAGE_SIZE}"
        deep_path = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))
        status = Claim.Status.VERIFIED
        return [
            Scenario("first page", f"/api/claims/?page_size={PAGE_SIZE}", "TRUE", {}, first_id),
            Scenario(
                f"{deep_pages:,} pages deep",
                deep_path,
                "c.id < %(position)s",
                {"position": position},
                ids[deep_offset],
            ),
            Scenario(
                "status=verified",
                f"/api/claims/?page_size={PAGE_SIZE}&{urlencode({'status': status})}",
                "c.status = %(status)s",
                {"status": str(status)},
                Claim.objects.filter(status=status).order_by("-id").values_list("id", flat=True)[0],
            ),
        ]

    def _psycopg_params(self) -> dict[str, Any]:
        db = settings.DATABASES["default"]
        params = {
            "dbname": db["NAME"],
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
        }
        return {k: v for k, v in params.items() if v is not None}

    def _start_gunicorn(self, port: int, workers: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            # Fair-use throttling is per client; here one client is the whole load.
            "CLAIMDESK_ANON_RATE": "100000000/minute",
            "LOG_LEVEL": "ERROR",
            # The API serves no static files; without collectstatic WhiteNoise would warn once
            # per worker that STATIC_ROOT is missing.
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--backlog",
            "256",
        ]
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)

    def _wait_until_up(self, port: int, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with code {server.returncode}.")
            try:
                status, _ = _get(port, "/api/claims/?page_size=1")
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                return
            raise CommandError(f"gunicorn answered {status} on /api/claims/.")
        raise CommandError("gunicorn did not answer within 60 s.")

    def _check_answers(self, port: int, scenarios: list[Scenario]) -> None:
        """The pages hold what they should: otherwise the timings would mean nothing."""
        for scenario in scenarios:
            status, body = _get(port, scenario.path)
            if status != 200:
                raise CommandError(f"{scenario.name}: HTTP {status}")
            results = json.loads(body)["results"]
            if len(results) != PAGE_SIZE or results[0]["id"] != scenario.expected_first_id:
                raise CommandError(
                    f"{scenario.name}: expected {PAGE_SIZE} claims from id "
                    f"{scenario.expected_first_id}, got {len(results)} from "
                    f"{results[0]['id'] if results else None}."
                )

    # --- measuring ---------------------------------------------------------------------------

    def _raw_fetch_and_encode(self, raw: psycopg.Connection, scenario: Scenario) -> bytes:
        sql = RAW_SQL.format(where=scenario.where)
        with raw.cursor(row_factory=psycopg.rows.dict_row) as cursor:
            cursor.execute(sql, {**scenario.params, "limit": PAGE_SIZE + 1})
            rows = cursor.fetchall()[:PAGE_SIZE]
        # The same encoder as the API's renderer (orjson), so the ratio measures the API's own
        # work (Django, DRF, shaping the rows), not a difference between JSON libraries.
        return orjson.dumps(rows)

    def _with_cpu_accounting(
        self, master: int, raw: psycopg.Connection, measure: Any, *, requests: int
    ) -> CpuUse | None:
        """Run `measure` and split the CPU it cost between the two paths.

        Wall-clock medians on a shared machine include waiting for the CPU; CPU time does
        not, so it shows what each path costs whatever else is running.
        """
        if not os.path.isdir("/proc"):
            measure()
            return None
        workers = _children(master)
        with raw.cursor() as cursor:
            # The gunicorn workers' connections (made during the warm-up; kept, CONN_MAX_AGE).
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            django_pid = connection.connection.info.backend_pid if connection.connection else 0
            backends = [pid for (pid,) in cursor.fetchall() if pid != django_pid]
        raw_backend = raw.info.backend_pid
        before = (_cpu_seconds(workers), _cpu_seconds(backends), _cpu_seconds([raw_backend]))
        self._raw_cpu = 0.0
        measure()
        after = (_cpu_seconds(workers), _cpu_seconds(backends), _cpu_seconds([raw_backend]))
        return CpuUse(
            http_app=(after[0] - before[0]) / requests,
            http_db=(after[1] - before[1]) / requests,
            raw_client=self._raw_cpu / requests,
            raw_db=(after[2] - before[2]) / requests,
        )

    def _measure_latency(
        self,
        port: int,
        raw: psycopg.Connection,
        scenarios: list[Scenario],
        rounds: int,
        *,
        warm: bool,
    ) -> None:
        for _ in range(rounds):
            for scenario in scenarios:
                started = time.perf_counter()
                status, _ = _get(port, scenario.path)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise CommandError(f"{scenario.name}: HTTP {status}")
                started, cpu_started = time.perf_counter(), time.process_time()
                self._raw_fetch_and_encode(raw, scenario)
                raw_elapsed = time.perf_counter() - started
                self._raw_cpu += time.process_time() - cpu_started
                if not warm:
                    scenario.http.append(elapsed)
                    scenario.raw.append(raw_elapsed)

    def _measure_throughput(
        self, port: int, master: int, scenarios: list[Scenario], clients: int, duration: float
    ) -> Throughput:
        """Requests/s with the load generator in a child process, and who spent the CPU."""
        results: Any = multiprocessing.get_context("fork").Queue()
        paths = [scenario.path for scenario in scenarios]
        workers = _children(master) if os.path.isdir("/proc") else []
        backends = self._server_backends() if workers else []
        before = (_cpu_seconds(workers), _cpu_seconds(backends))
        loader = multiprocessing.get_context("fork").Process(
            target=_load_client, args=(port, paths, clients, duration, results)
        )
        loader.start()
        requests, errors, client_cpu, seconds = results.get(timeout=duration + 120)
        loader.join()
        after = (_cpu_seconds(workers), _cpu_seconds(backends))
        return Throughput(
            requests=requests,
            errors=errors,
            seconds=seconds,
            client_cpu=client_cpu,
            server_cpu=after[0] - before[0] if workers else None,
            db_cpu=after[1] - before[1] if workers else None,
        )

    def _server_backends(self) -> list[int]:
        """PostgreSQL backend pids of the gunicorn workers (their connections are kept)."""
        django_pid = connection.connection.info.backend_pid if connection.connection else 0
        with psycopg.connect(**self._psycopg_params()) as raw, raw.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            return [pid for (pid,) in cursor.fetchall() if pid != django_pid]

    # --- report ------------------------------------------------------------------------------

    _raw_cpu = 0.0

    def _report(
        self,
        scenarios: list[Scenario],
        throughput: Throughput,
        cpu: CpuUse | None,
        options: dict[str, Any],
    ) -> None:
        def verdict(ok: bool) -> str:
            return self.style.SUCCESS("met") if ok else self.style.ERROR("MISSED")

        self.stdout.write("")
        self.stdout.write(
            f"{'100-claim page':<22}{'HTTP median':>12}{'HTTP p90':>10}{'raw median':>12}"
            f"{'raw p90':>9}{'ratio':>7}  target <= 3x"
        )
        for s in scenarios:
            ratio = _median_ms(s.http) / _median_ms(s.raw)
            self.stdout.write(
                f"{s.name:<22}{_median_ms(s.http):>10.2f}ms{_p90_ms(s.http):>8.2f}ms"
                f"{_median_ms(s.raw):>10.2f}ms{_p90_ms(s.raw):>7.2f}ms{ratio:>6.2f}x  "
                f"{verdict(ratio <= 3)}"
            )
        first, deep = scenarios[0], scenarios[1]
        deep_ratio = _median_ms(deep.http) / _median_ms(first.http)
        self.stdout.write(
            f"deep / first page (HTTP medians): {deep_ratio:.2f}x  target about 1 (<= 1.5): "
            f"{verdict(deep_ratio <= 1.5)}"
        )
        t = throughput
        self.stdout.write(
            f"throughput: {t.rate:.0f} requests/s with {options['workers']} gunicorn workers, "
            f"{options['clients']} client threads in a separate process, {t.seconds:.0f} s, "
            f"{t.errors} errors; target >= 300: {verdict(t.rate >= 300 and t.errors == 0)}"
        )
        if t.requests:
            # Where the machine's CPU went meanwhile: on 2 cores the load generator takes its
            # share from the same cores as gunicorn and PostgreSQL.
            parts = [f"load generator {t.client_cpu / t.requests * 1000:.2f} ms"]
            if t.server_cpu is not None and t.db_cpu is not None:
                parts = [
                    f"gunicorn {t.server_cpu / t.requests * 1000:.2f} ms",
                    f"PostgreSQL {t.db_cpu / t.requests * 1000:.2f} ms",
                    *parts,
                ]
            busy = t.client_cpu + (t.server_cpu or 0) + (t.db_cpu or 0)
            self.stdout.write(
                f"  CPU per request during the throughput run: {', '.join(parts)}; together "
                f"{busy / t.seconds:.2f} of the machine's {os.cpu_count()} cores"
            )
        if cpu is not None:
            http = cpu.http_app + cpu.http_db
            raw_total = cpu.raw_client + cpu.raw_db
            self.stdout.write(
                f"CPU per page (mean of the three, not waiting for a CPU): HTTP "
                f"{http * 1000:.2f} ms (gunicorn {cpu.http_app * 1000:.2f} + PostgreSQL "
                f"{cpu.http_db * 1000:.2f}); raw {raw_total * 1000:.2f} ms (psycopg+orjson "
                f"{cpu.raw_client * 1000:.2f} + PostgreSQL {cpu.raw_db * 1000:.2f}); "
                f"ratio {http / raw_total:.2f}x"
            )
            self.stdout.write(
                f"requests/s that {options['workers']} dedicated cores would serve at that CPU "
                f"cost: {options['workers'] / http:.0f} (an estimate, not a measurement)"
            )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        self.stdout.write(
            f"(machine: {os.cpu_count()} CPUs shared by gunicorn, PostgreSQL, this client and "
            f"anything else running; 1-minute load average {load:.1f} at the end)"
        )
