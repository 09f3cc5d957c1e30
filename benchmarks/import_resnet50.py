"""ResNet-50's receptive field three ways: symrf's importer, torchscan, and autograd.

At 224x224, for the output of ``layer4`` (rf 427, jump 32, padding 213 along each axis):

- symrf: ``symrf.from_torch(model)`` then ``symrf.evaluate(net, input_size=224)`` (every row);
- torchscan: ``crawl_module(model, (3, 224, 224))``, whose per-module figures (this version
  reports each module's own kernel, stride and padding) are folded in execution order with
  the textbook recurrence, as receptive-field summaries of module lists do;
- autograd: the hull of the input gradient of layer4's central unit in a linearised copy
  (positive weights, average pooling, identity activations; ``tests/autograd_truth.py``).

The reference (untimed) is autograd on a 544x32 strip, where the central unit's field is
clear of the borders. Times are the best of 3 (first calls excluded). Needs torch,
torchvision and torchscan (``pip install torchscan``); prints "torchscan: not installed"
otherwise.
"""

from __future__ import annotations

import contextlib
import sys
from fractions import Fraction

from timing import ROOT, best_of

sys.path.insert(0, str(ROOT))

import torch

with contextlib.suppress(RuntimeError):  # torchvision's CUDA wheel beside a CPU torch
    _LIB = torch.library.Library("torchvision", "FRAGMENT")
    _LIB.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _LIB.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")

import torchvision

import symrf
from symrf.sources.importers.torch import from_torch
from tests.autograd_truth import hulls, linearised, truth


def with_symrf(model: torch.nn.Module) -> tuple[int, int, int]:
    report = symrf.evaluate(from_torch(model), input_size=224)
    row = next(r for r in report.layers if r.name == "layer4.2.relu:2")
    [(r.rf, r.jump, r.padding) for r in report.layers]  # every row, as a user reads them
    return row.rf, row.jump, row.padding


def with_torchscan(model: torch.nn.Module) -> tuple[float, float, float]:
    from torchscan import crawl_module

    layers = crawl_module(model, (3, 224, 224))["layers"]
    rf, jump, padding = 1.0, 1.0, 0.0
    for layer in layers:
        if layer["path"] == "avgpool":
            break
        metrics = layer["metrics"]
        value = metrics.get("receptive_field", {}).get("value")
        if value is None:  # containers: their leaves are listed after them
            continue
        stride, pad = metrics["effective_stride"]["value"], metrics["effective_padding"]["value"]
        rf, padding, jump = rf + (value - 1) * jump, padding + pad * jump, jump * stride
    return rf, jump, padding


def with_autograd(copy: torch.nn.Module, size: int = 224) -> tuple[int, Fraction, int]:
    found = hulls(copy, (3, size, size), [(3, 3), (4, 3)], 0, upto="layer4")
    first, second = found
    assert first is not None and second is not None
    jump = Fraction(second[0] - first[0])
    return first[1] - first[0] + 1, jump, -(first[0] - 3 * jump)


def main() -> int:
    model = torchvision.models.resnet50(weights=None).eval()
    rf, _, jump, left, _, _ = truth(model, (3, 544, 32), 0, upto="layer4")
    reference = (rf, jump, -left)
    copy = linearised(model)
    rows = [("symrf from_torch + evaluate", lambda: with_symrf(model))]
    try:
        import torchscan  # noqa: F401
    except ImportError:
        print("torchscan: not installed (pip install torchscan)")
    else:
        rows.append(("torchscan crawl_module + fold", lambda: with_torchscan(model)))
    rows.append(("autograd at 224x224", lambda: with_autograd(copy)))
    print(f"ResNet-50, layer4 output at 224x224; reference (autograd, 544x32 strip): "
          f"rf {reference[0]}, jump {reference[1]}, padding {reference[2]}")
    print(f"{'method':32} {'time (ms)':>10} {'ratio':>7}  {'rf':>6} {'jump':>5} {'padding':>8}  "
          "right")
    results = []
    for name, run in rows:
        figures = run()  # first call: imports and caches, untimed
        seconds = best_of(run, repeat=3)
        results.append((name, seconds, figures))
    base = results[0][1]
    failed = False
    for name, seconds, figures in results:
        right = tuple(float(v) for v in figures) == tuple(float(v) for v in reference)
        failed |= name.startswith("symrf") and not right
        rf_, jump_, pad_ = figures
        print(f"{name:32} {seconds * 1e3:10.1f} {seconds / base:7.2f}  {float(rf_):6.0f} "
              f"{float(jump_):5.0f} {float(pad_):8.0f}  {'yes' if right else 'no'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
