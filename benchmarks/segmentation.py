"""Segmentation decoders (issue 22): the exact engine's time grows linearly with depth.

Run: ``python benchmarks/segmentation.py [--no-models]``. Three parts:

1. **Depth.** ``Upsample(2)`` followed by ``n`` 3-tap convolutions, ``n`` = 250 .. 4000:
   ``evaluate`` and reading every row (the exact engine's tables, one forward pass), time
   per layer. Beside it, for ``n`` up to 120, the engine it replaced (each row's phases
   propagated back to the input, ``tests/oracle_exact.py``): quadratic, and past about 150
   layers over its budget. Then ``coverage`` of 1,000 dilated layers, and 14 x (upsample 2,
   conv 3), the decoder the issue timed at 9.5 s for its figures.
2. **U-Net specs** of growing depth (levels of conv, pool ... upsample, concat, conv):
   each level doubles the phases of the decoder's tables, so the time per node and phase
   is what stays flat.
3. **Models** from segmentation_models_pytorch 0.6 (random init, resnet34 encoder), where
   they import: ``from_torch`` and ``evaluate`` + every row at 224, 512 and 1024, beside
   autograd's time for the hulls of 4 units (one backward pass of a linearised copy on a
   strip 32 pixels wide). Unet is first checked: symrf's hull of the central unit at 2048
   must be the one autograd reads (and rf 1027, rf_min 995, jump 1, left -513); so are 4
   central units of DeepLabV3Plus at 2560 (local field: its pooled context detached).

Answers are checked against references before timing (the brute-force oracle for part 1's
small cases, closed forms for the deep ones); a disagreement exits 1. Times are the best
of 3 (part 3: of 1), printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from fractions import Fraction

from timing import ROOT, best_of, show

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import symrf
from symrf.engine.coverage import coverage
from symrf.engine.exact import Tables

import oracle_exact
import oracle_graph


def fail(message: str) -> None:
    print(f"DISAGREEMENT: {message}")
    sys.exit(1)


def decoder(depth: int) -> symrf.Sequential:
    return symrf.Sequential(symrf.Upsample(factor=2),
                            *[symrf.Conv(kernel=3, padding=1)] * depth)


def every_row(net: symrf.Layer, size: int | None = None) -> list:
    return [(row.rf, row.rf_min, row.jump, row.left) for row in
            symrf.evaluate(net, input_size=size).layers]


def old_rows(net: symrf.Sequential) -> list:
    return [(field.rf, field.rf_min, field.jump, field.left) for field in (
        oracle_exact.reference_field(symrf.Sequential(*net.layers[: i + 1]), None)
        for i in range(len(net.layers)))]


def part_depth() -> None:
    print("1. Upsample(2) + n convolutions: evaluate and every row")
    for depth in (40, 80):  # the small cases against the oracle and the old engine
        net = decoder(depth)
        want = [(f.rf, f.rf_min, f.jump, f.left) for f in oracle_graph.row_figures(net, 16)]
        if every_row(net, 16) != want or old_rows(net) != want:
            fail(f"decoder({depth}) rows differ from the oracle")
    print(f"  {'n':>6} {'tables':>10} {'per layer':>10} {'old engine':>11} {'ratio':>7}")
    for depth in (60, 120, 250, 500, 1000, 2000, 4000):
        net = decoder(depth)
        rows = every_row(net)
        if rows[-1] != (depth + 1, depth + 1, Fraction(1, 2), -(depth // 2)):
            fail(f"decoder({depth}): {rows[-1]}")
        new = best_of(lambda net=net: every_row(net), repeat=3)
        old = best_of(lambda net=net: old_rows(net), repeat=1) if depth <= 120 else None
        print(f"  {depth:>6} {new * 1e3:>8.1f} ms {new / depth * 1e6:>7.1f} us"
              + (f" {old * 1e3:>8.1f} ms {old / new:>6.0f}x" if old else
                 "    (over its 10^7-visit budget)" if depth == 250 else ""))
    net = symrf.Sequential(*[symrf.Conv(kernel=2, dilation=2, padding=1)] * 1000)
    found = coverage(net, 4000)
    if found.rows[-1].holes != tuple(range(1, 2000, 2)):
        fail("coverage of 1,000 dilated layers")
    show("coverage, 1,000 dilated layers, input 4000", best_of(
        lambda: coverage(net, 4000), repeat=3))
    net = symrf.Sequential(*[symrf.Upsample(factor=2), symrf.Conv(kernel=3, padding=1)] * 14)
    show("14 x (upsample 2, conv 3): every row", best_of(lambda: every_row(net), repeat=3),
         f"(period {symrf.evaluate(net).period})")


def unet(levels: int, size: int) -> symrf.Graph:
    """A U-Net of ``levels`` levels: two 3x3 convolutions per level, pool, upsample, concat."""
    nodes, source, skips = [], "input", []
    for level in range(levels):
        for i in range(2):
            nodes.append(symrf.Node(f"enc{level}.{i}", (source,),
                                    symrf.Conv(kernel=3, padding=1)))
            source = f"enc{level}.{i}"
        skips.append(source)
        nodes.append(symrf.Node(f"pool{level}", (source,), symrf.MaxPool(kernel=2)))
        source = f"pool{level}"
    nodes.append(symrf.Node("bottom", (source,), symrf.Conv(kernel=3, padding=1)))
    source = "bottom"
    for level in reversed(range(levels)):
        nodes.append(symrf.Node(f"up{level}", (source,), symrf.Upsample(factor=2)))
        nodes.append(symrf.Node(f"cat{level}", (f"up{level}", skips[level]), merge="concat"))
        source = f"cat{level}"
        for i in range(2):
            nodes.append(symrf.Node(f"dec{level}.{i}", (source,),
                                    symrf.Conv(kernel=3, padding=1)))
            source = f"dec{level}.{i}"
    del size
    return symrf.Graph(nodes)


def part_unets() -> None:
    print("\n2. U-Net specs of growing depth: evaluate and every row")
    small = unet(2, 16)
    for row, want in zip(symrf.evaluate(small, input_size=16).layers,
                         oracle_graph.row_figures(small, 16), strict=True):
        if (row.rf, row.rf_min, row.period) != (want.rf, want.rf_min, want.period):
            fail(f"unet(2) row {row.name}")
    print(f"  {'levels':>6} {'nodes':>6} {'period':>7} {'time':>10} {'per node':>10} "
          f"{'per node and phase':>19}")
    for levels in (3, 5, 7, 9, 11):
        size = 2 ** levels * 4
        net = unet(levels, size)
        report = symrf.evaluate(net, input_size=size)
        seconds = best_of(lambda net=net, size=size: every_row(net, size), repeat=3)
        nodes, phases = len(net.nodes), 2 ** levels
        print(f"  {levels:>6} {nodes:>6} {report.period:>7} {seconds * 1e3:>8.1f} ms"
              f" {seconds / nodes * 1e6:>7.0f} us {seconds / nodes / phases * 1e6:>16.1f} us")


def part_models() -> None:
    print("\n3. segmentation_models_pytorch (resnet34, random init)")
    try:
        import torch

        with contextlib.suppress(RuntimeError):  # torchvision's CUDA wheel beside a CPU torch
            library = torch.library.Library("torchvision", "FRAGMENT")
            library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            library.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
        import segmentation_models_pytorch as smp
    except ImportError as error:
        print(f"  skipped: {error}")
        return
    import autograd_truth

    torch.set_num_threads(1)

    def build(kind: str) -> torch.nn.Module:
        model = getattr(smp, kind)(encoder_name="resnet34", encoder_weights=None)
        model.requires_divisible_input_shape = False  # control flow fx cannot trace
        return model.eval()

    def strip(model: torch.nn.Module, size: int) -> symrf.Layer:
        """The model's network along its first axis, traced on a ``size`` x 32 strip."""
        net = symrf.from_torch(model, input_size=(size, 32))
        return net.axis(0) if net.axes() > 1 else net

    model = build("Unet")
    net = strip(model, 2048)
    cells = Tables(net, 2048, sets=True)
    output = len(symrf.evaluate(net, input_size=2048).layers) - 1
    mine = cells.cell(output, 1024)
    theirs = autograd_truth.hulls(autograd_truth.linearised(model), (3, 2048, 32),
                                  [(1024, 16)], axis=0)[0]
    report = symrf.evaluate(symrf.from_torch(model, input_size=224), input_size=224)
    if (mine[0], mine[1]) != theirs or (report.rf, report.rf_min, report.jump,
                                        report.left) != (1027, 995, 1, -513):
        fail(f"Unet: symrf {mine[:2]}, autograd {theirs}; {report.rf} {report.rf_min}")
    print(f"  Unet checked: unit 1024 at 2048 sees {theirs} (autograd and symrf)")
    model = build("DeepLabV3Plus")  # align_corners merges: no period
    size = 2560
    net = strip(model, size)
    cells = Tables(net, size, sets=True)
    output = len(symrf.evaluate(net, input_size=size).layers) - 1
    units = [size // 2 + i for i in range(4)]
    mine = [cells.cell(output, x)[:2] for x in units]
    theirs = autograd_truth.hulls(autograd_truth.linearised(model, detach_context=True),
                                  (3, size, 32), [(x, 16) for x in units], axis=0)
    if mine != theirs:
        fail(f"DeepLabV3Plus: symrf {mine}, autograd {theirs}")
    print(f"  DeepLabV3Plus checked: units {units[0]}.. at {size} see {theirs} (both)")
    print(f"  {'model':<14} {'size':>5} {'import':>9} {'analyze':>9} {'autograd':>9}  figures")
    for kind in ("Unet", "UnetPlusPlus", "DeepLabV3Plus", "FPN", "Linknet", "PSPNet"):
        try:
            model = build(kind)
            symrf.from_torch(model, input_size=224)
        except Exception as error:  # any import failure is reported, not fatal
            print(f"  {kind:<14} does not import: {' '.join(str(error).split())[:90]}...")
            continue
        linear = autograd_truth.linearised(model)
        for size in (224, 512, 1024):
            start = time.perf_counter()
            net = symrf.from_torch(model, input_size=size)
            imported = time.perf_counter() - start
            start = time.perf_counter()
            try:
                report = symrf.evaluate(net, input_size=size)
                every = [(row.rf, row.jump) for row in report.layers]
                figures = (f"rf {report.rf}, rf_min {report.rf_min}, jump {report.jump}, "
                           f"left {report.left}, period {report.period}, {len(every)} rows")
            except symrf.SymrfError as error:
                figures = f"refused: {' '.join(str(error).split())[:60]}"
            analysed = time.perf_counter() - start
            strip = (3, size, 32)
            units = [(size // 2 + i, 16) for i in range(4)]
            start = time.perf_counter()
            autograd_truth.hulls(linear, strip, units, axis=0)
            backward = time.perf_counter() - start
            print(f"  {kind:<14} {size:>5} {imported:>7.2f} s {analysed:>7.2f} s "
                  f"{backward:>7.2f} s  {figures}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-models", action="store_true", help="skip part 3 (torch)")
    args = parser.parse_args()
    part_depth()
    part_unets()
    if not args.no_models:
        part_models()
    return 0


if __name__ == "__main__":
    sys.exit(main())
