"""Test configuration: hypothesis profiles, and torchvision importable beside a CPU torch.

CI runs hypothesis derandomized, so a green run is reproducible. Locally the examples stay
random (each run explores new networks); set ``HYPOTHESIS_PROFILE=ci`` to replay exactly what
CI checks, or ``HYPOTHESIS_PROFILE=long`` for a long fuzz run.

The torchvision wheel CI installs is a CUDA build: beside the CPU torch its compiled ops do
not load and ``import torchvision`` fails with ``operator torchvision::nms does not exist``.
Its models are pure Python, so the two op schemas it checks for are declared here (never
called: no test relies on torchvision's compiled ops).
"""

import contextlib
import importlib.util
import os

import pytest
from hypothesis import settings

collect_ignore = [] if importlib.util.find_spec("torch") else ["autograd_truth.py"]
"""The autograd truth imports torch at the top; without torch its tests skip anyway."""

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("long", max_examples=50_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI") else "default"))


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
