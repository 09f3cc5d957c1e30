"""Searching a design space on a Dask cluster (:mod:`symrf.engine.cluster`), block by block.

The search space is cut into blocks of consecutive assignments; each worker scans its blocks
with :func:`symrf.solve.search.scan_block` and sends back only what the answer needs (the
block's Pareto front, cheapest shortlist, counts and nearest failures), and the client merges
the blocks in order (:func:`symrf.solve.search.merge`), so the answer is the single-process
one. The exact re-check of the answers, the neighbours and the relaxed roots stay on the
client. What travels: the question's measure (the network, the compiled closed forms, the
validity tables: kilobytes) once to every worker, two integers per block out, and a few flat
indices per block back.

>>> from symrf.engine.cluster import scheduler_name
>>> scheduler_name("local")
'a local Dask cluster'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from symrf.engine.cluster import Cluster, block_size
from symrf.solve.search import BLOCK, Keep, Measure, Scan, Space, merge, scan_block, searching


class SearchCluster(Cluster):
    """A Dask cluster as a search runner (:class:`symrf.solve.search.Runner`)."""

    def scan(self, space: Space, measure: Measure, *, keep: Keep, maximise: bool,
             cost: Callable[[dict[str, Any]], Any] | None,
             progress: Callable[[int, int], None] | None) -> Scan:
        """Scan ``space`` block by block on the workers; the same result as one pass."""
        import numpy as np

        block = block_size(space.size, self.threads(), BLOCK)
        bounds = ((start, min(start + block, space.size))
                  for start in range(0, space.size, block))
        merged = Scan(np.zeros((0,), dtype=np.int64))  # what an empty run keeps
        for (_, stop), found in self.run(_scan_task, (space, measure, cost, keep, maximise),
                                         bounds):
            merged = merge(space, merged, found, keep=keep, maximise=maximise)
            if progress is not None:
                progress(stop, space.size)
        return merged


@contextmanager
def distributed(scheduler: object) -> Iterator[SearchCluster]:
    """Within the block, searches run on ``scheduler`` (see :func:`symrf.solve.search.searching`).

    The connection opens on the first search and closes on leaving the block (a client
    given by the caller stays open).
    """
    cluster = SearchCluster(scheduler)
    try:
        with searching(cluster):
            yield cluster
    finally:
        cluster.close()


def _scan_task(job: tuple[Space, Measure, Any, Keep, bool], bounds: tuple[int, int]) -> Scan:
    """What a worker runs: one block of the search."""
    space, measure, cost, keep, maximise = job
    return scan_block(space, measure, *bounds, keep=keep, maximise=maximise, cost=cost)



__all__ = ["SearchCluster", "distributed"]
