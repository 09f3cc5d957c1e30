"""torchvision's ResNet-18 and ResNet-50 (the "v1.5" layout: stride in the 3x3 convolution).

Source: He et al. 2016, arXiv:1512.03385; torchvision.models.resnet18/resnet50. Rows are the
stages (conv1, maxpool, layer1..layer4). Their receptive fields are 435 (ResNet-18) and 427
(ResNet-50), with jump 32. TF-Slim's resnet_v1_50 (:mod:`symrf.sources.zoo.slim`) puts each stage's
stride in its *last* unit instead, so more 3x3 convolutions run at the coarser jump and its
receptive field is 483.

>>> from symrf import evaluate
>>> evaluate(resnet18()).rf, evaluate(resnet50()).rf
(435, 427)
"""

from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.parallel import Parallel
from symrf.layers.window import Conv, MaxPool

SUMMARY_18 = "ResNet-18 (torchvision): basic blocks 2-2-2-2"
SUMMARY_50 = "ResNet-50 (torchvision, stride in the 3x3 conv): bottlenecks 3-4-6-3"
SOURCE = "He et al. 2016, arXiv:1512.03385; torchvision.models.resnet"


def _stem() -> list[Layer]:
    return [Conv(kernel=7, stride=2, padding=3, name="conv1"),
            MaxPool(kernel=3, stride=2, padding=1, name="maxpool")]


def _skip(stride: int, project: bool) -> list[Layer]:
    return [Conv(kernel=1, stride=stride, name="downsample")] if project else []


def basic(stride: int = 1, project: bool = False) -> Parallel:
    """Two 3x3 convolutions beside an identity (or strided 1x1) shortcut."""
    main = [Conv(kernel=3, stride=stride, padding=1), Conv(kernel=3, padding=1)]
    return Parallel(main, _skip(stride, project), name="basic")


def bottleneck(stride: int = 1, project: bool = False) -> Parallel:
    """1x1, 3x3 (with the stride), 1x1 beside an identity (or strided 1x1) shortcut."""
    main = [Conv(kernel=1), Conv(kernel=3, stride=stride, padding=1), Conv(kernel=1)]
    return Parallel(main, _skip(stride, project), name="bottleneck")


def _stage(block, units: int, stride: int, name: str) -> Sequential:
    blocks = [block(stride, True)] + [block() for _ in range(units - 1)]
    return Sequential(*blocks, name=name)


def resnet18() -> Sequential:
    """ResNet-18: four stages of two basic blocks."""
    stages = [_stage(basic, 2, s, f"layer{i}") for i, s in enumerate((1, 2, 2, 2), start=1)]
    return Sequential(*_stem(), *stages, name="resnet18")


def resnet50() -> Sequential:
    """ResNet-50: stages of 3, 4, 6 and 3 bottlenecks."""
    stages = [
        _stage(bottleneck, units, s, f"layer{i}")
        for i, (units, s) in enumerate(((3, 1), (4, 2), (6, 2), (3, 2)), start=1)
    ]
    return Sequential(*_stem(), *stages, name="resnet50")
