"""LeNet-5, AlexNet and VGG against their papers.

Every expected number is worked out by hand here, or read from the paper (the table is named):
never taken from the model's own output. MACs come from fvcore, which counts one fused
multiply-add as one "flop".
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import torch
from fvcore.nn import ActivationCountAnalysis, FlopCountAnalysis
from torch import nn

from archstat.models import build_model, get_model_info
from archstat.models.lenet import PartialConv

MY_MODELS = [
    "lenet5", "alexnet", "alexnet_owt", "vgg11", "vgg11_lrn", "vgg13", "vgg16c", "vgg16", "vgg19",
    "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
]


def n_params(module: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def macs(model: nn.Module, input_size: tuple[int, ...]) -> int:
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    counter = FlopCountAnalysis(model, torch.zeros(1, *input_size))
    counter.unsupported_ops_warnings(False)
    counter.uncalled_modules_warnings(False)
    return int(counter.total())


def sub(model: nn.Module, name: str) -> Any:
    """A submodule by dotted name, typed loosely so tests can reach its attributes."""
    return model.get_submodule(name)


def output_shapes(
    model: nn.Module, names: list[str], input_size: tuple[int, ...]
) -> dict[str, tuple[int, ...]]:
    """Run a batch of 2 zeros and record the per-sample output shape of the named submodules."""
    shapes: dict[str, tuple[int, ...]] = {}
    modules = dict(model.named_modules())
    hooks = [
        modules[name].register_forward_hook(
            lambda _m, _i, out, name=name: shapes.__setitem__(name, tuple(out.shape[1:]))
        )
        for name in names
    ]
    with torch.no_grad():
        model(torch.zeros(2, *input_size))
    for hook in hooks:
        hook.remove()
    return shapes


def conv(cin: int, cout: int, k: int = 3, groups: int = 1) -> int:
    """Weights plus biases of a convolution, the hand formula."""
    return (cin // groups) * k * k * cout + cout


def fc(fin: int, fout: int) -> int:
    return fin * fout + fout


# ---------------------------------------------------------------- LeNet-5 (LeCun et al. 1998)

# Table I of the paper as printed: rows are S2 maps 0-5, columns C3 maps 0-15, X = connected.
TABLE_I = [
    "X...XXX..XXXX.XX",
    "XX...XXX..XXXX.X",
    "XXX...XXX..X.XXX",
    ".XXX..XXXX..X.XX",
    "..XXX..XXXX.XX.X",
    "...XXX..XXXX.XXX",
]


@pytest.fixture(scope="module")
def lenet() -> nn.Module:
    return build_model("lenet5", num_classes=10)


def test_lenet5_trainable_parameters_per_layer_sum_to_the_papers_60000(lenet: nn.Module) -> None:
    expected = {
        "c1": 6 * (5 * 5 * 1 + 1),  # 156
        "s2": 6 * 2,  # one coefficient and one bias per map: 12
        # Table I: six maps see 3 S2 maps, nine see 4, one sees all 6; each has one bias.
        "c3": 6 * (3 * 25 + 1) + 9 * (4 * 25 + 1) + 1 * (6 * 25 + 1),  # 1,516
        "s4": 16 * 2,  # 32
        "c5": 120 * (16 * 5 * 5 + 1),  # 48,120
        "f6": 84 * (120 + 1),  # 10,164
    }
    assert expected == {"c1": 156, "s2": 12, "c3": 1_516, "s4": 32, "c5": 48_120, "f6": 10_164}
    for name, count in expected.items():
        assert n_params(sub(lenet, name), trainable_only=True) == count, name
    # "only 60,000 trainable free parameters" (Section II-B)
    assert 156 + 12 + 1_516 + 32 + 48_120 + 10_164 == 60_000
    assert n_params(lenet, trainable_only=True) == 60_000
    assert get_model_info("lenet5").paper_params == 60_000


def test_lenet5_rbf_prototypes_are_fixed(lenet: nn.Module) -> None:
    rbf = sub(lenet, "fc")
    assert tuple(rbf.weight.shape) == (10, 84)
    assert not rbf.weight.requires_grad
    assert n_params(lenet) == 60_000 + 84 * 10


def test_lenet5_c3_wiring_is_table_i() -> None:
    table = [[i for i in range(6) if TABLE_I[i][j] == "X"] for j in range(16)]
    layer = PartialConv(table, 5)
    assert [sorted(inputs) for inputs in layer.table] == table
    # Wire check through the forward: with all-ones kernels and zero biases, lighting one S2 map
    # lights exactly the C3 maps that Table I connects to it.
    with torch.no_grad():
        for conv_map in layer.maps:
            assert isinstance(conv_map, nn.Conv2d) and conv_map.bias is not None
            nn.init.ones_(conv_map.weight)
            nn.init.zeros_(conv_map.bias)
        for s2_map in range(6):
            x = torch.zeros(1, 6, 14, 14)
            x[:, s2_map] = 1.0
            lit = layer(x).abs().sum(dim=(0, 2, 3)) > 0
            assert "".join("X" if on else "." for on in lit) == TABLE_I[s2_map]


def test_lenet5_output_shapes(lenet: nn.Module) -> None:
    shapes = output_shapes(lenet, ["c1", "s2", "c3", "s4", "c5", "f6", "fc"], (1, 32, 32))
    assert shapes == {
        "c1": (6, 28, 28), "s2": (6, 14, 14), "c3": (16, 10, 10), "s4": (16, 5, 5),
        "c5": (120, 1, 1), "f6": (84,), "fc": (10,),
    }


def test_lenet5_macs_plus_bias_connections_give_the_papers_340908(lenet: nn.Module) -> None:
    expected_macs = (
        28 * 28 * 6 * 25  # C1
        + 14 * 14 * 6 * 4  # S2: four inputs summed, times the coefficient
        + 10 * 10 * 25 * (6 * 3 + 9 * 4 + 1 * 6)  # C3 per Table I
        + 5 * 5 * 16 * 4  # S4
        + 120 * 16 * 25  # C5
        + 84 * 120  # F6
        + 10 * 84  # OUTPUT: one product per RBF input
    )
    assert macs(lenet, (1, 32, 32)) == expected_macs == 332_824
    # The paper's connections also count each bias once per output value (the RBF has none).
    bias_connections = 6 * 28 * 28 + 6 * 14 * 14 + 16 * 10 * 10 + 16 * 5 * 5 + 120 + 84
    assert expected_macs + bias_connections == 340_908


def test_lenet5_squashing_function() -> None:
    squash = sub(build_model("lenet5"), "c1.squash")
    x = torch.tensor([1.0, -1.0, 0.0])
    # A = 1.7159, S = 2/3 chosen so that f(1) = 1 and f(-1) = -1 (Appendix A)
    assert torch.allclose(squash(x), torch.tensor([1.0, -1.0, 0.0]), atol=1e-4)


def test_lenet5_num_classes_sets_the_rbf_units() -> None:
    model = build_model("lenet5", num_classes=26)
    assert tuple(sub(model, "fc").weight.shape) == (26, 84)
    assert n_params(model, trainable_only=True) == 60_000
    with torch.no_grad():
        assert tuple(model(torch.zeros(2, 1, 32, 32)).shape) == (2, 26)


# ---------------------------------------------------------------- AlexNet (Krizhevsky et al. 2012)

ALEXNET_LAYERS = {
    "features.conv1": conv(3, 96, 11),  # 34,944
    "features.conv2": conv(96, 256, 5, groups=2),  # 5x5x48 kernels: 307,456
    "features.conv3": conv(256, 384),  # full connection across the towers: 885,120
    "features.conv4": conv(384, 384, groups=2),  # 3x3x192 kernels: 663,936
    "features.conv5": conv(384, 256, groups=2),  # 3x3x192 kernels: 442,624
    "classifier.fc6": fc(256 * 6 * 6, 4096),  # 37,752,832
    "classifier.fc7": fc(4096, 4096),  # 16,781,312
    "classifier.fc": fc(4096, 1000),  # 4,097,000
}


def test_alexnet_params_per_layer() -> None:
    assert list(ALEXNET_LAYERS.values()) == [
        3 * 11 * 11 * 96 + 96, 48 * 5 * 5 * 256 + 256, 256 * 3 * 3 * 384 + 384,
        192 * 3 * 3 * 384 + 384, 192 * 3 * 3 * 256 + 256,
        9216 * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000,
    ]
    assert list(ALEXNET_LAYERS.values())[:5] == [34_944, 307_456, 885_120, 663_936, 442_624]
    model = build_model("alexnet")
    modules = dict(model.named_modules())
    for name, count in ALEXNET_LAYERS.items():
        assert n_params(modules[name]) == count, name
    assert n_params(model) == sum(ALEXNET_LAYERS.values()) == 60_965_224
    # "60 million parameters" (Abstract): 1.6% above the rounded figure
    assert abs(n_params(model) - 60e6) / 60e6 < 0.02


def test_alexnet_output_shapes_and_neurons() -> None:
    model = build_model("alexnet")
    names = ["features.conv1", "features.pool1", "features.conv2", "features.pool2",
             "features.conv3", "features.conv4", "features.conv5", "features.pool5",
             "classifier.fc6", "classifier.fc7", "classifier.fc"]
    shapes = output_shapes(model, names, (3, 227, 227))
    assert shapes == {
        "features.conv1": (96, 55, 55), "features.pool1": (96, 27, 27),
        "features.conv2": (256, 27, 27), "features.pool2": (256, 13, 13),
        "features.conv3": (384, 13, 13), "features.conv4": (384, 13, 13),
        "features.conv5": (256, 13, 13), "features.pool5": (256, 6, 6),
        "classifier.fc6": (4096,), "classifier.fc7": (4096,), "classifier.fc": (1000,),
    }
    # "650,000 neurons": the weight layers' outputs. Figure 2 gives 253,440 for conv1, but
    # 96 x 55 x 55 = 290,400, so the sum lands 1.4% above the rounded figure.
    neurons = 96 * 55 * 55 + 256 * 27 * 27 + 384 * 13 * 13 * 2 + 256 * 13 * 13 + 4096 * 2 + 1000
    assert neurons == 659_272 and abs(neurons - 650_000) / 650_000 < 0.02
    # Second method: fvcore's activation count (output elements of convolutions and linears).
    counter = ActivationCountAnalysis(model, torch.zeros(1, 3, 227, 227))
    counter.unsupported_ops_warnings(False)
    assert counter.total() == neurons


def test_alexnet_macs() -> None:
    expected = (
        55 * 55 * 96 * (3 * 11 * 11)
        + 27 * 27 * 256 * (48 * 5 * 5)
        + 13 * 13 * 384 * (256 * 3 * 3)
        + 13 * 13 * 384 * (192 * 3 * 3)
        + 13 * 13 * 256 * (192 * 3 * 3)
        + 9216 * 4096 + 4096 * 4096 + 4096 * 1000
    )
    assert macs(build_model("alexnet"), (3, 227, 227)) == expected == 724_406_816


def test_alexnet_owt_params_and_shapes() -> None:
    layers = {
        "features.conv1": conv(3, 64, 11),  # 23,296
        "features.conv2": conv(64, 192, 5),  # 307,392
        "features.conv3": conv(192, 384),  # 663,936
        "features.conv4": conv(384, 256),  # 884,992
        "features.conv5": conv(256, 256),  # 590,080
        "classifier.fc6": fc(256 * 6 * 6, 4096),
        "classifier.fc7": fc(4096, 4096),
        "classifier.fc": fc(4096, 1000),
    }
    assert list(layers.values())[:5] == [23_296, 307_392, 663_936, 884_992, 590_080]
    model = build_model("alexnet_owt")
    modules = dict(model.named_modules())
    for name, count in layers.items():
        assert n_params(modules[name]) == count, name
    assert n_params(model) == sum(layers.values()) == 61_100_840
    assert not any(isinstance(m, nn.LocalResponseNorm) for m in model.modules())
    shapes = output_shapes(model, ["features.conv1", "features.pool1", "features.conv2",
                                   "features.pool2", "features.conv5", "features.pool5", "avgpool"],
                           (3, 224, 224))
    # conv1: floor((224 + 2*2 - 11) / 4) + 1 = 55
    assert shapes == {
        "features.conv1": (64, 55, 55), "features.pool1": (64, 27, 27),
        "features.conv2": (192, 27, 27), "features.pool2": (192, 13, 13),
        "features.conv5": (256, 13, 13), "features.pool5": (256, 6, 6), "avgpool": (256, 6, 6),
    }


def test_alexnet_layout_note_numbers() -> None:
    # One-tower AlexNet of the 2012 widths (no groups) and the OWT footnote's 64-192-384-384-256.
    one_tower = 60_965_224 + (conv(96, 256, 5) - conv(96, 256, 5, 2)) \
        + (conv(384, 384) - conv(384, 384, groups=2)) + (conv(384, 256) - conv(384, 256, groups=2))
    footnote = 61_100_840 - conv(384, 256) - conv(256, 256) + conv(384, 384) + conv(384, 256)
    assert one_tower == 62_378_344 and footnote == 61_838_248
    assert "62,378,344" in get_model_info("alexnet").layout
    assert "61,838,248" in get_model_info("alexnet_owt").layout
    assert "227" in get_model_info("alexnet").layout


@pytest.mark.parametrize("name", ["alexnet", "alexnet_owt", "vgg16"])
def test_num_classes_changes_the_classifier(name: str) -> None:
    model = build_model(name, num_classes=7)
    last = dict(model.named_modules())["classifier.fc"]
    assert (last.in_features, last.out_features) == (4096, 7)
    assert n_params(model) == n_params(build_model(name)) - 4097 * 1000 + 4097 * 7


# ---------------------------------------------------------------- VGG (Simonyan & Zisserman 2014)

# Table 1 written out again, layer by layer, as (in, out, kernel): independent of the model's CFGS.
VGG_CONVS = {
    "vgg11": [(3, 64, 3), (64, 128, 3), (128, 256, 3), (256, 256, 3),
              (256, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3)],
    "vgg13": [(3, 64, 3), (64, 64, 3), (64, 128, 3), (128, 128, 3), (128, 256, 3), (256, 256, 3),
              (256, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3)],
    "vgg16c": [(3, 64, 3), (64, 64, 3), (64, 128, 3), (128, 128, 3),
               (128, 256, 3), (256, 256, 3), (256, 256, 1), (256, 512, 3), (512, 512, 3),
               (512, 512, 1), (512, 512, 3), (512, 512, 3), (512, 512, 1)],
    "vgg16": [(3, 64, 3), (64, 64, 3), (64, 128, 3), (128, 128, 3),
              (128, 256, 3), (256, 256, 3), (256, 256, 3), (256, 512, 3), (512, 512, 3),
              (512, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3)],
    "vgg19": [(3, 64, 3), (64, 64, 3), (64, 128, 3), (128, 128, 3),
              (128, 256, 3), (256, 256, 3), (256, 256, 3), (256, 256, 3),
              (256, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3),
              (512, 512, 3), (512, 512, 3), (512, 512, 3), (512, 512, 3)],
}
VGG_CLASSIFIER = fc(512 * 7 * 7, 4096) + fc(4096, 4096) + fc(4096, 1000)  # 123,642,856

# Table 2: "Number of parameters (in millions)"
TABLE_2 = {"vgg11": 133, "vgg11_lrn": 133, "vgg13": 133, "vgg16c": 134, "vgg16": 138, "vgg19": 144}


def vgg_hand_total(name: str) -> int:
    return sum(conv(cin, cout, k) for cin, cout, k in VGG_CONVS[name]) + VGG_CLASSIFIER


def test_vgg16_is_exactly_138357544_layer_by_layer() -> None:
    blocks = [
        (3 * 9 * 64 + 64) + (64 * 9 * 64 + 64),  # block 1: 38,720
        (64 * 9 * 128 + 128) + (128 * 9 * 128 + 128),  # block 2: 221,440
        (128 * 9 * 256 + 256) + 2 * (256 * 9 * 256 + 256),  # block 3: 1,475,328
        (256 * 9 * 512 + 512) + 2 * (512 * 9 * 512 + 512),  # block 4: 5,899,776
        3 * (512 * 9 * 512 + 512),  # block 5: 7,079,424
    ]
    assert blocks == [38_720, 221_440, 1_475_328, 5_899_776, 7_079_424]
    assert VGG_CLASSIFIER == 102_764_544 + 16_781_312 + 4_097_000
    model = build_model("vgg16")
    assert n_params(sub(model, "classifier")) == VGG_CLASSIFIER
    assert n_params(model) == sum(blocks) + VGG_CLASSIFIER == vgg_hand_total("vgg16") == 138_357_544


@pytest.mark.parametrize("name", list(TABLE_2))
def test_vgg_params_match_table_2(name: str) -> None:
    total = n_params(build_model(name))
    assert abs(total / 1e6 - TABLE_2[name]) <= 0.5
    assert get_model_info(name).paper_params == TABLE_2[name] * 1e6
    hand = vgg_hand_total(name.replace("_lrn", ""))  # LRN has no parameters
    assert total == hand


def test_vgg_exact_totals() -> None:
    assert {name: vgg_hand_total(name) for name in VGG_CONVS} == {
        "vgg11": 132_863_336, "vgg13": 133_047_848, "vgg16c": 133_638_952,
        "vgg16": 138_357_544, "vgg19": 143_667_240,
    }


def test_vgg_configuration_details() -> None:
    lrn = sub(build_model("vgg11_lrn"), "features")
    assert list(dict(lrn.named_children()))[:3] == ["conv1_1", "lrn1", "pool1"]
    assert isinstance(lrn.lrn1, nn.LocalResponseNorm)
    c = sub(build_model("vgg16c"), "features")
    assert [c.get_submodule(f"conv{b}_3").conv.kernel_size for b in (3, 4, 5)] == [(1, 1)] * 3
    assert c.conv3_2.conv.kernel_size == (3, 3)
    weight_layers = {
        name: sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in build_model(name).modules())
        for name in TABLE_2
    }
    assert weight_layers == {
        "vgg11": 11, "vgg11_lrn": 11, "vgg13": 13, "vgg16c": 16, "vgg16": 16, "vgg19": 19,
    }
    assert all(get_model_info(name).paper_depth == depth for name, depth in weight_layers.items())


@pytest.mark.parametrize("name,plain", [("vgg11_bn", "vgg11"), ("vgg13_bn", "vgg13"),
                                        ("vgg16_bn", "vgg16"), ("vgg19_bn", "vgg19")])
def test_vgg_bn_adds_two_parameters_per_channel(name: str, plain: str) -> None:
    widths = sum(cout for _cin, cout, _k in VGG_CONVS[plain])
    assert n_params(build_model(name)) == vgg_hand_total(plain) + 2 * widths
    if name == "vgg16_bn":
        assert widths == 64 * 2 + 128 * 2 + 256 * 3 + 512 * 6 == 4_224
        assert vgg_hand_total(plain) + 2 * widths == 138_365_992


def test_vgg16_output_shapes_and_macs_at_224() -> None:
    model = build_model("vgg16")
    names = [f"features.pool{b}" for b in range(1, 6)] + ["avgpool", "classifier.fc"]
    shapes = output_shapes(model, names, (3, 224, 224))
    assert shapes == {
        "features.pool1": (64, 112, 112), "features.pool2": (128, 56, 56),
        "features.pool3": (256, 28, 28), "features.pool4": (512, 14, 14),
        "features.pool5": (512, 7, 7), "avgpool": (512, 7, 7), "classifier.fc": (1000,),
    }
    sides = [224] * 2 + [112] * 2 + [56] * 3 + [28] * 3 + [14] * 3  # each convolution's output side
    layers = zip(sides, VGG_CONVS["vgg16"], strict=True)
    conv_macs = sum(s * s * cout * cin * k * k for s, (cin, cout, k) in layers)
    fc_macs = 25_088 * 4096 + 4096 * 4096 + 4096 * 1000
    # fvcore also counts one op per output value of the (here identity) adaptive average pool.
    assert macs(model, (3, 224, 224)) == conv_macs + fc_macs + 512 * 7 * 7 == 15_470_289_408


def test_vgg19_macs_match_the_resnet_papers_figure() -> None:
    # He et al. 2015, Figure 3: "the VGG-19 model (19.6 billion FLOPs)", FLOPs = multiply-adds.
    assert round(macs(build_model("vgg19"), (3, 224, 224)) / 1e9, 1) == 19.6


def test_vgg_runs_from_32_and_keeps_its_classifier() -> None:
    model = build_model("vgg11", num_classes=5)
    shapes = output_shapes(model, ["features.pool5", "avgpool", "classifier.fc"], (3, 32, 32))
    assert shapes == {"features.pool5": (512, 1, 1), "avgpool": (512, 7, 7), "classifier.fc": (5,)}


# ---------------------------------------------------------------- all of them

@pytest.mark.parametrize("name", MY_MODELS)
def test_min_input_is_the_smallest_that_runs(name: str) -> None:
    info = get_model_info(name)
    assert info.min_input is not None
    model = build_model(name, num_classes=10)
    channels = info.input_size[0]
    with torch.no_grad():
        model(torch.zeros(1, channels, info.min_input, info.min_input))
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, channels, info.min_input - 1, info.min_input - 1))


@pytest.mark.parametrize("name", MY_MODELS)
def test_default_input_runs_and_classifier_is_named_fc(name: str) -> None:
    info = get_model_info(name)
    model = build_model(name, num_classes=10)
    assert any(n.split(".")[-1] == "fc" for n, _ in model.named_modules())
    if name.startswith("vgg"):
        return  # the 224x224 VGG forward is covered once above; keep the suite fast
    with torch.no_grad():
        assert tuple(model(torch.zeros(1, *info.input_size)).shape) == (1, 10)
