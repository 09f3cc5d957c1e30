"""AlexNet's feature extractor in torchvision's layout.

Source: torchvision.models.alexnet (Krizhevsky et al. 2012, the one-GPU variant of
"One weird trick", Krizhevsky 2014). ReLUs are left out: activations do not change the
receptive field, and the rows then match the seed's table: rf 11, 19, 51, 67, 99, 131, 163,
195 and jump 4, 8, 8, 16, 16, 16, 16, 32.

>>> from symrf import evaluate
>>> [row.rf for row in evaluate(build()).layers]
[11, 19, 51, 67, 99, 131, 163, 195]
"""

from symrf.layers.compose import Sequential
from symrf.layers.window import Conv, MaxPool

SUMMARY = "AlexNet features (torchvision layout): 5 convs, 3 max pools"
SOURCE = "torchvision.models.alexnet; Krizhevsky 2014, arXiv:1404.5997"


def build() -> Sequential:
    """The eight geometric layers of torchvision's ``alexnet().features``."""
    return Sequential(
        Conv(kernel=11, stride=4, padding=2, name="conv1"),
        MaxPool(kernel=3, stride=2, name="pool1"),
        Conv(kernel=5, padding=2, name="conv2"),
        MaxPool(kernel=3, stride=2, name="pool2"),
        Conv(kernel=3, padding=1, name="conv3"),
        Conv(kernel=3, padding=1, name="conv4"),
        Conv(kernel=3, padding=1, name="conv5"),
        MaxPool(kernel=3, stride=2, name="pool5"),
        name="alexnet",
    )
