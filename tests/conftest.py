"""Test configuration: slow tests, hypothesis profiles, and torchvision beside a CPU torch.

Tests marked ``slow`` (the heaviest property tests and regression cases, listed in
tests/README.md) are skipped unless ``--runslow`` is given; CI (``.ci/run``) runs them after
the default run.

CI runs hypothesis derandomized, so a green run is reproducible. Locally the examples stay
random (each run explores new networks); set ``HYPOTHESIS_PROFILE=ci`` to replay exactly what
CI checks, or ``HYPOTHESIS_PROFILE=long`` for a long fuzz run. No profile times anything (no
deadline, no ``too_slow`` health check): wall time says nothing on a loaded machine (the fuzz
harness caps CPU time instead).

The torchvision wheel CI installs is a CUDA build: beside the CPU torch its compiled ops do
not load and ``import torchvision`` fails with ``operator torchvision::nms does not exist``.
Its models are pure Python, so the two op schemas it checks for are declared here (never
called: no test relies on torchvision's compiled ops).
"""

import contextlib
import importlib.util
import os

import pytest
from hypothesis import HealthCheck, settings

collect_ignore = [] if importlib.util.find_spec("torch") else ["autograd_truth.py"]
"""The autograd truth imports torch at the top; without torch its tests skip anyway."""

LOAD_PROOF = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
"""No clock in any profile: neither a deadline per example nor the health check timing the
generation of the data (both fail legitimate work on a loaded machine)."""
settings.register_profile("default", **LOAD_PROOF)
settings.register_profile("ci", derandomize=True, print_blob=True, **LOAD_PROOF)
settings.register_profile("long", max_examples=50_000, print_blob=True, **LOAD_PROOF)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") else "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true",
                     help="also run the tests marked slow (CI does; tests/README.md lists them)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (tests/README.md)")
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker(skip)


def _declare_torchvision_ops() -> None:
    try:
        import torch
    except ImportError:
        return
    library = torch.library.Library("torchvision", "FRAGMENT")
    with contextlib.suppress(RuntimeError):  # already declared (a real CPU build of torchvision)
        library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
    _KEEP.append(library)


_KEEP: list = []
_declare_torchvision_ops()


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread: the importers' tensors are small, and on a busy machine PyTorch's
    threads spin waiting for each other far longer than they compute."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
