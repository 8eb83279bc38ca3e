"""``syncsheet batch INPUT... -o DIR``: analyse many files in parallel, here or on a Dask cluster."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .. import exporters
from ..errors import SyncsheetError, UnknownFormatError
from ..sheet import SheetOptions
from . import common

if TYPE_CHECKING:  # the process pool and the cluster client load when a batch runs, not with every command
    from .. import batch


def _formats_arg(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    try:
        for n in names:
            exporters.get(n)
    except UnknownFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not names:
        raise argparse.ArgumentTypeError(f"no format named; choose from {', '.join(exporters.names())}")
    return names


def _jobs_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs {text!r} must be a whole number, 1 or more")
    return n


def _address_arg(text: str) -> str:
    from .. import cluster

    try:
        return cluster.check_address(text)
    except SyncsheetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def default_jobs() -> int:
    """Worker processes by default: one per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="analyse many audio files in parallel (this machine or a Dask cluster)",
        description="Analyse every INPUT (audio files, or folders searched recursively) and write the chosen "
                    "formats into DIR, mirroring the folders' layout. Files whose audio and settings have not "
                    "changed since the last run are skipped. A bad file is reported at the end and the others "
                    "go on; the exit status is 1 if any failed.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="audio file or folder")
    p.add_argument("-o", "--out-dir", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument("--formats", type=_formats_arg, default=None, metavar="LIST",
                   help=f"comma-separated formats to write (default all: {','.join(exporters.names())})")
    p.add_argument("-j", "--jobs", type=_jobs_arg, default=None, metavar="N",
                   help=f"worker processes on this machine (default: one per CPU, here {default_jobs()})")
    p.add_argument("--scheduler", type=_address_arg, default=None, metavar="tcp://HOST:PORT",
                   help="run on a Dask distributed cluster instead (needs the 'cluster' extra; inputs and DIR "
                        "on storage every worker sees at the same path)")
    p.add_argument("--force", action="store_true", help="analyse every file, even those up to date")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    common.add_sheet_arguments(p)
    common.add_analysis_arguments(p, one_file=False)  # bar starts are times in one file
    for mod in exporters.all_formats():
        if hasattr(mod, "add_arguments"):
            mod.add_arguments(p.add_argument_group(f"{mod.NAME} options"))
    p.set_defaults(func=run)


def recipe_from(args: argparse.Namespace) -> batch.Recipe:
    """The batch's recipe from the command line (settings, sheet options, formats and their options)."""
    from .. import batch

    formats = args.formats or tuple(exporters.names())
    options = SheetOptions(
        first_frame=args.first_frame, lead=args.lead, start_timecode=args.start_tc,
        production=args.production, scene=args.scene, cut=args.cut, gauge=args.gauge,
    )
    format_options = tuple(
        (n, exporters.get(n).options_from(args)) for n in formats if hasattr(exporters.get(n), "options_from")
    )
    return batch.Recipe(args.fps, common.settings_from(args), options, formats, format_options)


def run(args: argparse.Namespace) -> int:
    from .. import batch

    recipe = recipe_from(args)
    start = time.monotonic()
    todo = batch.plan(args.inputs, args.out_dir, recipe, force=args.force)
    manifest, key = todo.manifest, recipe.key()

    def on_result(job: batch.Job, result: batch.JobResult) -> None:
        manifest.record(job, result, key)
        manifest.save(throttle=True)

    bar = common.progress_bar(args, "batch")
    try:
        results = batch.execute(
            todo.jobs, workers=args.jobs or default_jobs(), scheduler=args.scheduler, progress=bar,
            on_result=on_result, already=len(todo.skipped), total=todo.total,
        )
    finally:
        bar.close()
        manifest.save()  # also on Ctrl+C: finished files stay finished
    elapsed = time.monotonic() - start
    failed = todo.failed + [r for r in results if r.status == "failed"]
    done = [r for r in results if r.status == "done"]
    if not args.quiet:
        for r in done:
            for w in r.warnings:
                print(f"warning: {r.name}: {w}")
        rate = len(done) / elapsed * 60 if elapsed > 0 and done else 0.0
        print(f"batch: {todo.total} files: {len(done)} analysed, {len(todo.skipped)} up to date, "
              f"{len(failed)} failed, in {elapsed:.1f} s ({rate:.1f} files/min); outputs in {args.out_dir}")
    for r in failed:  # most messages name their file already
        print(f"syncsheet: failed: {r.error if r.audio in r.error else f'{r.audio}: {r.error}'}", file=sys.stderr)
    if failed:
        raise SyncsheetError(f"{len(failed)} of {todo.total} files failed (listed above); the others were written")
    return 0
