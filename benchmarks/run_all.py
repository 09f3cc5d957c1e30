"""Run every benchmark script in turn, each in a fresh interpreter (cold sympy cache).

Run: ``python benchmarks/run_all.py``. Exits non-zero if any script fails (for example on a
disagreement between symrf and its reference computation, or a ratio of ``check.py`` past its
bar); timings are printed, and only ``check.py`` holds them to (generous) bars.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "check.py",
    "numeric_vs_loop.py",
    "numeric_vs_sympy.py",
    "derive_200.py",
    "sweep_throughput.py",
    "solve_throughput.py",
    "exact_candidates.py",
    "large_networks.py",
    "tf_slim_graphs.py",
    "import_resnet50.py",
    "segmentation.py",
    "dask_solve.py",
)


def main() -> int:
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")
    failed = []
    for script in SCRIPTS:
        print(f"\n=== {script}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / script)], cwd=HERE.parent)
        print(f"--- {script}: {'ok' if code == 0 else f'FAILED (exit {code})'} "
              f"in {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
