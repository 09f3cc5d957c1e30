"""Importers: PyTorch and ONNX models as symrf networks.

Each importer lives in its own module and imports its framework only when called, so
``import symrf`` never loads torch or onnx. :func:`symrf.sources.importers.torch.from_torch` maps a
PyTorch module; its mapping table is extended with
:func:`symrf.sources.importers.torch.register`.
"""

from __future__ import annotations

from typing import Any


def from_onnx(path_or_model: Any, *, input_size: object = None, upto: str | None = None,
              global_context: str = "exclude") -> Any:
    """Read an ONNX model (a path or an ``onnx.ModelProto``) as a symrf network.

    The importer (:func:`symrf.sources.importers.onnx.from_onnx`, which documents every
    argument) and numpy load only when this is called, so ``import symrf`` stays light.

    >>> from_onnx("missing.onnx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    symrf.errors.SpecError: missing.onnx: cannot read the file (No such file ...
    """
    from symrf.sources.importers.onnx import from_onnx as read

    return read(path_or_model, input_size=input_size, upto=upto, global_context=global_context)
