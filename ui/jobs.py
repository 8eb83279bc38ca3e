"""Background jobs: a core function with a progress callback, run on a QThread.

The core reports progress through ``progress(fraction, stage)``; the job turns that into a Qt
signal and, when the user cancels, raises :class:`~syncsheet.errors.Cancelled` from inside the
callback, which is how every long core job is stopped cleanly. Results come back to the GUI
thread through queued signals, so the window never waits on a job.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QThread, pyqtSignal, pyqtSlot
from threadpoolctl import threadpool_limits

from syncsheet.errors import Cancelled, SyncsheetError

__all__ = ["Job", "JobRunner"]


class Job(QObject):
    """``fn(progress) -> result`` run once on a worker thread.

    Signals
    -------
    progressed(fraction, stage), succeeded(result), failed(message), cancelled(), done()
    """

    progressed = pyqtSignal(float, str)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()
    done = pyqtSignal()

    def __init__(self, name: str, fn: Callable[[Callable[[float, str], None]], Any]) -> None:
        super().__init__()
        self.name = name
        self.fn = fn
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, fraction: float, stage: str) -> None:
        if self._cancel.is_set():
            raise Cancelled(f"{self.name} cancelled")
        self.progressed.emit(float(fraction), stage)

    @pyqtSlot()
    def run(self) -> None:
        try:
            if self._cancel.is_set():
                raise Cancelled(f"{self.name} cancelled")
            result = self.fn(self._progress)
        except Cancelled:
            self.cancelled.emit()
        except SyncsheetError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit(f"{self.name}: out of memory")
        except Exception as exc:  # a bug, not a user error: keep the window alive and say so
            traceback.print_exc()
            self.failed.emit(f"{self.name} failed unexpectedly: {type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(result)
        finally:
            self.done.emit()


class JobRunner(QObject):
    """Starts jobs on their own threads and keeps them alive until they finish."""

    busyChanged = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[Job, QThread] = {}
        # The analysis holds BLAS to one thread while it runs its own second one, but OpenBLAS's
        # limit is the process's, and threadpoolctl lets a thread set it only while no other
        # thread holds it: an analysis started during another job's hold ran on with BLAS's
        # spinning threads once that hold ended, and its own end then left the limit at one.
        # Held here, from the GUI thread, for the app's life: the app has no use for them.
        threadpool_limits(limits=1, user_api="blas")

    def start(self, job: Job) -> Job:
        thread = QThread()
        job.moveToThread(thread)
        thread.started.connect(job.run)
        job.done.connect(thread.quit)
        thread.finished.connect(self._reap)
        self._running[job] = thread
        thread.start()
        if len(self._running) == 1:
            self.busyChanged.emit(True)
        return job

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def jobs(self) -> list[Job]:
        return list(self._running)

    @pyqtSlot()
    def _reap(self) -> None:
        for job, thread in list(self._running.items()):
            if thread.isFinished():
                del self._running[job]
                thread.deleteLater()
        if not self._running:
            self.busyChanged.emit(False)

    def cancel_all(self, wait_ms: int = 10000) -> None:
        """Cancel every job and wait for their threads (on close)."""
        for job in list(self._running):
            job.cancel()
        for thread in list(self._running.values()):
            thread.quit()
            thread.wait(wait_ms)
        self._reap()
