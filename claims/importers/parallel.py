"""Running the claim extractor over a stream of texts, in this process or in worker processes.

This lives beside the readers because it must import nothing from Django: worker processes are
*spawned* fresh, and a spawned worker imports the functions it runs. Spawned rather than forked,
because a forked child would share the parent's database connections and spaCy's thread pools.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

from claims.extraction.types import ExtractedClaim

logger = logging.getLogger(__name__)

# The extractor shape everywhere in import: many texts in, one list of claims per text out, in
# order (claims.extraction.extract_claims_many). Batching is what makes spaCy fast.
Extractor = Callable[[Sequence[str]], Iterable[list[ExtractedClaim]]]

# Texts handed to the extractor at a time in this process (spaCy's nlp.pipe batch size), and to
# one worker process: smaller, so the last chunks of a run spread evenly over the workers.
CHUNK_SIZE = 16
WORKER_CHUNK_SIZE = 4
_WARM_UP_TEXT = "Police said two people were killed on Friday."


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


def extract_serially(extractor: Extractor, texts: Iterator[str]) -> Iterator[Extracted]:
    while chunk := list(islice(texts, CHUNK_SIZE)):
        yield from extract_chunk(extractor, chunk)


def _worker_init(extractor: Extractor, ready: multiprocessing.SimpleQueue) -> None:
    # Load the model now rather than on the first real chunk, and say so, so a caller that times
    # only the extraction can wait for every worker (ExtractionPool.wait_ready).
    extractor([_WARM_UP_TEXT])
    ready.put(True)


def _ping() -> None:
    return None


class ExtractionPool:
    """N worker processes running the extractor on chunks of texts; results in input order.

    A worker that dies (out of memory, a crash in the model) raises BrokenProcessPool in the
    caller instead of hanging the run.
    """

    def __init__(self, workers: int, extractor: Extractor) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self._extractor = extractor
        self._ready = context.SimpleQueue()
        self._pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_init, initargs=(extractor, self._ready)
        )

    def wait_ready(self) -> None:
        """Start every worker and block until each has loaded its model."""
        for future in [self._pool.submit(_ping) for _ in range(self.workers)]:
            future.result()
        for _ in range(self.workers):
            self._ready.get()

    def extract(self, texts: Iterator[str]) -> Iterator[Extracted]:
        # A few chunks in flight per worker: each has its next chunk queued while the caller
        # writes, and memory stays bounded however long the input is.
        window: deque[Future[list[Extracted]]] = deque()
        while chunk := list(islice(texts, WORKER_CHUNK_SIZE)):
            window.append(self._pool.submit(extract_chunk, self._extractor, chunk))
            if len(window) >= 3 * self.workers:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
