"""TF-Slim's inception_v3 base, with its factorised 1x7/7x1 convolutions as per-axis kernels.

Source: Szegedy et al., "Rethinking the Inception Architecture", arXiv:1512.00567;
TF-Slim nets/inception_v3.py; google-research/receptive_field's table, which gives for the
end-points RF 3, 7, 11, 15, 15, 23, 31, 63, 95, 127, 159, 351, 543, 735, 927, 1055, 1183,
1311 with effective padding ending in 618 (and jump 32). Strided layers use VALID padding and
stride-1 layers SAME, so these figures need no input size. Receptive fields are square: the
1x7 and 7x1 factorisations give both axes the same growth.

>>> from symrf import evaluate
>>> report = evaluate(build())
>>> report.rf, report.jump, report.padding
((1311, 1311), (32, 32), (618, 618))
"""

from symrf.layers.base import Layer
from symrf.layers.compose import Sequential
from symrf.layers.parallel import Merge, Parallel
from symrf.layers.window import AvgPool, Conv, MaxPool

SUMMARY = "TF-Slim inception_v3 base (Mixed_5b..Mixed_7c, factorised 1x7/7x1 convs)"
SOURCE = "Szegedy et al. 2016, arXiv:1512.00567; google-research/receptive_field table"


def _c(kernel: int | tuple[int, int], stride: int = 1, padding: str = "same") -> Conv:
    return Conv(kernel=kernel if isinstance(kernel, tuple) else (kernel, kernel),
                stride=stride, padding=padding)


def _pool_branch() -> list[Layer]:
    return [AvgPool(kernel=(3, 3), stride=1, padding="same"), _c(1)]


def _mixed(name: str, *branches: list[Layer]) -> Parallel:
    return Parallel(*branches, merge=Merge.CONCAT, name=name)


def _mixed_5(name: str) -> Parallel:
    return _mixed(name, [_c(1)], [_c(1), _c(5)], [_c(1), _c(3), _c(3)], _pool_branch())


def _mixed_6(name: str) -> Parallel:
    return _mixed(
        name,
        [_c(1)],
        [_c(1), _c((1, 7)), _c((7, 1))],
        [_c(1), _c((7, 1)), _c((1, 7)), _c((7, 1)), _c((1, 7))],
        _pool_branch(),
    )


def _split() -> Parallel:
    return Parallel([_c((1, 3))], [_c((3, 1))], merge=Merge.CONCAT)


def _mixed_7(name: str) -> Parallel:
    return _mixed(name, [_c(1)], [_c(1), _split()], [_c(1), _c(3), _split()], _pool_branch())


def build() -> Sequential:
    """The end-points Conv2d_1a_3x3 .. Mixed_7c of ``inception_v3_base``."""
    valid = "valid"
    return Sequential(
        Sequential(_c(3, 2, valid), name="Conv2d_1a_3x3"),
        Sequential(_c(3, 1, valid), name="Conv2d_2a_3x3"),
        Sequential(_c(3), name="Conv2d_2b_3x3"),
        MaxPool(kernel=(3, 3), stride=2, name="MaxPool_3a_3x3"),
        Sequential(_c(1, 1, valid), name="Conv2d_3b_1x1"),
        Sequential(_c(3, 1, valid), name="Conv2d_4a_3x3"),
        MaxPool(kernel=(3, 3), stride=2, name="MaxPool_5a_3x3"),
        _mixed_5("Mixed_5b"),
        _mixed_5("Mixed_5c"),
        _mixed_5("Mixed_5d"),
        _mixed("Mixed_6a", [_c(3, 2, valid)], [_c(1), _c(3), _c(3, 2, valid)],
               [MaxPool(kernel=(3, 3), stride=2)]),
        _mixed_6("Mixed_6b"),
        _mixed_6("Mixed_6c"),
        _mixed_6("Mixed_6d"),
        _mixed_6("Mixed_6e"),
        _mixed("Mixed_7a", [_c(1), _c(3, 2, valid)],
               [_c(1), _c((1, 7)), _c((7, 1)), _c(3, 2, valid)],
               [MaxPool(kernel=(3, 3), stride=2)]),
        _mixed_7("Mixed_7b"),
        _mixed_7("Mixed_7c"),
        name="inception_v3",
    )
