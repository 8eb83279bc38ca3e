"""Batch analysis: many audio files, in parallel on this machine or on a Dask cluster.

A batch turns audio files into sheets and exports in one output folder:

* :func:`plan` finds the audio (files, or folders searched recursively), names each file's
  outputs (a folder's layout is mirrored under the output folder), and skips what is up to date:
  a manifest in the output folder (:data:`MANIFEST`) remembers, for each file, the SHA-256 of
  the audio and a key of the settings it was analysed with.
* :func:`execute` runs :func:`run_job` for the rest: in this process (``workers=1``), in a pool
  of worker processes that are reused from file to file (starting an interpreter and importing
  numpy and reportlab takes a while), or on a Dask distributed cluster (``scheduler="tcp://host:port"``, see
  :mod:`syncsheet.cluster`). A bad file never
  stops the batch: its :class:`JobResult` says what went wrong and the others go on.

The same :func:`run_job` runs everywhere, so a cluster writes the same bytes as one machine.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, audio, exporters
from .analysis import AnalysisSettings, analyze
from .errors import OutputError, SyncsheetError, UnknownFormatError
from .fileio import atomic_write_bytes
from .model import Analysis
from .progress import Progress
from .sheet import ExposureSheet, SheetOptions, check_timecode_room, with_audio_start
from .timebase import FrameRate

__all__ = [
    "MANIFEST",
    "Recipe",
    "Job",
    "JobResult",
    "Plan",
    "Manifest",
    "plan",
    "run_job",
    "execute",
    "file_sha256",
]

#: The manifest's file name in the output folder (hidden: it is bookkeeping, not an output).
MANIFEST = ".syncsheet-batch.json"
_MANIFEST_FORMAT = "syncsheet.batch"
_MANIFEST_VERSION = 1
#: Least time between two manifest saves while a batch runs (it is also saved at the end).
_SAVE_EVERY = 1.0
#: Least time between two progress messages from one worker process.
_PROGRESS_EVERY = 0.2


@dataclass(frozen=True)
class Recipe:
    """How every file of a batch is analysed and written.

    Attributes
    ----------
    fps : FrameRate
    settings : AnalysisSettings
    sheet_options : SheetOptions
    formats : tuple of str
        Format names (see :func:`syncsheet.exporters.names`).
    format_options : tuple of (str, dict)
        Options for a format's ``write``, by format name.
    """

    fps: FrameRate
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    sheet_options: SheetOptions = field(default_factory=SheetOptions)
    formats: tuple[str, ...] = ("json",)
    format_options: tuple[tuple[str, dict], ...] = ()

    def __post_init__(self) -> None:
        if not self.formats:
            raise UnknownFormatError(f"no output format chosen; known formats: {', '.join(exporters.names())}")
        for name in self.formats:
            exporters.get(name)  # UnknownFormatError naming the known ones
        # Check the sheet options against the rate now (a start timecode at 30 fps can be
        # impossible at 24), so a bad flag is one error before the batch, not one per file.
        ExposureSheet(Analysis(0.0), self.fps, self.sheet_options)

    def options_for(self, name: str) -> dict:
        return dict(self.format_options).get(name, {})

    def key(self) -> str:
        """A digest of everything that shapes the outputs, this syncsheet's version included."""
        doc = {
            "syncsheet": __version__,
            "fps": self.fps.name,
            "settings": self.settings.to_dict(),
            "sheet": asdict(self.sheet_options),
            "formats": list(self.formats),
            "options": {name: self.options_for(name) for name in self.formats},
        }
        text = json.dumps(doc, sort_keys=True, default=str, ensure_ascii=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Job:
    """One audio file of a batch.

    Attributes
    ----------
    audio : str
        Absolute path of the audio (on a cluster: the same path on every worker).
    name : str
        Where its outputs go, relative to *out_dir*, without suffix (``ep01/cue1``).
    out_dir : str
        Absolute path of the batch's output folder.
    recipe : Recipe
    """

    audio: str
    name: str
    out_dir: str
    recipe: Recipe

    def outputs(self) -> list[tuple[str, Path]]:
        """(format name, path) of every file the job writes."""
        rel = Path(self.name)
        folder = Path(self.out_dir) / rel.parent
        return [(n, folder / exporters.default_name(exporters.get(n), rel.name)) for n in self.recipe.formats]


@dataclass(frozen=True)
class JobResult:
    """What became of one file.

    Attributes
    ----------
    audio, name : str
        As in the :class:`Job`.
    status : {"done", "skipped", "failed"}
        ``skipped`` means up to date.
    outputs : tuple of str
        Paths written (or already there, when skipped).
    error : str
        Why it failed (one line).
    warnings : tuple of str
        The analysis's warnings (silent audio, no beat...).
    seconds : float
        Time the job took where it ran.
    host : str
        Machine (and process) that ran it.
    """

    audio: str
    name: str
    status: str
    outputs: tuple[str, ...] = ()
    error: str = ""
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    host: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def run_job(job: Job, progress: Progress | None = None) -> JobResult:
    """Analyse one file and write its outputs; never raises for a bad file.

    Runs in a worker process or on a Dask worker as well as in this one. Every output is
    written atomically, so a failure leaves no partial file.

    Returns
    -------
    JobResult
        ``done`` with the paths written, or ``failed`` with a one-line reason.
    """
    start = time.monotonic()
    host = f"{socket.gethostname()}:{os.getpid()}"
    recipe = job.recipe
    try:
        info = audio.probe(job.audio)
        options = with_audio_start(recipe.sheet_options, info, recipe.fps)  # the file's own timecode (BWF or LTC)
        check_timecode_room(info.duration, recipe.fps, options)  # before the analysis
        result = analyze(job.audio, recipe.settings, progress=progress, info=info)
        sheet = ExposureSheet(result, recipe.fps, options)
        outputs = job.outputs()
        folder = outputs[0][1].parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
        written = tuple(
            str(exporters.write_file(sheet, path, name, **recipe.options_for(name))) for name, path in outputs
        )
    except SyncsheetError as exc:
        return JobResult(job.audio, job.name, "failed", error=str(exc), seconds=time.monotonic() - start, host=host)
    except Exception as exc:  # a bug must not stop the other files; say what it was
        error = f"unexpected {type(exc).__name__}: {exc} (please report this)"
        return JobResult(job.audio, job.name, "failed", error=error, seconds=time.monotonic() - start, host=host)
    return JobResult(job.audio, job.name, "done", written, warnings=result.warnings,
                     seconds=time.monotonic() - start, host=host)


#: What runs one job: ``runner(job, progress) -> JobResult``.
Runner = Callable[[Job, Progress | None], JobResult]


# -- planning ---------------------------------------------------------------------------------
@dataclass
class Plan:
    """A batch ready to run.

    Attributes
    ----------
    jobs : list of Job
        Files to analyse.
    skipped : list of JobResult
        Files whose outputs are up to date.
    failed : list of JobResult
        Inputs that cannot even be planned (a folder with no audio in it).
    manifest : Manifest
    """

    jobs: list[Job]
    skipped: list[JobResult]
    failed: list[JobResult]
    manifest: Manifest

    @property
    def total(self) -> int:
        return len(self.jobs) + len(self.skipped) + len(self.failed)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's content, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _find_inputs(inputs: Iterable[str | os.PathLike]) -> tuple[list[tuple[Path, str]], list[JobResult]]:
    """(audio path, output name) pairs; a folder contributes its audio files, its layout kept."""
    found: list[tuple[Path, str]] = []
    failed: list[JobResult] = []
    seen: set[Path] = set()
    for raw in inputs:
        p = Path(raw).absolute()
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.suffix.lower() in audio.SUFFIXES and f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                failed.append(JobResult(str(p), p.name, "failed",
                                        error=f"{p}: no audio files in this folder ({', '.join(audio.SUFFIXES)})"))
            pairs = [(f, f.relative_to(p).with_suffix("").as_posix()) for f in files]
        else:  # a missing or bad file still becomes a job: its failure is reported with the rest
            pairs = [(p, p.stem)]
        for f, name in pairs:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                found.append((f, name))
    return found, failed


def plan(
    inputs: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    recipe: Recipe,
    *,
    force: bool = False,
) -> Plan:
    """Find the audio, name the outputs, and leave out what is up to date.

    Parameters
    ----------
    inputs : sequence of path-like
        Audio files, or folders searched recursively for audio.
    out_dir : path-like
        Output folder (created if missing).
    recipe : Recipe
    force : bool
        Analyse everything even if up to date.

    Raises
    ------
    OutputError
        When the output folder cannot be created, or two inputs would write the same outputs.
    """
    out = Path(out_dir).absolute()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from None
    found, failed = _find_inputs(inputs)
    by_name: dict[str, Path] = {}
    for path, name in found:
        if name in by_name:
            raise OutputError(
                f"{by_name[name]} and {path} would both write {name}.* in {out}: "
                "rename one, pass a folder above both so its layout is kept, or run them into different folders"
            )
        by_name[name] = path
    manifest = Manifest.load(out)
    key = recipe.key()
    jobs: list[Job] = []
    skipped: list[JobResult] = []
    for path, name in found:
        job = Job(str(path), name, str(out), recipe)
        if not force and manifest.up_to_date(job, key):
            skipped.append(JobResult(job.audio, name, "skipped", tuple(str(p) for _, p in job.outputs())))
        else:
            jobs.append(job)
    return Plan(jobs, skipped, failed, manifest)


class Manifest:
    """What the output folder holds: per output name, the audio's hash and the settings key.

    Saved atomically in the output folder; a damaged or foreign manifest is ignored (everything
    is analysed again), never trusted.
    """

    def __init__(self, folder: Path, files: dict[str, dict] | None = None) -> None:
        self.path = folder / MANIFEST
        self.files: dict[str, dict] = files or {}
        self._saved = 0.0

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        try:
            doc = json.loads((folder / MANIFEST).read_bytes().decode("utf-8"))
            if doc.get("format") == _MANIFEST_FORMAT and doc.get("version") == _MANIFEST_VERSION:
                files = {str(k): v for k, v in doc["files"].items() if isinstance(v, dict)}
                return cls(folder, files)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            pass
        return cls(folder)

    @staticmethod
    def _stat(path: str) -> list[int] | None:
        """Size, modification and change times and inode: what git checks before re-hashing a file.

        The change time moves on every write and cannot be set back, so a file rewritten with its old
        modification time is still noticed.
        """
        try:
            st = os.stat(path)
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def _sha(self, entry: dict, path: str, stat: list[int]) -> str | None:
        """The audio's hash; the recorded one while the file's stat is unchanged."""
        if entry.get("stat") == stat and entry.get("sha256"):
            return str(entry["sha256"])
        try:
            return file_sha256(path)
        except OSError:
            return None

    def up_to_date(self, job: Job, key: str) -> bool:
        """True when the audio's content and the settings match the last run and every output exists."""
        entry = self.files.get(job.name)
        stat = self._stat(job.audio)
        if not entry or stat is None or entry.get("status") != "done" or entry.get("key") != key:
            return False
        if not all(p.is_file() for _, p in job.outputs()):
            return False
        sha = self._sha(entry, job.audio, stat)
        if sha != entry.get("sha256"):
            return False
        entry["stat"] = stat  # same content, touched: remember the new stat
        return True

    def record(self, job: Job, result: JobResult, key: str, sha256: str | None = None) -> None:
        """Remember a finished job (hash the audio unless *sha256* is given)."""
        stat = self._stat(job.audio)
        entry: dict[str, Any] = {"audio": job.audio, "status": result.status, "error": result.error,
                                 "outputs": list(result.outputs)}
        if result.status == "done" and stat is not None:
            try:
                sha = sha256 or file_sha256(job.audio)
            except OSError:
                sha = ""
            entry.update(sha256=sha, stat=stat, key=key, syncsheet=__version__)
        self.files[job.name] = entry

    def save(self, *, throttle: bool = False) -> None:
        if throttle and time.monotonic() - self._saved < _SAVE_EVERY:
            return
        doc = {"format": _MANIFEST_FORMAT, "version": _MANIFEST_VERSION, "files": self.files}
        data = json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
        atomic_write_bytes(self.path, data)
        self._saved = time.monotonic()


# -- running ----------------------------------------------------------------------------------
class _Tally:
    """Overall progress: finished files plus the share done of files in progress."""

    def __init__(self, total: int, progress: Progress | None, already: int = 0) -> None:
        self.total = max(1, total)
        self.progress = progress
        self.done = already
        self.partial: dict[int, float] = {}
        self.report()

    def report(self) -> None:
        if self.progress is not None:
            fraction = (self.done + sum(self.partial.values())) / self.total
            self.progress(min(1.0, fraction), f"{self.done}/{self.total} files")

    def update(self, index: int, fraction: float) -> None:
        self.partial[index] = min(1.0, max(0.0, fraction))
        self.report()

    def finish(self, index: int) -> None:
        self.partial.pop(index, None)
        self.done += 1
        self.report()


def execute(
    jobs: Sequence[Job],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    on_result: Callable[[Job, JobResult], None] | None = None,
    already: int = 0,
    total: int | None = None,
    runner: Runner = run_job,
) -> list[JobResult]:
    """Run *jobs* and return their results in the order of *jobs*.

    Parameters
    ----------
    jobs : sequence of Job
    workers : int >= 1
        Worker processes on this machine (1 runs in this process). Ignored with *scheduler*.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``): run there instead.
    progress : callable(fraction, stage), optional
        Overall progress; the stage says ``done/total files``.
    on_result : callable(job, result), optional
        Called in this process as each job finishes (the batch saves its manifest there).
    already, total : int
        Files already accounted for (up to date) and the batch's total, for the progress count.
    runner : callable(job, progress) -> JobResult
        What is run for each job (default :func:`run_job`); a module-level function, since workers
        import it by name.

    Raises
    ------
    ClusterError
        When the Dask scheduler cannot be reached or its workers do not match this syncsheet.
    KeyboardInterrupt
        Ctrl+C: workers are stopped, results so far have been passed to *on_result*.
    """
    if workers < 1:
        raise SyncsheetError(f"--jobs {workers} must be 1 or more")
    tally = _Tally(total if total is not None else already + len(jobs), progress, already)
    results: list[JobResult | None] = [None] * len(jobs)

    def finished(i: int, result: JobResult) -> None:
        results[i] = result
        tally.finish(i)
        if on_result is not None:
            on_result(jobs[i], result)

    if not jobs:
        pass
    elif scheduler:
        from . import cluster  # Dask is an optional extra: loaded only when asked for

        cluster.run(jobs, scheduler, finished, runner)
    elif workers == 1 or len(jobs) == 1:
        for i, job in enumerate(jobs):
            finished(i, runner(job, lambda f, _s, i=i: tally.update(i, f)))
    else:
        _run_pool(jobs, min(workers, len(jobs)), tally, finished, runner)
    return [r for r in results if r is not None]


# Worker-process side of the local pool: a queue back to the parent for progress within a file,
# and one shared byte per job set when a worker starts it (shared memory survives a worker's death,
# where a queued message may not).
_progress_queue = None
_started = None


def _init_worker(progress_queue, started) -> None:
    global _progress_queue, _started
    _progress_queue, _started = progress_queue, started
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle: no traceback here


def _pool_job(index: int, job: Job, runner: Runner) -> JobResult:
    if _started is not None:
        _started[index] = 1
    last = [0.0]

    def progress(fraction: float, _stage: str) -> None:
        now = time.monotonic()
        if _progress_queue is not None and now - last[0] >= _PROGRESS_EVERY:
            last[0] = now
            with contextlib.suppress(Exception):  # progress is a nicety: never fail a file for it
                _progress_queue.put_nowait((index, fraction))

    return runner(job, progress)


def _run_pool(jobs: Sequence[Job], workers: int, tally: _Tally, finished: Callable[[int, JobResult], None],
              runner: Runner) -> None:
    """Run jobs in worker processes; a file that kills its worker (a crash, the kernel's out-of-memory
    killer) fails alone and the others go on.

    A dead worker breaks the whole pool and every unfinished job with it, so: the jobs not yet started
    go to a new pool; those that were running are suspects, re-run afterwards one at a time, where a
    second death names the culprit for certain.
    """
    # spawn: a clean interpreter per worker (fork would copy a parent's threads and locks); each
    # worker is reused for many files, so its start-up and imports are paid once.
    ctx = multiprocessing.get_context("spawn")
    progress_queue = ctx.Queue()
    started = ctx.RawArray("b", len(jobs))
    run = functools.partial(_pool_pass, ctx, progress_queue, started, jobs, tally, finished, runner)
    try:
        todo, suspects = list(range(len(jobs))), []
        while todo:
            todo, crashed = run(todo, workers)
            suspects += crashed
        for i in suspects:
            started[i] = 0
        while suspects:  # one worker: the one job started and unfinished when it dies is the culprit
            suspects, crashed = run(suspects, 1)
            for i in crashed:
                finished(i, JobResult(jobs[i].audio, jobs[i].name, "failed",
                                      error=f"{jobs[i].audio}: the worker process died while analysing it "
                                            "(it crashed or ran out of memory)"))
    finally:
        progress_queue.close()
        progress_queue.join_thread()


def _pool_pass(ctx, progress_queue, started, jobs, tally, finished, runner, todo: list[int],
               workers: int) -> tuple[list[int], list[int]]:
    """Run *todo* in a new pool until done or a worker dies: (not started, started but unfinished)."""
    pool = ProcessPoolExecutor(min(workers, len(todo)), mp_context=ctx, initializer=_init_worker,
                               initargs=(progress_queue, started))
    try:
        with _workers_ignore_ctrl_c():  # submit() is where the pool spawns its workers
            pending = {pool.submit(_pool_job, i, jobs[i], runner): i for i in todo}
        broken = False
        while pending and not broken:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            _drain(progress_queue, tally, pending.values())
            for fut in done:
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    continue
                i = pending.pop(fut)
                if exc is not None:  # the runner raised past its own guard: still only this file fails
                    finished(i, JobResult(jobs[i].audio, jobs[i].name, "failed",
                                          error=f"{jobs[i].audio}: {type(exc).__name__}: {exc}"))
                else:
                    finished(i, fut.result())
    except BaseException:  # Ctrl+C: stop the workers now, not after their current files
        _stop(pool)
        raise
    if broken:
        _stop(pool)
    else:
        pool.shutdown(wait=True)
    unfinished = sorted(pending.values())
    return [i for i in unfinished if not started[i]], [i for i in unfinished if started[i]]


@contextlib.contextmanager
def _workers_ignore_ctrl_c():
    """Ignore SIGINT while workers are spawned, so they inherit it from their first instruction.

    A worker sets SIG_IGN itself in its initializer, but a Ctrl+C sent to the process group while
    it is still starting up (inside multiprocessing's spawn_main) printed a traceback. An ignored
    signal survives exec and Python keeps it ignored; the parent's handler is back right after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop(pool: ProcessPoolExecutor) -> None:
    busy = list((getattr(pool, "_processes", None) or {}).values())  # no public way to reach them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in busy:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in busy:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def _drain(progress_queue, tally: _Tally, running: Iterable[int]) -> None:
    running = set(running)
    while True:
        try:
            index, fraction = progress_queue.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        if index in running:  # a late message for a finished file would count it twice
            tally.update(index, fraction)
