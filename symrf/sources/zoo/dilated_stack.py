"""The context module's dilated stack: 3x3 convolutions with dilations 1, 2, 4, 8.

Source: Yu & Koltun, "Multi-Scale Context Aggregation by Dilated Convolutions", ICLR 2016,
arXiv:1511.07122, section 2: the receptive field grows exponentially, 3, 7, 15, 31.

>>> from symrf import evaluate
>>> [row.rf for row in evaluate(build()).layers]
[3, 7, 15, 31]
"""

from symrf.layers.compose import Sequential
from symrf.layers.window import Conv

SUMMARY = "Yu & Koltun dilated stack: 3x3 convs with dilation 1, 2, 4, 8"
SOURCE = "Yu & Koltun 2016, arXiv:1511.07122"


def build() -> Sequential:
    """Four 3x3 convolutions with dilation doubling and 'same' padding."""
    return Sequential(
        *(Conv(kernel=3, dilation=d, padding=d, name=f"dilated{d}") for d in (1, 2, 4, 8)),
        name="dilated-stack",
    )
