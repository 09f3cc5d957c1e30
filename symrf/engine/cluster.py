"""Dask clusters: connect, cut work into blocks, gather the blocks in order.

``symrf.sweep(..., scheduler=...)`` and ``symrf.solve(..., scheduler=...)`` take a
``distributed.Client``, a scheduler address (``"tcp://host:8786"``) or ``"local"`` (a
cluster of worker processes on this machine, started for the call and closed after).
:class:`Cluster` connects lazily, sends the shared inputs to every worker once, runs one task
per block and yields the results in order (:meth:`Cluster.run`); :func:`sweep_blocks` is the
sweep's use of it, and the design-question search adds its own (:mod:`symrf.solve.distributed`).
Dask is imported here only, inside the functions that need it.

>>> scheduler_name("tcp://10.0.0.5:8786"), scheduler_name("local")
('tcp://10.0.0.5:8786', 'a local Dask cluster')
"""

from __future__ import annotations

import logging
import math
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from symrf.errors import ClusterError, SymrfError

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler to answer, or for its first worker to join."""

STALL_TIMEOUT = 30.0
"""Seconds with no block finished after which the client checks that workers remain."""

BLOCKS_PER_THREAD = 4
"""Blocks per worker thread at least, when the space is small: keeps every worker busy."""

IN_FLIGHT = 3
"""Blocks per worker thread submitted or waiting to be merged at once (bounds memory)."""

LOCAL = "local"
"""The scheduler name that starts a local cluster of processes for one call."""

FAST_WORKERS = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                "distributed.worker.profile.enabled": False}
"""Dask configuration for the workers of a local cluster. By default a nanny starts its
worker with ``MALLOC_TRIM_THRESHOLD_=65536``, which makes glibc hand every freed numpy
array back to the system, and the worker samples its own stack every 10 ms: the vectorised
measure then runs 2-3 times slower. docs/how-to/distributed.md says how to set the same on
a real cluster."""

_INSTALL = "pip install 'symrf[dask]'"


SWEEP_BLOCK = 1 << 20
"""Assignments per sweep task at most (a few numpy arrays of this length per figure)."""

def scheduler_name(scheduler: object) -> str:
    """How messages name ``scheduler``: its address, or what it is."""
    if scheduler == LOCAL:
        return "a local Dask cluster"
    if isinstance(scheduler, str):
        return scheduler
    address = getattr(getattr(scheduler, "scheduler", None), "address", None)
    return str(address) if address else "the given Dask client"


@contextmanager
def connected(scheduler: object) -> Iterator[Cluster]:
    """A :class:`Cluster` for ``scheduler`` within the block, closed on leaving it."""
    cluster = Cluster(scheduler)
    try:
        yield cluster
    finally:
        cluster.close()


class Cluster:
    """A Dask scheduler as a search runner: connects lazily, scans in blocks, merges in order."""

    def __init__(self, scheduler: object) -> None:
        _dask()  # fail now, before any work, when Dask is missing
        if not (scheduler == LOCAL or isinstance(scheduler, str) or _is_client(scheduler)):
            raise ClusterError(
                f"scheduler={scheduler!r}: expected a distributed.Client, an address such as "
                f"'tcp://host:8786', or {LOCAL!r}."
            )
        self.scheduler = scheduler
        self.where = scheduler_name(scheduler)
        self._client: Any = None
        self._resources = ExitStack()

    def client(self) -> Any:
        """The connected ``distributed.Client`` (connecting on first use)."""
        if self._client is None:
            self._client = self._resources.enter_context(_connected(self.scheduler, self.where))
        return self._client

    def close(self) -> None:
        """Close what this runner opened (a local cluster, a client it connected)."""
        self._resources.close()
        self._client = None

    def threads(self) -> int:
        """Worker threads in the cluster now (at least 1)."""
        with _guard(self.where):
            return max(1, sum(self.client().nthreads().values()))

    def run(self, function: Callable[..., Any], shared: object,
            blocks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """``(block, function(shared, block))`` for each block, in order, computed remotely.

        ``shared`` is sent to every worker once; at most :data:`IN_FLIGHT` blocks per
        worker thread are submitted or held at a time.
        """
        client = self.client()
        window = IN_FLIGHT * self.threads()
        with _guard(self.where):
            [job] = client.scatter([shared], broadcast=True, hash=False)
        running: dict[Any, int] = {}
        ready: dict[int, Any] = {}
        pending = iter(enumerate(blocks))
        given: dict[int, Any] = {}
        following = 0
        try:
            with _guard(self.where):
                while True:
                    while len(running) + len(ready) < window:
                        item = next(pending, None)
                        if item is None:
                            break
                        given[item[0]] = item[1]
                        running[client.submit(function, job, item[1], pure=False)] = item[0]
                    if following in ready:
                        yield given.pop(following), ready.pop(following)
                        following += 1
                        continue
                    if not running:
                        return
                    for future in self._finished(running):
                        ready[running.pop(future)] = future.result()
        finally:  # nothing of this search stays on the cluster (if it is still there)
            with suppress(Exception):
                client.cancel([*running, job])

    def _finished(self, running: dict[Any, int]) -> set[Any]:
        """Wait until some running block finishes; raise when no worker is left to run it."""
        from distributed import wait

        while True:
            try:
                with self.client().as_current():  # wait() asks for the current client
                    return set(wait(list(running), timeout=STALL_TIMEOUT,
                                    return_when="FIRST_COMPLETED").done)
            except TimeoutError:
                if not self.client().nthreads():
                    raise ClusterError(
                        f"{self.where} has no workers left to run the search; start some "
                        f"with `dask worker ADDRESS`, or run without a scheduler."
                    ) from None


def sweep_blocks(scheduler: object, compiled: Any, arrays: dict[str, Any]) -> dict[str, Any]:
    """``compiled(**arrays)`` computed on ``scheduler`` in blocks of the broadcast shape.

    The arrays as given (broadcast, not expanded) go to every worker once; each task takes
    its block's values from them, and the figures come back as flat arrays, reassembled here
    in the broadcast shape.
    """
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(array) for array in arrays.values()))
    size = math.prod(shape)
    figures: dict[str, Any] = {}
    with connected(scheduler) as cluster:
        block = block_size(size, cluster.threads(), SWEEP_BLOCK)
        blocks = ((start, min(start + block, size)) for start in range(0, size, block))
        for (start, stop), found in cluster.run(_sweep_task, (compiled, arrays, shape), blocks):
            for name, values in found.items():
                if name not in figures:
                    figures[name] = np.empty(size, dtype=values.dtype)
                figures[name][start:stop] = values
    return {name: values.reshape(shape) for name, values in figures.items()}


def _sweep_task(job: tuple[Any, dict[str, Any], tuple[int, ...]],
                bounds: tuple[int, int]) -> dict[str, Any]:
    """What a worker runs: the compiled closed forms on the flat positions ``bounds``."""
    import numpy as np

    compiled, arrays, shape = job
    start, stop = bounds
    where = np.unravel_index(np.arange(start, stop), shape) if shape else ()
    values = {name: np.broadcast_to(array, shape)[where] for name, array in arrays.items()}
    return {name: np.reshape(found, -1) for name, found in compiled(**values).items()}


def block_size(size: int, threads: int, most: int) -> int:
    """Assignments per task: at most ``most``, and several blocks per thread.

    >>> block_size(10**9, 2, 1 << 22), block_size(1000, 2, 1 << 22)
    (4194304, 125)
    """
    return max(1, min(most, -(-size // (BLOCKS_PER_THREAD * threads))))


def _is_client(scheduler: object) -> bool:
    from distributed import Client

    return isinstance(scheduler, Client)


def _dask() -> None:
    """Raise :class:`ClusterError` when Dask's distributed scheduler is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(
            f"a Dask scheduler was asked for, but dask.distributed is not installed; "
            f"{_INSTALL} (on this machine and every worker)."
        ) from None


