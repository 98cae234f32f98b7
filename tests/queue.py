"""A real job queue for tests: the machine's Redis as broker and worker processes started here.

Each test gets a queue of its own (a fresh name), so runs in parallel and leftovers from earlier
runs never meet. Without Redis the tests are skipped on a laptop and fail in CI (CI=true), where
.ci/run starts redis-server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.db import connection

REDIS_URL = os.environ.get("CLAIMDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parent.parent


def redis_or_skip() -> str:
    parts = urlsplit(REDIS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        message = f"no Redis at {REDIS_URL} (set CLAIMDESK_TEST_REDIS_URL, or start redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


def database_env() -> dict[str, str]:
    """Environment that points a worker process at the tests' own database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"CLAIMDESK_SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return {"DATABASE_URL": f"postgres://{user}{password}@{host}/{db['NAME']}"}


class Worker:
    """`celery -A project worker` in its own process group, so a test can kill -9 all of it."""

    def __init__(self, queue: str, *, lease_seconds: int = 30, name: str = "w") -> None:
        env = {
            **os.environ,
            "DEBUG": "1",
            "CELERY_BROKER_URL": REDIS_URL,
            "CLAIMDESK_QUEUE": queue,
            "CLAIMDESK_FETCH_ALLOW_PRIVATE": "1",
            "CLAIMDESK_FETCH_TIMEOUT": "10",
            "CLAIMDESK_JOB_LEASE_SECONDS": str(lease_seconds),
            **database_env(),
        }
        self.log: list[str] = []
        self._ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "project",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--queues",
                queue,
                "--hostname",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.append(line)
            if " ready." in line:
                self._ready.set()

    def wait_ready(self, timeout: float = 60) -> Worker:
        if not self._ready.wait(timeout):
            self.kill()
            raise AssertionError("worker did not start:\n" + "".join(self.log[-40:]))
        return self

    def kill(self) -> None:
        """kill -9 the worker and its pool processes, as a machine that dies would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(predicate, *, timeout: float = 60, every: float = 0.2, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def use_broker(app, queue: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Point this process's Celery app at Redis and `queue`; returns what to restore."""
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue)
    _reset_connections(app)
    return saved


def restore_broker(app, saved: dict[str, object], queue: str) -> None:  # type: ignore[no-untyped-def]
    # RabbitMQ refuses to delete a queue nobody declared; that is fine.
    with app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_delete(queue)
    app.conf.update(saved)
    _reset_connections(app)


def _reset_connections(app) -> None:  # type: ignore[no-untyped-def]
    # Producer connections are pooled per app; drop them so the next send uses the new broker.
    # (Dropped, not closed: a pool closed under a producer still holding it refuses to lend.)
    app._pool = None
    app.amqp._producer_pool = None
