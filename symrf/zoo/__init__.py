"""Built-in networks, one module each; :data:`MODELS` lists them by name.

>>> sorted(MODELS)
['alexnet', 'dilated-stack', 'vgg16']
>>> build("alexnet").name
'alexnet'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from symrf.errors import SpecError
from symrf.layers.compose import Sequential
from symrf.zoo import alexnet, dilated_stack, vgg16


@dataclass(frozen=True)
class Model:
    """A built-in network: its builder, a one-line description and its source."""

    build: Callable[[], Sequential]
    summary: str
    source: str


MODELS: dict[str, Model] = {
    "alexnet": Model(alexnet.build, alexnet.SUMMARY, alexnet.SOURCE),
    "vgg16": Model(vgg16.build, vgg16.SUMMARY, vgg16.SOURCE),
    "dilated-stack": Model(dilated_stack.build, dilated_stack.SUMMARY, dilated_stack.SOURCE),
}
"""Built-in models by name."""


def build(name: str) -> Sequential:
    """Build the built-in model ``name``.

    Raises:
        SpecError: No model has that name.
    """
    if name not in MODELS:
        raise SpecError(
            f"no built-in model named {name!r}; built-in models: {', '.join(sorted(MODELS))}."
        )
    return MODELS[name].build()
