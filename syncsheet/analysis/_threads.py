"""The analysis's second thread, and BLAS held to one thread while it works.

numpy's loops and its FFT release the GIL, so a block's spectral features computed on a second
thread run beside the decoding, resampling, windowing and FFT of the next block, the detectors
that need neither the beats nor the bars run beside those that do, and half of each network's blocks
or members beside the other half. OpenBLAS's own threads
do not help there: after each small matrix product they spin, waiting for the next, on the core the
second thread needs (two threads computing features ran 1.8 times as fast as one with BLAS held to
one thread, 1.1 times with its default two), and held to one thread the analysis of a song was as
fast as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from threading import Event
from typing import TypeVar

from threadpoolctl import threadpool_limits

from ..errors import Cancelled

__all__ = ["InOrder", "Submit", "one_blas_thread"]

T = TypeVar("T")
#: What runs a job on the second thread and returns its future (:meth:`InOrder.submit`).
Submit = Callable[..., Future]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Hold the BLAS libraries numpy uses to one thread inside the block (restored after it).

    The limit is the process's, and threadpoolctl lets a thread set it only while no other thread
    holds it: analyses run at once on several threads of one process share the first one's hold,
    and run on without it once it ends. A program that runs them so holds the limit itself, from
    one thread, for its life, as the timeline app does (``ui/jobs.py``).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


class InOrder:
    """Jobs run one after another on one background thread, in the order given.

    At most *depth* jobs wait or run at once: :meth:`submit` waits for the oldest beyond that, so
    the memory held stays a few blocks' whatever the length of the stream. An error raised by a job
    is raised again by the :meth:`submit` or :meth:`wait` that collects it. A long job given
    :meth:`check` as its progress callback stops within a block of its own once the jobs are
    closed: a cancel on the calling thread does not wait for the rest of a reel's pass.
    """

    def __init__(self, depth: int = 2) -> None:
        self._depth = max(1, depth)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self._closing = Event()

    def submit(self, fn: Callable[..., T], *args: object, **kwargs: object) -> Future[T]:
        """Queue ``fn(*args, **kwargs)`` after the jobs already given; its future holds what it
        returns."""
        while len(self._pending) >= self._depth:
            self._pending.popleft().result()
        if self._pool is None:  # started on the first job: a short file's pass may never need it
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="syncsheet-analysis")
        job = self._pool.submit(fn, *args, **kwargs)
        self._pending.append(job)
        return job

    def wait(self) -> None:
        """Wait until every job given has run; raise the first error among them."""
        while self._pending:
            self._pending.popleft().result()

    def __enter__(self) -> InOrder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(self, fraction: float = 0.0, stage: str = "") -> None:
        """A progress callback for a job on the thread: raises :class:`~syncsheet.errors.Cancelled`
        once :meth:`close` has begun (nothing is left to want the job's result)."""
        if self._closing.is_set():
            raise Cancelled("the analysis was stopped")

    def close(self) -> None:
        """Drop the jobs not started, stop the running one at its next :meth:`check`, wait for it,
        and stop the thread."""
        self._closing.set()
        for job in self._pending:
            job.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._closing.clear()  # a job given after this starts a thread anew
