"""Running the claim extractor over a stream of texts, in this process or in worker processes.

This lives beside the readers because it must import nothing from Django: worker processes are
*spawned* fresh, and a spawned worker imports the functions it runs. Spawned rather than forked,
because a forked child would share the parent's database connections and spaCy's thread pools.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from claims.extraction.types import ExtractedClaim

logger = logging.getLogger(__name__)

# The extractor shape everywhere in import: many texts in, one list of claims per text out, in
# order (claims.extraction.extract_claims_many). Batching is what makes spaCy fast.
Extractor = Callable[[Sequence[str]], Iterable[list[ExtractedClaim]]]

# Texts handed to the extractor at a time in this process (spaCy's nlp.pipe batch size), and to
# one worker process: smaller, so the last chunks of a run spread evenly over the workers.
CHUNK_SIZE = 16
WORKER_CHUNK_SIZE = 4
# A short but realistic paragraph: the model's lazily loaded tables are loaded by real prose.
_WARM_UP_TEXT = (
    "Police said 12 protesters were arrested in the capital on Friday, and the interior ministry "
    "said two officers were killed. “We will restore order,” President Anna Ivanova told "
    "reporters. The figures could not be independently verified.\n\n"
    "Some information for this report comes from Reuters."
)


@dataclass(frozen=True)
class ExtractionFailed:
    """Extraction raised on one text; that article fails, the run goes on."""

    message: str


Extracted = list[ExtractedClaim] | ExtractionFailed


def extract_chunk(extractor: Extractor, texts: list[str]) -> list[Extracted]:
    """Claims for each text; a text the extractor chokes on fails alone, not its whole batch."""
    try:
        results: list[Extracted] = [list(claims) for claims in extractor(texts)]
        if len(results) == len(texts):
            return results
        logger.warning("extractor returned %d results for %d texts", len(results), len(texts))
    except Exception:
        logger.warning("extraction failed on a batch; retrying its texts one by one", exc_info=True)
    results = []
    for text in texts:
        try:
            results.append(list(next(iter(extractor([text])))))
        except Exception as exc:
            results.append(
                ExtractionFailed(f"claim extraction failed: {type(exc).__name__}: {exc}")
            )
    return results


class ExtractionQueue:
    """Texts go in one at a time; claims come out in the same order, as soon as they are ready.

    The import puts each changed article's text in and, between puts, writes whatever articles
    have their claims, so writing never waits for the whole input and memory stays bounded. In
    this process, texts are extracted a chunk at a time (spaCy batches); with a pool, chunks go to
    the worker processes and a few are kept in flight per worker.
    """

    def __init__(self, extractor: Extractor, pool: ExtractionPool | None = None) -> None:
        self._extractor = extractor
        self._pool = pool
        self._chunk = WORKER_CHUNK_SIZE if pool is not None else CHUNK_SIZE
        self._buffer: list[str] = []
        self._in_flight: deque[Future[list[Extracted]]] = deque()
        self._ready: deque[Extracted] = deque()

    def put(self, text: str) -> None:
        self._buffer.append(text)
        if len(self._buffer) >= self._chunk:
            self._send()

    def ready(self) -> bool:
        """Whether the next result is available without waiting."""
        while self._in_flight and self._in_flight[0].done():
            self._ready.extend(self._in_flight.popleft().result())
        return bool(self._ready)

    def get(self) -> Extracted:
        """The next result in input order, waiting for it (and extracting a partial chunk)."""
        if not self._ready:
            if not self._in_flight:
                self._send()
            if self._in_flight:
                self._ready.extend(self._in_flight.popleft().result())
        return self._ready.popleft()

    def _send(self) -> None:
        chunk, self._buffer = self._buffer, []
        if not chunk:
            return
        if self._pool is None:
            self._ready.extend(extract_chunk(self._extractor, chunk))
            return
        self._in_flight.append(self._pool.submit(chunk))
        # Bounded look-ahead: enough queued work that no worker idles while this process writes.
        while len(self._in_flight) > 3 * self._pool.workers:
            self._ready.extend(self._in_flight.popleft().result())


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the importing process dies, even by kill -9.

    A clean exit shuts the pool down; a killed parent runs no clean-up at all, and its workers
    would live on as orphans holding a spaCy model (about 200 MB each). Linux only.
    """
    if sys.platform != "linux":
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before we asked to be told
        os._exit(1)


def _worker_init(
    extractor: Extractor, ready: multiprocessing.SimpleQueue, parent_pid: int | None = None
) -> None:
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    # Load the model now rather than on the first real chunk, and say so, so a caller that times
    # only the extraction can wait for every worker (ExtractionPool.wait_ready).
    extractor([_WARM_UP_TEXT])
    ready.put(True)


def _ping() -> None:
    return None


class ExtractionPool:
    """N worker processes running the extractor on chunks of texts (see ExtractionQueue).

    A worker that dies (out of memory, a crash in the model) raises BrokenProcessPool in the
    caller instead of hanging the run.
    """

    def __init__(self, workers: int, extractor: Extractor) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self._extractor = extractor
        self._ready = context.SimpleQueue()
        self._pool = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_worker_init,
            initargs=(extractor, self._ready, os.getpid()),
        )

    def wait_ready(self) -> None:
        """Start every worker and block until each has loaded its model."""
        for future in [self._pool.submit(_ping) for _ in range(self.workers)]:
            future.result()
        for _ in range(self.workers):
            self._ready.get()

    def submit(self, texts: list[str]) -> Future[list[Extracted]]:
        return self._pool.submit(extract_chunk, self._extractor, texts)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
