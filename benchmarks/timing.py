"""Timing helpers shared by the benchmark scripts: best-of-N wall-clock timing.

Each script puts the checkout's root first on ``sys.path`` (so it measures the working tree,
installed or not) and times with :func:`best_of`. sympy keeps a global cache of results, so a
repeat of a symbolic computation would be answered from the cache; :func:`cold` clears it
before each repeat so every repeat pays what a first call pays.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def best_of(
    function: Callable[[], Any],
    repeat: int = 5,
    number: int = 1,
    setup: Callable[[], Any] | None = None,
) -> float:
    """Best (smallest) time in seconds of one call of ``function``, over ``repeat`` repeats.

    Each repeat runs ``setup`` (untimed), then ``function`` ``number`` times.
    """
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def cold() -> None:
    """Clear sympy's global cache, so the next symbolic call starts from nothing."""
    from sympy.core.cache import clear_cache

    clear_cache()


def show(label: str, seconds: float, note: str = "") -> None:
    """Print one timing line: label, time in a readable unit, optional note."""
    print(f"  {label:<44} {human(seconds):>10}  {note}".rstrip())


def human(seconds: float) -> str:
    """``0.000123`` -> ``'123.0 us'``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"
