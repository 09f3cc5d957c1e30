"""A temporal convolutional network: residual blocks of causal convolutions, dilation doubling.

Source: Bai, Kolter & Koltun, "An Empirical Evaluation of Generic Convolutional and Recurrent
Networks for Sequence Modeling", arXiv:1803.01271, section 3: each residual block holds two
dilated causal convolutions (kernel k, dilation 2**i, left padding (k-1)*d); the receptive
field of L levels is 1 + 2*(k-1)*(2**L - 1). Here k = 3 and L = 8: 1021.

>>> from symrf import evaluate
>>> report = evaluate(build())
>>> report.rf, report.right, report.aligned
(1021, 0, False)
"""

from symrf.layers.compose import Sequential
from symrf.layers.parallel import Parallel
from symrf.layers.pointwise import Pad
from symrf.layers.window import Conv

SUMMARY = "TCN (Bai et al. 2018): 8 residual levels of causal 3-tap convs, dilation 2**i"
SOURCE = "Bai et al. 2018, arXiv:1803.01271"

KERNEL = 3
LEVELS = 8


def causal(kernel: int, dilation: int) -> Sequential:
    """A causal convolution: pad ``(k-1)*d`` on the left only, then a VALID convolution."""
    return Sequential(Pad(left=(kernel - 1) * dilation), Conv(kernel=kernel, dilation=dilation))


def build() -> Sequential:
    """``LEVELS`` residual blocks; the skip of the first one is a 1x1 projection."""
    blocks = []
    for level in range(LEVELS):
        dilation = 2**level
        main = [causal(KERNEL, dilation), causal(KERNEL, dilation)]
        skip = [Conv(kernel=1)] if level == 0 else []
        blocks.append(Parallel(main, skip, name=f"level{level}"))
    return Sequential(*blocks, name="tcn")
