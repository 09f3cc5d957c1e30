"""Built-in networks, one module each; :data:`MODELS` lists them by name.

>>> sorted(MODELS)  # doctest: +NORMALIZE_WHITESPACE
['alexnet', 'aspp', 'dilated-stack', 'inception_v3', 'mobilenet_v1', 'resnet18', 'resnet50',
 'resnet_v1_50', 'tcn', 'unet', 'vgg16']
>>> build("alexnet").name
'alexnet'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from symrf.errors import SpecError
from symrf.layers.base import Layer
from symrf.sources.zoo import (
    alexnet,
    aspp,
    dilated_stack,
    inception,
    resnet,
    slim,
    tcn,
    unet,
    vgg16,
)


@dataclass(frozen=True)
class Model:
    """A built-in network: its builder, a one-line description and its source."""

    build: Callable[[], Layer]
    summary: str
    source: str


MODELS: dict[str, Model] = {
    "alexnet": Model(alexnet.build, alexnet.SUMMARY, alexnet.SOURCE),
    "vgg16": Model(vgg16.build, vgg16.SUMMARY, vgg16.SOURCE),
    "dilated-stack": Model(dilated_stack.build, dilated_stack.SUMMARY, dilated_stack.SOURCE),
    "resnet18": Model(resnet.resnet18, resnet.SUMMARY_18, resnet.SOURCE),
    "resnet50": Model(resnet.resnet50, resnet.SUMMARY_50, resnet.SOURCE),
    "resnet_v1_50": Model(slim.resnet_v1_50, slim.SUMMARY_RESNET, slim.SOURCE),
    "mobilenet_v1": Model(slim.mobilenet_v1, slim.SUMMARY_MOBILENET, slim.SOURCE),
    "inception_v3": Model(inception.build, inception.SUMMARY, inception.SOURCE),
    "unet": Model(unet.build, unet.SUMMARY, unet.SOURCE),
    "aspp": Model(aspp.build, aspp.SUMMARY, aspp.SOURCE),
    "tcn": Model(tcn.build, tcn.SUMMARY, tcn.SOURCE),
}
"""Built-in models by name."""


def build(name: str) -> Layer:
    """Build the built-in model ``name``.

    Raises:
        SpecError: No model has that name.
    """
    if name not in MODELS:
        raise SpecError(
            f"no built-in model named {name!r}; built-in models: {', '.join(sorted(MODELS))}."
        )
    return MODELS[name].build()
