"""timm models: symrf's import + evaluate against autograd on the same model, in one run.

For each model (random weights: nothing is downloaded), at 224x224 and for the map of a
prefix (``upto``):

- symrf: ``from_torch(model, upto=...)`` then ``evaluate(net, input_size=224)`` with every
  row read, as a user reads a report;
- autograd: the hull of the input gradient of the map's central unit in the linearised copy
  (``tests/autograd_truth.py``; the copy is made once, untimed), one backward pass.

Before timing, symrf's rf, rf_min, jump and left are checked against autograd on a strip
input wide enough to hold the field (untimed); a disagreement exits non-zero. Times are
the best of 3 after a first, untimed call. Needs torch, torchvision and timm
(``pip install 'symrf[models]'``).
"""

from __future__ import annotations

import contextlib
import sys

from timing import ROOT, best_of

sys.path.insert(0, str(ROOT))

import torch

with contextlib.suppress(RuntimeError):  # torchvision's CUDA wheel beside a CPU torch
    _LIB = torch.library.Library("torchvision", "FRAGMENT")
    _LIB.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _LIB.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")

import timm

import symrf
from symrf.sources.importers.torch import from_torch
from tests.autograd_truth import hulls, linearised, out_shape, truth

MODELS = [  # name, upto, strip length holding the prefix's field
    ("resnet50d", "layer2", 144),
    ("efficientnet_b0", "blocks.2", 128),
    ("tf_efficientnet_b0", "blocks.2", 128),
    ("mobilenetv3_large_100", "blocks.2", 160),
    ("regnety_008", "s2", 96),
    ("skresnet18", "layer2", 192),
    ("convnext_atto", "stages.1", 208),
    ("densenet121", "features.transition1", 112),
]


def with_symrf(model: torch.nn.Module, upto: str) -> tuple:
    report = symrf.evaluate(from_torch(model, upto=upto), input_size=224)
    [(row.rf, row.jump, row.left) for row in report.layers]  # every row, as a user reads them
    return report.rf, report.jump


def with_autograd(copy: torch.nn.Module, upto: str, centre: tuple[int, int]) -> tuple:
    return tuple(hulls(copy, (3, 224, 224), [centre], 0, upto=upto))


def checked(model: torch.nn.Module, upto: str, length: int) -> bool:
    """symrf's figures equal autograd's on a strip (length x 32) along the first axis."""
    shape = (3, length, 32)
    net = from_torch(model, upto=upto, example_input=torch.ones(1, *shape))
    field = symrf.evaluate(net, input_size=[length, 32]).axes[0]
    rf, rf_min, jump, left, hull, n = truth(model, shape, 0, upto=upto)
    clear = hull[0] > 0 and hull[1] < n - 1
    return clear and (field.rf, field.rf_min, field.jump, field.left) == (rf, rf_min, jump, left)


def main() -> int:
    torch.set_num_threads(1)
    print("timm models at 224x224, the map of a prefix: symrf import + evaluate against "
          "autograd (one backward pass)")
    print(f"{'model':24} {'upto':22} {'rf':>5} {'jump':>5} {'symrf (ms)':>11} "
          f"{'autograd (ms)':>14} {'ratio':>6}  right")
    failed = False
    for name, upto, length in MODELS:
        model = timm.create_model(name, pretrained=False).eval()
        right = checked(model, upto, length)
        failed |= not right
        copy = linearised(model)
        spatial = out_shape(copy, (3, 224, 224), upto)[1:]
        centre = (spatial[0] // 2, spatial[1] // 2)
        rf, jump = with_symrf(model, upto)  # first calls: imports and caches, untimed
        with_autograd(copy, upto, centre)
        ours = best_of(lambda model=model, upto=upto: with_symrf(model, upto), repeat=3)
        theirs = best_of(lambda copy=copy, upto=upto, centre=centre:
                         with_autograd(copy, upto, centre), repeat=3)
        print(f"{name:24} {upto:22} {rf!s:>5} {jump!s:>5} {ours * 1e3:11.0f} "
              f"{theirs * 1e3:14.0f} {ours / theirs:6.2f}  {'yes' if right else 'NO'}",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