@contextmanager
def _connected(scheduler: object, where: str) -> Iterator[Any]:
    """A client of ``scheduler`` with at least one worker, closed after if opened here."""
    import dask
    from distributed import Client, LocalCluster

    if _is_client(scheduler):
        yield scheduler
        return
    with ExitStack() as opened, _guard(where):
        if scheduler == LOCAL:
            try:
                with dask.config.set(FAST_WORKERS), warnings.catch_warnings():
                    # Its status page moves off a taken port 8787 with a warning: no news.
                    warnings.filterwarnings("ignore", "Port .* is already in use")
                    cluster = opened.enter_context(LocalCluster(
                        threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, silence_logs=logging.ERROR))
            except Exception as error:
                raise ClusterError(
                    f"could not start a local Dask cluster ({_one_line(error)}); from a script, "
                    "call symrf under `if __name__ == '__main__':` (worker processes import "
                    "the script again)."
                ) from None
            client = opened.enter_context(Client(cluster, set_as_default=False))
        else:
            address = str(scheduler)
            _reachable(address)
            client = opened.enter_context(
                Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False))
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise ClusterError(
                f"the Dask scheduler at {where} has no workers after {CONNECT_TIMEOUT:g} s; "
                f"start some with `dask worker {where}`."
            ) from None
        yield client


