"""symrf: symbolic and exact receptive fields of convolutional networks.

Build a network from layers whose parameters are numbers or sympy symbols, then
:func:`derive` closed forms or :func:`evaluate` exact numbers:

>>> import symrf
>>> k, s, n = symrf.symbols("k s n")
>>> net = symrf.Sequential(symrf.Repeat(symrf.Conv(kernel=k, stride=s), times=n))
>>> symrf.evaluate(net, k=3, s=2, n=4).rf
31
"""

from symrf.effective import erf
from symrf.engine.numeric import evaluate
from symrf.engine.report import Field, Report, Row
from symrf.engine.sweep import Sweep, sweep
from symrf.engine.symbolic import derive
from symrf.errors import (
    ClusterError,
    ExpressionError,
    InvalidLayerError,
    NetworkError,
    NoSolutionError,
    ScalarTypeError,
    SpecError,
    SymrfError,
    TooLargeError,
)
from symrf.layers.compose import Sequential
from symrf.layers.context import Context
from symrf.layers.graph import Graph, Node
from symrf.layers.parallel import Merge, Parallel
from symrf.layers.pointwise import (
    GELU,
    BatchNorm,
    ChannelShuffle,
    Crop,
    Dropout,
    Identity,
    LayerNorm,
    Pad,
    ReLU,
    Sigmoid,
    Tanh,
)
from symrf.layers.repeat import Repeat
from symrf.layers.resample import (
    ConvTranspose,
    Mode,
    PixelShuffle,
    PixelUnshuffle,
    Upsample,
)
from symrf.layers.resize import Resize
from symrf.layers.whole import AdaptivePool, GlobalPool, Linear
from symrf.layers.window import AvgPool, Conv, MaxPool, Padding
from symrf.maths.algebra import IntervalMap, SizeMap
from symrf.maths.expressions import parse
from symrf.maths.scalars import symbols
from symrf.paper import paper_form
from symrf.render.figures import figure
from symrf.render.notebook import register as _register_display
from symrf.solve import Answer, Solution, Target, Unknown, solve
from symrf.sources import zoo
from symrf.sources.importers import from_onnx
from symrf.sources.importers.torch import from_torch
from symrf.sources.spec import load, loads

__version__ = "0.1.0"

_register_display()  # inside a Jupyter kernel: reports, answers and layers display as HTML


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext symrf``: display symrf's results as tables and pictures in this shell."""
    _register_display(ipython)

__all__ = [
    "GELU",
    "AdaptivePool",
    "Answer",
    "AvgPool",
    "BatchNorm",
    "ChannelShuffle",
    "ClusterError",
    "Context",
    "Conv",
    "ConvTranspose",
    "Crop",
    "Dropout",
    "ExpressionError",
    "Field",
    "GlobalPool",
    "Graph",
    "Identity",
    "IntervalMap",
    "InvalidLayerError",
    "LayerNorm",
    "Linear",
    "MaxPool",
    "Merge",
    "Mode",
    "NetworkError",
    "NoSolutionError",
    "Node",
    "Pad",
    "Padding",
    "Parallel",
    "PixelShuffle",
    "PixelUnshuffle",
    "ReLU",
    "Repeat",
    "Report",
    "Resize",
    "Row",
    "ScalarTypeError",
    "Sequential",
    "Sigmoid",
    "SizeMap",
    "Solution",
    "SpecError",
    "Sweep",
    "SymrfError",
    "Tanh",
    "Target",
    "TooLargeError",
    "Unknown",
    "Upsample",
    "derive",
    "erf",
    "evaluate",
    "figure",
    "from_onnx",
    "from_torch",
    "load",
    "loads",
    "paper_form",
    "parse",
    "solve",
    "sweep",
    "symbols",
    "zoo",
]
