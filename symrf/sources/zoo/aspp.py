"""A DeepLab-style ASPP head: parallel 3x3 convolutions with dilations 6, 12 and 18.

Source: Chen et al., "Rethinking Atrous Convolution for Semantic Image Segmentation"
(DeepLab v3), arXiv:1706.05587, section 3.3: a 1x1 convolution and three 3x3 atrous
convolutions with rates 6, 12, 18, concatenated and projected by a 1x1 convolution. The
image-pooling branch (global pooling broadcast back to every position) is left out: it would
make every unit see the whole input. The head alone sees 37 positions (2*18 + 1); its
shortest path, the 1x1 branch, sees 1.

>>> from symrf import evaluate
>>> report = evaluate(build())
>>> report.rf, report.rf_min_path, report.aligned
(37, 1, True)
"""

from symrf.layers.compose import Sequential
from symrf.layers.parallel import Merge, Parallel
from symrf.layers.window import Conv

SUMMARY = "DeepLab v3 ASPP head: 1x1 and 3x3 convs with dilations 6/12/18, concat, 1x1"
SOURCE = "Chen et al. 2017, arXiv:1706.05587"


def build() -> Sequential:
    """ASPP branches, concatenated, then the 1x1 projection."""
    branches = [[Conv(kernel=1, name="aspp_1x1")]] + [
        [Conv(kernel=3, dilation=rate, padding=rate, name=f"aspp_rate{rate}")]
        for rate in (6, 12, 18)
    ]
    return Sequential(
        Parallel(*branches, merge=Merge.CONCAT, name="aspp"),
        Conv(kernel=1, name="project"),
        name="aspp",
    )