def _reachable(address: str) -> None:
    """Fail fast, with the address in the message, when nothing listens at a TCP address."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    try:
        protocol, location = parse_address(address)
        if protocol not in backends:
            raise ValueError(f"unknown scheme {protocol!r}, expected one of "
                             f"{', '.join(sorted(backends))}")
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as error:
        raise ClusterError(
            f"scheduler address {address!r} is not an address ({_one_line(error)}); give "
            f"'tcp://HOST:PORT' (a Dask scheduler listens on 8786), or {LOCAL!r}."
        ) from None
    if protocol != "tcp":
        return
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        reason = "no answer" if isinstance(error, TimeoutError) else _one_line(error)
        raise ClusterError(
            f"cannot reach a Dask scheduler at {address} ({reason}); start one there with "
            f"`dask scheduler`, check the host and port, or use {LOCAL!r}."
        ) from None


@contextmanager
def _guard(where: str) -> Iterator[None]:
    """Turn what can go wrong on a cluster into one-line :class:`ClusterError` messages.

    Errors symrf itself raised on a worker pass through unchanged, as in one process.
    """
    from distributed.scheduler import KilledWorker

    try:
        yield
    except SymrfError:
        raise
    except KilledWorker as error:
        raise ClusterError(
            f"workers of {where} died while running a block ({_one_line(error)}); check "
            "their memory limit and logs, then run again."
        ) from None
    except ImportError as error:
        raise ClusterError(
            f"workers of {where} cannot import what the search needs ({_one_line(error)}); "
            f"{_INSTALL} with this version of symrf on every worker."
        ) from None
    except (OSError, TimeoutError) as error:
        raise ClusterError(
            f"lost the connection to the Dask scheduler at {where} ({_one_line(error)}); "
            "check that it still runs, then run again."
        ) from None
    except Exception as error:  # anything else a worker or the scheduler reports
        raise ClusterError(
            f"the Dask cluster at {where} failed: {_one_line(error)}; check the workers' "
            "logs, or run without a scheduler."
        ) from None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "no message"
    return f"{type(error).__name__}: {text}"[:300]


__all__ = ["CONNECT_TIMEOUT", "FAST_WORKERS", "LOCAL", "SWEEP_BLOCK", "Cluster", "ClusterError",
           "block_size", "connected", "scheduler_name", "sweep_blocks"]
