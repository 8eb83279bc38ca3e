import threading
import time

import numpy as np
import pytest
from analysis_synth import beat_times, music
from threadpoolctl import threadpool_info, threadpool_limits

from syncsheet.analysis import analyze_samples
from syncsheet.analysis import features as feat
from syncsheet.analysis._threads import InOrder, one_blas_thread
from syncsheet.errors import Cancelled


def _analysis_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("syncsheet-analysis")]


def test_jobs_run_in_the_order_given_and_return_their_results():
    done = []

    def job(i):
        time.sleep(0.01 * (3 - i % 3))  # the later jobs are the quicker: order is not left to chance
        done.append(i)
        return i * i

    with InOrder(depth=2) as later:
        futures = [later.submit(job, i) for i in range(6)]
        later.wait()
    assert done == list(range(6))
    assert [f.result() for f in futures] == [i * i for i in range(6)]
    assert not _analysis_threads()


def test_no_more_than_depth_jobs_wait():
    running = threading.Event()
    waiting = []

    def job():
        running.wait()

    with InOrder(depth=2) as later:
        later.submit(job)
        later.submit(job)
        t = threading.Thread(target=lambda: waiting.append(later.submit(job)))
        t.start()
        t.join(0.2)
        assert t.is_alive()  # the third waits for the first to finish
        running.set()
        t.join(5)
        assert waiting


def test_a_jobs_error_is_raised_where_it_is_collected():
    def bad():
        raise ValueError("broken block")

    with InOrder() as later:
        later.submit(bad)
        with pytest.raises(ValueError, match="broken block"):
            later.wait()


def test_blas_is_held_to_one_thread_and_given_back():
    def threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = threads()
    with one_blas_thread():
        assert all(n == 1 for n in threads())
    assert threads() == before


def _tone(sr=22050, seconds=6.0):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * 330 * t) * (1 + np.sign(np.sin(2 * np.pi * 2 * t))) / 2
    return y.astype(np.float32)


def test_the_spectral_features_are_those_of_one_thread(monkeypatch):
    # the second thread only moves where each block's features are computed, never what they are
    y = _tone()
    blocks = [y[i : i + 4000] for i in range(0, len(y), 4000)]
    threaded = feat.extract(blocks, 22050, len(y))

    class Now(InOrder):
        def submit(self, fn, *args):
            fn(*args)

    monkeypatch.setattr(feat, "InOrder", Now)
    alone = feat.extract(blocks, 22050, len(y))
    for name in ("flux", "energy", "bands", "chroma", "fine", "onset", "onset_strong", "onset_high", "floor"):
        assert np.array_equal(getattr(threaded, name), getattr(alone, name)), name


def test_an_error_in_the_second_thread_stops_the_pass(monkeypatch):
    def broken(self, mag):
        raise MemoryError("no room for the block")

    monkeypatch.setattr(feat._Analyser, "_spectra", broken)
    y = _tone(seconds=60.0)  # long enough for the blocks to go to the thread before the end
    with pytest.raises(MemoryError, match="no room"):
        feat.extract([y[i : i + 22050] for i in range(0, len(y), 22050)], 22050, len(y))
    assert not _analysis_threads()


def test_a_cancel_mid_stream_leaves_no_thread_behind():
    y = _tone(seconds=120.0)

    def progress(fraction, stage):
        if fraction > 0.6:
            raise Cancelled()

    with pytest.raises(Cancelled):
        feat.extract([y[i : i + 22050] for i in range(0, len(y), 22050)], 22050, len(y), progress=progress)
    assert not _analysis_threads()


def test_a_job_that_checks_stops_when_the_jobs_close():
    # a cancel unwinds through close(): a reel-long job on the thread must not hold it for seconds
    started = threading.Event()
    steps = []

    def long_job(check):
        started.set()
        for i in range(400):  # 20 s if nothing stopped it
            check(i / 400, "cues")
            steps.append(i)
            time.sleep(0.05)

    later = InOrder()
    job = later.submit(long_job, later.check)
    started.wait(5)
    t = time.monotonic()
    later.close()
    assert time.monotonic() - t < 2.0 and len(steps) < 100
    with pytest.raises(Cancelled):
        job.result()
    # closed is not spent: the next job given runs to its end
    with InOrder() as again:
        assert again.submit(lambda check: check(1.0, "x") or 7, again.check).result() == 7
    assert not _analysis_threads()


def test_every_product_of_the_analysis_sees_one_blas_thread(blas_threads_seen):
    # a product's rounding may depend on BLAS's thread count: the same file must give the same
    # sheet on a laptop, a render node and a Dask worker (which starts with one thread)
    y = music(beat_times(120, 8.0), 8.0, 22050)
    with threadpool_limits(limits=2, user_api="blas"):
        analyze_samples(y, 22050)
    assert blas_threads_seen and all(s <= {1} for s in blas_threads_seen)
