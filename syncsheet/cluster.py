"""Batch jobs on a Dask distributed cluster (``syncsheet batch --scheduler tcp://HOST:PORT``).

Dask (the ``cluster`` extra) is an existing engine: its scheduler hands the jobs to workers on the
studio's machines, which run the same :func:`syncsheet.batch.run_job` as local worker processes,
read the audio and write the outputs themselves. So every worker needs the same syncsheet and the
same view of the storage; both are checked before the first job is sent.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from collections.abc import Callable, Sequence

from . import __version__
from .batch import Job, JobResult, Runner
from .errors import ClusterError

__all__ = ["CONNECT_TIMEOUT", "check_address", "worker_facts", "run"]

#: How long to try reaching a Dask scheduler.
CONNECT_TIMEOUT = "15s"
_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(\d{1,5})$")


def check_address(address: str) -> str:
    """Validate a scheduler address: ``tcp://HOST:PORT`` (``tls://`` too; no scheme means tcp)."""
    m = _ADDRESS.match(address.strip())
    if not m or not 0 < int(m[3]) < 65536:
        raise ClusterError(f"scheduler address {address!r} is not tcp://HOST:PORT (e.g. tcp://render01:8786)")
    return address.strip() if m[1] else f"tcp://{address.strip()}"


def worker_facts(out_dir: str) -> dict:
    """What a Dask worker reports about itself before a batch (runs on each worker)."""
    import syncsheet

    return {
        "syncsheet": syncsheet.__version__,
        "host": socket.gethostname(),
        "out_dir": os.path.isdir(out_dir) and os.access(out_dir, os.W_OK),
    }


def _client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "--scheduler needs Dask distributed, which is not installed: pip install 'syncsheet[cluster]'"
        ) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc})") from None


def _check_workers(client, out_dir: str) -> None:
    try:
        client.wait_for_workers(1, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"the Dask scheduler has no workers ({exc}); start some with: dask worker ADDRESS") from None
    facts = client.run(worker_facts, out_dir)
    wrong = [f"{w} has syncsheet {f['syncsheet']}" for w, f in facts.items() if f["syncsheet"] != __version__]
    if wrong:
        raise ClusterError(
            f"every worker needs syncsheet {__version__}, as here; " + "; ".join(sorted(wrong))
        )
    blind = sorted(f"{w} ({f['host']})" for w, f in facts.items() if not f["out_dir"])
    if blind:
        raise ClusterError(
            f"worker {', '.join(blind)} cannot write the output folder {out_dir}: inputs and outputs "
            "must be on storage every worker mounts at the same path"
        )


def run(jobs: Sequence[Job], address: str, finished: Callable[[int, JobResult], None], runner: Runner) -> None:
    """Run *jobs* on the Dask cluster at *address*, calling ``finished(index, result)`` as each ends.

    Raises
    ------
    ClusterError
        Dask not installed, the scheduler unreachable or without workers, a worker with another
        syncsheet version or one that cannot write the output folder.
    """
    address = check_address(address)
    client = _client(address)
    try:
        from distributed import as_completed

        _check_workers(client, jobs[0].out_dir)
        futures = {client.submit(runner, job, pure=False, retries=1): i for i, job in enumerate(jobs)}
        try:
            for fut in as_completed(futures, loop=client.loop):
                i = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # the worker died even after a retry, or the cluster went away
                    result = JobResult(jobs[i].audio, jobs[i].name, "failed",
                                       error=f"the Dask task failed ({type(exc).__name__}: {exc})")
                finished(i, result)
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        with contextlib.suppress(Exception):
            client.close()
