"""VGG-16's convolutional part (configuration D).

Source: Simonyan & Zisserman 2015, arXiv:1409.1556, table 1, column D. Araujo, Norris &
Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019, give its
receptive field 212, effective stride 32 and effective padding 90 at pool5.

>>> from symrf import evaluate
>>> report = evaluate(build())
>>> report.rf, report.jump, report.padding
(212, 32, 90)
"""

from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.window import Conv, MaxPool

SUMMARY = "VGG-16 (configuration D): 13 3x3 convs, 5 2x2 max pools"
SOURCE = "Simonyan & Zisserman 2015, arXiv:1409.1556; Araujo et al., Distill 2019"

_STAGES = (2, 2, 3, 3, 3)


def build() -> Sequential:
    """Conv 3x3 (padding 1) stages of 2, 2, 3, 3, 3 layers, each followed by a 2x2 max pool."""
    layers: list[Layer] = []
    for stage, convs in enumerate(_STAGES, start=1):
        layers += [Conv(kernel=3, padding=1, name=f"conv{stage}_{i}") for i in range(1, convs + 1)]
        layers.append(MaxPool(kernel=2, name=f"pool{stage}"))
    return Sequential(*layers, name="vgg16")
