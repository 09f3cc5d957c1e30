"""Where networks come from: spec files, built-in models, ONNX files and PyTorch modules.

The sources floor (this package) owns where networks come from: spec files and their schema,
the example specs, the zoo, the PyTorch and ONNX importers, and the command line's targets.
It imports only the engine and the floors below it.

:func:`read` turns the command line's ``TARGET`` into a :class:`~symrf.sources.spec.Spec`: a
``.toml``/``.json`` spec file, a built-in model name (``symrf zoo``), an ``.onnx`` file, or
``package.module:attr`` naming a PyTorch module (importing it runs that package's code, as
any such command does), or ``example:NAME`` for a spec shipped with symrf (the docs'
examples). The importers load their frameworks only when asked for.

>>> read("alexnet").network.layers[0]
Conv(kernel=11, stride=4, dilation=1, padding=2)
>>> read("vgg16", upto="pool3").network.layers[-1].name
'pool3'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from symrf.engine.report import labels, network
from symrf.errors import NetworkError, SpecError
from symrf.layers.base import Param
from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph
from symrf.sources import examples, zoo
from symrf.sources.importers.torch import load_torch_target
from symrf.sources.spec import Spec, load

_MODULE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")
"""``package.module:attr``: a PyTorch module, module class or factory."""


def read(target: str, upto: str | None = None, input_size: Param | None = None, *,
         output: str | None = None, example_shape: tuple[int, ...] | None = None) -> Spec:
    """The network named by ``target``, cut after the row (or module) ``upto`` if given.

    ``output`` (one of a PyTorch model's outputs) and ``example_shape`` (its input's shape,
    ``(C, H, W)``) apply to PyTorch targets only.

    Raises:
        SpecError: The target is no file, model or module symrf can read.
    """
    if "\0" in target:
        raise SpecError(f"{target!r}: a target name cannot contain a NUL character.")
    target = examples.resolve(target)  # example:NAME, a spec shipped with symrf
    suffix = Path(target).suffix.lower()
    if suffix == ".onnx":
        from symrf.sources.importers.onnx import load_onnx_target

        return load_onnx_target(target, upto=upto, input_size=input_size)
    if not _exists(target) and _MODULE.fullmatch(target):
        net = load_torch_target(target, upto=upto, input_size=input_size,
                                output=output, example_shape=example_shape)
        if input_size is None and example_shape is not None:
            spatial = example_shape[1:]
            input_size = spatial[0] if len(set(spatial)) == 1 else spatial
        return Spec(target.rpartition(":")[2], network(net), input_size)
    if output is not None or example_shape is not None:
        raise SpecError(f"--output-name and --example-shape apply to PyTorch targets "
                        f"(package.module:attr), not to {_short(target)!r}.")
    if target in zoo.MODELS and not _exists(target):
        spec = Spec(target, network(zoo.build(target)))
    elif not _exists(target) and suffix == "":
        raise SpecError(
            f"{_short(target)!r} is neither a spec file nor a built-in model; built-in "
            f"models: {', '.join(sorted(zoo.MODELS))} (symrf zoo); models from files: "
            "*.toml, *.json, *.onnx, or package.module:attr for a PyTorch module."
        )
    else:
        spec = load(target)
    if upto is not None:
        spec = Spec(spec.name, cut(spec.network, upto), spec.input_size)
    return spec


def cut(net: Sequential | Graph, upto: str) -> Sequential | Graph:
    """``net`` up to and including the row named ``upto``.

    >>> cut(network(zoo.build("alexnet")), "conv2").layers[-1].name
    'conv2'
    """
    names = [name for name, _ in labels(net)]
    if upto not in names:
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        raise NetworkError(f"--upto {upto!r} names no row of {net.label()}; rows: {shown}.")
    if isinstance(net, Graph):
        return net.upto(upto)
    return Sequential(*net.layers[: names.index(upto) + 1], name=net.name)


def _exists(path: str) -> bool:
    """Whether ``path`` names something on disk (False for names the OS refuses)."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:60] + "..."
