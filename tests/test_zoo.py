"""Published numbers for the built-in networks: each pins the conventions symrf follows."""

import pytest

import symrf
from symrf.sources import zoo


def rows(name, size=None):
    return symrf.evaluate(zoo.build(name), input_size=size).layers


def test_alexnet_matches_the_seed_table():
    table = [(row.rf, row.jump) for row in rows("alexnet")]
    assert table == [(11, 4), (19, 8), (51, 8), (67, 16), (99, 16), (131, 16), (163, 16),
                     (195, 32)]


def test_vgg16_matches_araujo_et_al():
    report = symrf.evaluate(zoo.build("vgg16"))
    assert (report.rf, report.jump, report.padding) == (212, 32, 90)


def test_dilated_stack_matches_yu_and_koltun():
    assert [row.rf for row in rows("dilated-stack")] == [3, 7, 15, 31]


@pytest.mark.parametrize(("name", "rf"), [("resnet18", 435), ("resnet50", 427)])
def test_torchvision_resnets(name, rf):
    report = symrf.evaluate(zoo.build(name), input_size=224)
    assert (report.rf, report.jump, report.size) == (rf, 32, 7)


def test_slim_resnet_v1_50_matches_google_research_table():
    table = [(row.rf, row.jump, row.padding) for row in rows("resnet_v1_50", 224)][2:]
    assert table == [(35, 8, 15), (99, 16, 47), (291, 32, 143), (483, 32, 239)]
    # at 321 the SAME padding of the strided max pool changes: 17, 49, 145, 241
    assert [row.padding for row in rows("resnet_v1_50", 321)][2:] == [17, 49, 145, 241]


def test_slim_resnet_v1_50_padding_depends_on_input_size_without_one():
    report = symrf.derive(zoo.build("resnet_v1_50"))
    n_in = symrf.parse("n_in")
    assert report.rf == 483 and report.padding.xreplace({n_in: 224}) == 239


def test_slim_mobilenet_v1_matches_google_research_table():
    table = [(row.rf, row.jump, row.padding) for row in rows("mobilenet_v1", 224)]
    assert table[0] == (3, 2, 0)
    assert table[-3:] == [(219, 16, 94), (251, 32, 94), (315, 32, 126)]
    assert [row.padding for row in rows("mobilenet_v1", 321)][-2:] == [125, 157]


def test_slim_inception_v3_matches_google_research_table():
    table = [(row.rf[0], row.jump[0], row.padding[0]) for row in rows("inception_v3")]
    assert [rf for rf, _, _ in table] == [3, 7, 11, 15, 15, 23, 31, 63, 95, 127, 159, 351, 543,
                                          735, 927, 1055, 1183, 1311]
    assert table[-1] == (1311, 32, 618)
    assert [padding for _, _, padding in table][7:10] == [18, 34, 50]
    assert all(row.rf[0] == row.rf[1] for row in rows("inception_v3"))  # square fields


def test_unet_sizes_and_position_dependent_field():
    report = symrf.evaluate(zoo.build("unet"), input_size=572)
    assert report.size == 388  # Ronneberger et al., figure 1
    assert report.jump == 1 and report.period == 16
    assert report.rf_min <= report.rf and report.left >= 0  # VALID convolutions only
    assert report.rf_min_path == 9  # enc1, skip, dec1, 1x1


def test_aspp_head():
    report = symrf.evaluate(zoo.build("aspp"))
    assert (report.rf, report.rf_min_path, report.jump) == (37, 1, 1)


def test_tcn_matches_the_closed_form():
    report = symrf.evaluate(zoo.build("tcn"))
    assert report.rf == 1 + 2 * (3 - 1) * (2**8 - 1)
    assert report.right == 0  # causal: nothing from the future
