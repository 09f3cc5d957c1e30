"""U-Net (Ronneberger et al. 2015): VALID 3x3 convolutions, 2x2 up-convolutions, cropped skips.

Source: Ronneberger, Fischer & Brox, "U-Net", MICCAI 2015, arXiv:1505.04597, figure 1: a
572x572 input gives a 388x388 output. The skip connections crop the encoder maps to the
decoder's size (the crops below are the paper's, for a 572 input). Transposed convolutions
make the receptive field depend on position: it repeats every 16 output pixels.

>>> from symrf import evaluate
>>> report = evaluate(build(), input_size=572)
>>> report.size, report.jump, report.period, report.rf, report.rf_min, report.rf_min_path
(388, 1, 16, 204, 188, 9)
"""

from symrf.layers.compose import Sequential
from symrf.layers.graph import Graph, Node
from symrf.layers.parallel import Merge
from symrf.layers.pointwise import Crop
from symrf.layers.resample import ConvTranspose
from symrf.layers.window import Conv, MaxPool

SUMMARY = "U-Net (2015): 4 levels, VALID 3x3 convs, 2x2 up-convs, cropped skip concats"
SOURCE = "Ronneberger et al. 2015, arXiv:1505.04597"

_CROPS = (88, 40, 16, 4)
"""How much each encoder level is cropped on each side before its skip concat (572 input)."""


def _double() -> Sequential:
    return Sequential(Conv(kernel=3), Conv(kernel=3))


def build() -> Graph:
    """The U-Net graph: enc1..enc4, the bottleneck, and up4..up1 with their concats."""
    nodes = [Node("enc1", ("input",), _double())]
    for level in range(2, 5):
        nodes += [Node(f"pool{level - 1}", (f"enc{level - 1}",), MaxPool(kernel=2)),
                  Node(f"enc{level}", (f"pool{level - 1}",), _double())]
    nodes += [Node("pool4", ("enc4",), MaxPool(kernel=2)),
              Node("bottom", ("pool4",), _double())]
    below = "bottom"
    for level in range(4, 0, -1):
        crop = _CROPS[level - 1]
        nodes += [
            Node(f"up{level}", (below,), ConvTranspose(kernel=2, stride=2)),
            Node(f"crop{level}", (f"enc{level}",), Crop(left=crop, right=crop)),
            Node(f"concat{level}", (f"crop{level}", f"up{level}"), merge=Merge.CONCAT),
            Node(f"dec{level}", (f"concat{level}",), _double()),
        ]
        below = f"dec{level}"
    nodes.append(Node("output", (below,), Conv(kernel=1)))
    return Graph(nodes, name="unet")
