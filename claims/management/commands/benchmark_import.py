"""benchmark_import: how fast extraction and import run, measured against bare spaCy in one run.

It exists because speed claims need numbers measured on the same machine at the same time:
bare `nlp.pipe` is the floor nothing can beat, so extraction and import are reported as ratios of
it, and `--workers` as a speed-up over one process. Timed unit tests would be flaky; this prints
medians over repeats instead. Every database it writes is a throwaway one it creates itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Targets from the extraction issue (item 8).
TARGET_EXTRACTION = 0.85
TARGET_IMPORT = 0.70
TARGET_SPEEDUP = 1.7
TARGET_MEMORY_MB = 1024

_SEED = "000_cefef65e9a757100.txt"
_NUMBER = re.compile(r"\b\d[\d,]*\b")
_PLACES = ["Almaty", "Karsk", "Velmar", "Nur-Sultan", "Aktobe", "Shymkent", "Taraz", "Atyrau"]
_WORDS_PER_ARTICLE = 600


def make_corpus(count: int, *, seed_text: str) -> list[dict[str, str]]:
    """`count` distinct news articles of about 600 words, varied from the seed article.

    Paragraphs are shuffled, numbers and places changed, so every article is new to the database
    and the parser sees realistic, not identical, text.
    """
    lines = seed_text.split("\n")
    paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
    corpus = []
    for i in range(count):
        rng = random.Random(i)
        order = paragraphs[:]
        rng.shuffle(order)
        picked: list[str] = []
        words = 0
        for paragraph in order:
            if words >= _WORDS_PER_ARTICLE:
                break
            place = rng.choice(_PLACES)
            text = _NUMBER.sub(lambda m, r=rng: _vary(m.group(), r), paragraph)
            text = text.replace("Almaty", place)
            picked.append(text)
            words += len(text.split())
        corpus.append(
            {
                "title": f"Unrest in {rng.choice(_PLACES)}: report {i + 1}",
                "url": f"https://bench.example.org/articles/{i + 1}",
                "outlet": "Benchmark Wire",
                "published": f"2022-01-{1 + i % 28:02d}",
                "body": "\n\n".join(picked),
            }
        )
    return corpus


def _vary(number: str, rng: random.Random) -> str:
    value = int(number.replace(",", ""))
    if 1900 <= value <= 2100:  # keep years years
        return number
    return f"{max(1, int(value * rng.uniform(0.5, 1.5))):,}"


class Command(BaseCommand):
    help = (
        "Benchmark bare spaCy, claim extraction and article import (SQLite and PostgreSQL, one "
        "process and --workers N) over a generated corpus of ~600-word articles, and the peak "
        "memory of a 1,000-article import. Prints medians and ratios measured in one run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=200, help="corpus size (default 200)")
        parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
        parser.add_argument("--workers", type=int, default=2, help="processes for the speed-up")
        parser.add_argument(
            "--memory-articles",
            type=int,
            default=1000,
            help="articles in the import whose peak memory is measured (0 to skip)",
        )
        parser.add_argument(
            "--database-url",
            default=os.environ.get(
                "BENCHMARK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimdesk_benchmark"
            ),
            help="PostgreSQL database to create, use and drop (default: claimdesk_benchmark on "
            "127.0.0.1, or $BENCHMARK_DATABASE_URL); 'none' to skip PostgreSQL",
        )
        # Internal: the import measurement runs in a child process against a throwaway database.
        parser.add_argument("--child", help=argparse.SUPPRESS)

    def handle(self, *args: object, **options: object) -> None:
        self.verbosity = int(options["verbosity"])  # type: ignore[call-overload]
        if options["child"]:
            self._child(
                Path(str(options["child"])),
                workers=int(options["workers"]),  # type: ignore[call-overload]
                repeats=int(options["repeats"]),  # type: ignore[call-overload]
            )
            return
        articles = int(options["articles"])  # type: ignore[call-overload]
        repeats = int(options["repeats"])  # type: ignore[call-overload]
        workers = int(options["workers"])  # type: ignore[call-overload]
        memory_articles = int(options["memory_articles"])  # type: ignore[call-overload]
        if articles < 1 or repeats < 1 or workers < 2:
            raise CommandError("--articles and --repeats must be at least 1, --workers at least 2.")
        pg_url = str(options["database_url"])
        tmp = Path(tempfile.mkdtemp(prefix="claimdesk-benchmark-"))
        try:
            self._run(tmp, articles, repeats, workers, memory_articles, pg_url)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # --- the parent: corpus, then one child process per database ------------------------------

    def _run(
        self, tmp: Path, articles: int, repeats: int, workers: int, memory_articles: int, pg: str
    ) -> None:
        seed_text = (settings.BASE_DIR / "seeds" / _SEED).read_text(encoding="utf-8")
        corpus = make_corpus(articles, seed_text=seed_text)
        words = sum(len(a["body"].split()) for a in corpus)
        corpus_path = tmp / "corpus.jsonl"
        _write_jsonl(corpus_path, corpus)
        self.stdout.write(
            f"Corpus: {articles} articles, {words / articles:.0f} words each on average "
            f"({words:,} words). {repeats} repeats, medians. {os.cpu_count()} CPU cores."
        )
        self.stdout.write(
            "Each database is measured in its own process; within it bare spaCy, extraction and "
            "import take turns in every repeat, so a busy machine slows all of them alike. "
            f"Load average at start: {os.getloadavg()[0]:.1f}."
        )

        # SQLite exactly as configured by default (settings), in a throwaway data folder.
        sqlite = self._child_run(
            corpus_path, {"CLAIMDESK_DATA_DIR": str(tmp / "sqlite")}, workers, repeats
        )
        runs = [("SQLite", sqlite)]
        if pg.lower() != "none":
            with _throwaway_postgres(pg) as url:
                runs.append(
                    (
                        "PostgreSQL",
                        self._child_run(corpus_path, {"DATABASE_URL": url}, workers, repeats),
                    )
                )

        self.stdout.write("")
        self.stdout.write(
            f"{'seconds (median)':>58} {'articles/s':>11} {'words/s':>9} {'vs bare':>8}"
        )
        for database, run in runs:
            bare = run["bare"]
            rows = [
                ("bare spaCy nlp.pipe", bare, ""),
                ("extraction (extract_claims_many)", run["extraction"], TARGET_EXTRACTION),
                ("import, 1 process", run["import_1"], TARGET_IMPORT),
                (f"import, --workers {workers}", run[f"import_{workers}"], ""),
            ]
            for label, seconds, target in rows:
                verdict = _check(bare / seconds, target) if target else ""
                self.stdout.write(
                    f"{database + ': ' + label:48} {seconds:9.2f} {articles / seconds:11.1f} "
                    f"{words / seconds:9,.0f} {bare / seconds:8.2f}  {verdict}"
                )
            speedup = run["import_1"] / run[f"import_{workers}"]
            self.stdout.write(
                f"{database + f': --workers {workers} speed-up over 1 process':48} "
                f"{speedup:9.2f}x  " + _check(speedup, TARGET_SPEEDUP, unit="x")
            )
            self.stdout.write(
                f"{'':48} (CPU cores the import got: {run['cores_import_1']:.2f} in 1 process, "
                f"{run[f'cores_import_{workers}']:.2f} with --workers {workers}; bare spaCy got "
                f"{run['cores_bare']:.2f})"
            )
            self.stdout.write(f"{'':48} ({run['claims_per_article']:.1f} claims per article)")
        if memory_articles:
            self._memory(tmp, memory_articles, seed_text, workers)
        self.stdout.write(f"Load average at the end: {os.getloadavg()[0]:.1f}.")

    def _child_run(
        self, corpus: Path, env: dict[str, str], workers: int, repeats: int
    ) -> dict[str, float]:
        if self.verbosity >= 2:
            self.stderr.write(f"measuring with {env} ...")
        result = _manage(
            "benchmark_import",
            "--child",
            str(corpus),
            "--workers",
            str(workers),
            "--repeats",
            str(repeats),
            env=env,
        )
        if result.returncode != 0:
            raise CommandError(f"The benchmark child failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def _memory(self, tmp: Path, count: int, seed_text: str, workers: int) -> None:
        corpus_path = tmp / "memory.jsonl"
        _write_jsonl(corpus_path, make_corpus(count, seed_text=seed_text))
        for n in sorted({1, workers}):
            self._memory_run(tmp / f"memory-{n}", corpus_path, count, n)

    def _memory_run(self, data_dir: Path, corpus_path: Path, count: int, workers: int) -> None:
        env = {"CLAIMDESK_DATA_DIR": str(data_dir)}
        migrated = _manage("migrate", "-v0", env=env)
        if migrated.returncode != 0:
            raise CommandError(migrated.stderr)
        # The real command, as an editor runs it. wait4 gives the main process's exact peak
        # (the kernel's high-water mark); the whole tree (with extraction workers) is sampled.
        started = time.perf_counter()
        errors = data_dir / "stderr.txt"
        with errors.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "import_articles",
                    str(corpus_path),
                    "-v0",
                    "--workers",
                    str(workers),
                ],
                cwd=settings.BASE_DIR,
                env=_env(env),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            tree_peak = 0
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                tree_peak = max(tree_peak, _tree_rss_kb(process.pid))
                time.sleep(0.2)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise CommandError(f"The {count}-article import failed: {errors.read_text()[-2000:]}")
        main_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
        tree_mb = max(tree_peak / 1024, main_mb)
        processes = "1 process" if workers == 1 else f"--workers {workers}"
        self.stdout.write(
            f"\nPeak memory of `import_articles` over {count:,} articles ({processes}): "
            f"{tree_mb:,.0f} MB in all (main process {main_mb:,.0f} MB)  "
            + _check(TARGET_MEMORY_MB / tree_mb, 1.0, shown=f"target < {TARGET_MEMORY_MB} MB")
            + f"\n  ({elapsed:.0f} s end to end including start-up, {count / elapsed:.1f} articles/s)"
        )

    # --- the child: every measurement for one database, interleaved --------------------------

    def _child(self, corpus: Path, *, workers: int, repeats: int) -> None:
        import spacy

        from claims.extraction import extract_claims_many
        from claims.extraction.model import MODEL_NAME
        from claims.importers import read_paths
        from claims.models import Actor, Article, Claim, Figure, Outlet
        from claims.services.imports import ExtractionPool, articles_import

        call_command("migrate", verbosity=0)
        texts = [
            json.loads(line)["body"] for line in corpus.read_text(encoding="utf-8").splitlines()
        ]
        limit = settings.CLAIMDESK_MAX_IMPORT_BYTES

        def wipe() -> None:
            for model in (Claim, Figure, Article, Actor, Outlet):
                model.objects.all().delete()

        def run_import(pool: ExtractionPool | None) -> None:
            results = articles_import(read_paths([str(corpus)], max_bytes=limit), pool=pool)
            failed = [r for r in results if r.failed]
            if failed:
                raise CommandError(f"{len(failed)} articles failed: {failed[0].error}")

        # Warm up everything that loads once per process (models, the figure service's data),
        # as a long-running import would have: the measurements are of steady-state throughput.
        bare_nlp = spacy.load(MODEL_NAME)
        _consume(bare_nlp.pipe(texts[:2]))
        _consume(extract_claims_many(texts[:2]))
        warm_up = list(read_paths([str(corpus)], max_bytes=limit))[:2]
        _consume(articles_import(warm_up))
        claims_per_article = Claim.objects.count() / len(warm_up)
        pool = ExtractionPool(workers, extract_claims_many) if workers > 1 else None
        if pool is not None:
            pool.wait_ready()

        steps: dict[str, Callable[[], object]] = {
            "bare": lambda: _consume(bare_nlp.pipe(texts, batch_size=16)),
            "extraction": lambda: _consume(extract_claims_many(texts)),
            "import_1": lambda: run_import(None),
        }
        if pool is not None:
            steps[f"import_{workers}"] = lambda: run_import(pool)
        times: dict[str, list[float]] = {name: [] for name in steps}
        cores: dict[str, list[float]] = {name: [] for name in steps}
        names = list(steps)
        try:
            for repeat in range(repeats):
                # Rotate the order so no step always runs first (or right after another).
                for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
                    wipe()
                    started, cpu = time.perf_counter(), _cpu_seconds()
                    steps[name]()
                    elapsed = time.perf_counter() - started
                    times[name].append(elapsed)
                    cores[name].append((_cpu_seconds() - cpu) / elapsed)
        finally:
            if pool is not None:
                pool.close()
        result: dict[str, float] = {name: statistics.median(t) for name, t in times.items()}
        result.update({f"cores_{name}": statistics.median(c) for name, c in cores.items()})
        result["claims_per_article"] = claims_per_article
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(json.dumps(result))


def _cpu_seconds() -> float:
    """CPU time used so far by this process and its live children (the extraction workers).

    Dividing by wall time gives the cores a step actually got: on a shared machine a parallel
    run can only be as fast as the CPU the others leave it.
    """
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and its children, in kilobytes, from /proc."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(entry) == root or fields.get("PPid", "").strip() == str(root):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


def _consume(iterable: object) -> None:
    for _ in iterable:  # type: ignore[attr-defined]
        pass


def _check(value: float, target: float, *, unit: str = "", shown: str = "") -> str:
    label = shown or f"target >= {target}{unit}"
    if value >= target:
        return f"[{label}: met]"
    return f"[{label}: MISSED by {(target - value) / target:.0%}]"


def _write_jsonl(path: Path, corpus: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for article in corpus:
            handle.write(json.dumps(article) + "\n")


def _env(extra: dict[str, str]) -> dict[str, str]:
    # The children use only the throwaway database named in `extra`, never the real one.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CLAIMDESK_DATA_DIR"}}
    env.setdefault("DEBUG", "1")
    env.update(extra)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=_env(env),
        capture_output=True,
        text=True,
    )


@contextmanager
def _throwaway_postgres(url: str) -> Iterator[str]:
    """CREATE a dedicated database for the benchmark, and DROP it afterwards."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise CommandError(f"--database-url needs a plain database name, not {name!r}")
    admin_url = urlunsplit(parts._replace(path="/postgres"))

    def admin(sql: str) -> None:
        import psycopg

        try:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql)
        except psycopg.OperationalError as exc:
            raise CommandError(
                f"Cannot reach PostgreSQL at {admin_url} ({exc}). "
                "Pass --database-url, or --database-url none to skip PostgreSQL."
            ) from exc

    admin(f'DROP DATABASE IF EXISTS "{name}"')
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}"')
