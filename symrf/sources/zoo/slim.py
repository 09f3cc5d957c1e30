"""TF-Slim's resnet_v1_50 and mobilenet_v1, as google-research's receptive_field table has them.

Source: tensorflow/models research/slim (nets/resnet_v1.py, nets/mobilenet_v1.py) and the
pre-computed table of google-research/receptive_field (RECEPTIVE_FIELD_TABLE.md).
TF-Slim pads with TensorFlow's SAME, which for stride 2 depends on the input length: the
published effective paddings are for a 224 input (``None`` without one). resnet_v1_50's
strided 3x3 convolutions use ``conv2d_same`` (explicit padding (k-1)//2 before a VALID
convolution) and each stage's stride sits in its last unit: block1..block4 reach RF 35, 99,
291, 483 with jumps 8, 16, 32, 32 and, at 224, effective paddings 15, 47, 143, 239.
mobilenet_v1's last pointwise layer has RF 315, jump 32 and padding 126 at 224.

>>> from symrf import evaluate
>>> report = evaluate(resnet_v1_50(), input_size=224)
>>> [(row.rf, row.jump, row.padding) for row in report.layers][2:]
[(35, 8, 15), (99, 16, 47), (291, 32, 143), (483, 32, 239)]
>>> report = evaluate(mobilenet_v1(), input_size=224)
>>> report.rf, report.jump, report.padding
(315, 32, 126)
"""

from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.parallel import Parallel
from symrf.layers.pointwise import Pad
from symrf.layers.window import Conv, MaxPool

SUMMARY_RESNET = "TF-Slim resnet_v1_50 (stride in each stage's last unit, SAME padding)"
SUMMARY_MOBILENET = "TF-Slim mobilenet_v1 (depthwise-separable, SAME padding)"
SOURCE = "TF-Slim nets; google-research/receptive_field RECEPTIVE_FIELD_TABLE.md"


def conv2d_same(kernel: int, stride: int) -> Layer:
    """Slim's ``conv2d_same``: SAME for stride 1, else explicit padding then VALID."""
    if stride == 1:
        return Conv(kernel=kernel, padding="same")
    total = kernel - 1
    return Sequential(Pad(left=total // 2, right=total - total // 2),
                      Conv(kernel=kernel, stride=stride, padding="valid"))


def _unit(stride: int, project: bool) -> Parallel:
    main = [Conv(kernel=1), conv2d_same(3, stride), Conv(kernel=1)]
    if project:
        shortcut: list[Layer] = [Conv(kernel=1, stride=stride)]
    elif stride > 1:  # slim's subsample: a 1x1 max pool with the stride
        shortcut = [MaxPool(kernel=1, stride=stride)]
    else:
        shortcut = []
    return Parallel(main, shortcut, name="bottleneck_v1")


def resnet_v1_50() -> Sequential:
    """Root (7x7/2 conv2d_same, 3x3/2 SAME max pool) and blocks of 3, 4, 6, 3 units."""
    blocks = []
    for index, (units, stride) in enumerate(((3, 2), (4, 2), (6, 2), (3, 1)), start=1):
        unit_list = [_unit(1, True)] + [_unit(1, False) for _ in range(units - 2)]
        unit_list.append(_unit(stride, False))
        blocks.append(Sequential(*unit_list, name=f"block{index}"))
    return Sequential(
        Sequential(conv2d_same(7, 2), name="conv1"),
        MaxPool(kernel=3, stride=2, padding="same", name="pool1"),
        *blocks,
        name="resnet_v1_50",
    )


_MOBILENET = ((1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512), (1, 512),
              (1, 512), (1, 512), (1, 512), (1, 512), (2, 1024), (1, 1024))


def mobilenet_v1() -> Sequential:
    """Conv2d_0 (3x3/2) and 13 depthwise 3x3 + pointwise 1x1 pairs, all SAME."""
    layers: list[Layer] = [Conv(kernel=3, stride=2, padding="same", name="Conv2d_0")]
    for index, (stride, _channels) in enumerate(_MOBILENET, start=1):
        layers.append(Sequential(Conv(kernel=3, stride=stride, padding="same"),
                                 Conv(kernel=1), name=f"Conv2d_{index}_pointwise"))
    return Sequential(*layers, name="mobilenet_v1")
