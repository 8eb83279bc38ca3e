"""Jobs on QThreads: an analysis keeps BLAS at one thread while another job's hold comes and goes."""

import threading

import numpy as np

from syncsheet.analysis import analyze_samples
from syncsheet.analysis._threads import one_blas_thread
from ui.jobs import Job, JobRunner


def test_an_analysis_keeps_one_blas_thread_when_another_jobs_hold_ends(qtbot, blas_threads_seen):
    # OpenBLAS's limit is the process's, and threadpoolctl lets a thread set it only while no other
    # thread holds one: an analysis started while another held the limit had its own hold ignored,
    # and ran on with BLAS's spinning threads once the other's ended
    runner = JobRunner()
    holding, started, let_go, done = (threading.Event() for _ in range(4))

    def first(progress):  # holds the limit until the analysis has started, then lets it go
        with one_blas_thread():
            holding.set()
            started.wait(30)
        let_go.set()
        done.wait(30)

    def analysis(progress):
        def report(fraction, stage):
            if stage != "spectrum" and not started.is_set():  # the detectors' hold is taken by now
                started.set()
                let_go.wait(30)
            progress(fraction, stage)

        try:
            return analyze_samples(y, 22050, progress=report)
        finally:
            done.set()

    t = np.arange(8 * 22050) / 22050
    y = (0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0)).astype(np.float32)
    runner.start(Job("first", first))
    assert holding.wait(10)
    runner.start(Job("analysis", analysis))
    qtbot.waitUntil(lambda: not runner.busy, timeout=60_000)
    assert let_go.is_set() and blas_threads_seen and all(s <= {1} for s in blas_threads_seen)
