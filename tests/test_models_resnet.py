"""ResNet v1/v1.5, pre-activation ResNet, ResNeXt and the CIFAR ResNets against their papers.

Every expected number is read from a paper (table named), worked out by hand here, or taken from
an independent published count (torchvision's weight metadata, ``num_params`` and ``_ops``, for the
same layout); never from the model's own output. MACs: one fused multiply-add = 1 MAC. The big
ImageNet nets are counted on the meta device by hooks (no arithmetic, no memory), cross-checked
against fvcore once at 224.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from torch import nn

import archstat
from archstat.models import build_model, get_model_info, list_models
from archstat.models import resnet as imagenet
from archstat.models.resnet import projection
from archstat.models.resnet_cifar import CifarResNet, ZeroPadShortcut

MY_FAMILIES = ("ResNet", "ResNeXt")
MY_MODELS = [n for n in list_models() if get_model_info(n).family.startswith(MY_FAMILIES)]
CIFAR_MODELS = [n for n in MY_MODELS if get_model_info(n).input_size == (3, 32, 32)]


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def classes(name: str) -> int:
    return 10 if name in CIFAR_MODELS else 1000


def build(name: str) -> nn.Module:
    return build_model(name, num_classes=classes(name))


def meta_model(name: str) -> nn.Module:
    """The builder run on the meta device: shapes only, so the 16-GMAC nets cost nothing."""
    return build_model(name, num_classes=classes(name), device="meta")


def conv_fc_macs(model: nn.Module, side: int) -> int:
    """Second method for MACs: each conv costs out_elements x (cin / groups) x kh x kw, each
    linear out_elements x in_features. The model runs on the meta device."""
    total = 0

    def count(module: Any, _inputs: Any, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += out.numel() * module.in_channels // module.groups * kh * kw
        elif isinstance(module, nn.Linear):
            total += out.numel() * module.in_features

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(torch.empty(1, 3, side, side, device="meta"))
    for hook in hooks:
        hook.remove()
    return total


@pytest.fixture(scope="module")
def resnet50_report() -> archstat.Report:
    return archstat.analyze("resnet50", input_size=(3, 224, 224))


@pytest.fixture(scope="module")
def resnet50_v1_5_report() -> archstat.Report:
    return archstat.analyze("resnet50_v1_5", input_size=(3, 224, 224))


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads on a busy 2-core box spend most of their time waiting
    yield
    torch.set_num_threads(threads)


# --- ResNet v1 and v1.5 (ImageNet) -------------------------------------------------------------

# torchvision's weight metadata ("num_params") for the same layouts (its ResNets stride the 3x3,
# which moves no parameter).
PUBLISHED_PARAMS = {
    "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
    "resnet101": 44_549_160, "resnet152": 60_192_808, "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336, "resnext101_64x4d": 83_455_272,
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMS))
def test_params_equal_the_published_counts(name: str) -> None:
    assert n_params(meta_model(name)) == PUBLISHED_PARAMS[name]


# torchvision's weight metadata ("_ops", GMACs of convs and fc at 224) for its stride-in-3x3 nets.
PUBLISHED_GMACS = {"resnet50_v1_5": 4.089, "resnet152_v1_5": 11.514, "resnext101_32x8d": 16.414}


@pytest.mark.parametrize("name", sorted(PUBLISHED_GMACS))
def test_macs_equal_the_published_counts(name: str) -> None:
    assert round(conv_fc_macs(meta_model(name), 224) / 1e9, 3) == PUBLISHED_GMACS[name]


def bottleneck_params(
    cin: int, width: int, cout: int, groups: int = 1, project: bool = False
) -> int:
    """1x1 cin->width, 3x3 width->width in ``groups``, 1x1 width->cout, each + BN (2 per channel);
    a projection shortcut adds a 1x1 cin->cout + BN."""
    convs = cin * width + 9 * width * (width // groups) + width * cout
    bns = 2 * (width + width + cout)
    return convs + bns + (cin * cout + 2 * cout if project else 0)


def test_resnet50_params_by_hand() -> None:
    stem = 3 * 64 * 7 * 7 + 2 * 64  # 9,536
    stages = [  # (input channels, planes, units): ResNet Table 1, 50-layer column
        (64, 64, 3), (256, 128, 4), (512, 256, 6), (1024, 512, 3),
    ]
    body = 0
    for cin, planes, units in stages:
        body += bottleneck_params(cin, planes, 4 * planes, project=True)
        body += (units - 1) * bottleneck_params(4 * planes, planes, 4 * planes)
    fc = 2048 * 1000 + 1000
    assert bottleneck_params(64, 64, 256, project=True) == 75_008  # conv2_x's first unit
    assert stem + body + fc == 25_557_032
    model = meta_model("resnet50")
    assert n_params(model) == stem + body + fc
    assert n_params(model.get_submodule("layer1.0")) == 75_008


@pytest.mark.parametrize("depth", [50, 101, 152])
def test_v1_5_moves_the_stride_not_a_parameter(depth: int) -> None:
    v1, v15 = meta_model(f"resnet{depth}"), meta_model(f"resnet{depth}_v1_5")
    assert n_params(v1) == n_params(v15)
    assert v1.get_submodule("layer2.0.conv1").stride == (2, 2)  # the paper: first 1x1 strides
    assert v1.get_submodule("layer2.0.conv2").stride == (1, 1)
    assert v15.get_submodule("layer2.0.conv1").stride == (1, 1)
    assert v15.get_submodule("layer2.0.conv2").stride == (2, 2)


def test_resnet50_stage_shapes_at_224(resnet50_report: archstat.Report) -> None:
    layers = resnet50_report.modules
    shapes = dict(zip(layers.name, layers.output_shape, strict=True))
    assert list(shapes["conv1"]) == [1, 64, 112, 112] and list(shapes["maxpool"]) == [1, 64, 56, 56]
    expected = {"layer1": [256, 56, 56], "layer2": [512, 28, 28],  # Table 1 "output size" column
                "layer3": [1024, 14, 14], "layer4": [2048, 7, 7]}
    for stage, shape in expected.items():
        assert list(shapes[stage]) == [1, *shape]


def test_resnet50_macs_against_table1(resnet50_report: archstat.Report) -> None:
    by_op = resnet50_report.totals["by_operator"]
    conv_fc = by_op["conv"] + by_op["linear"]
    # Table 1: 3.8 x 10^9 "FLOPs" (multiply-adds) for the 50-layer net. Conv + fc is 1.5% above;
    # fvcore's total also counts batch norm (21M) and the average pool, 2.1% above.
    assert conv_fc == pytest.approx(3.8e9, rel=0.02)
    assert resnet50_report.totals["macs"] == pytest.approx(3.8e9, rel=0.03)
    assert conv_fc_macs(meta_model("resnet50"), 224) == conv_fc  # second method agrees exactly


def test_v1_5_costs_more_by_hand(
    resnet50_report: archstat.Report, resnet50_v1_5_report: archstat.Report
) -> None:
    # Moving the stride into the 3x3 leaves the 3x3's cost alone (same output size) but runs each
    # down-sampling unit's first 1x1 at 4x the area: 3 x H x W x cin x planes more per unit.
    extra = 3 * 28 * 28 * 256 * 128 + 3 * 14 * 14 * 512 * 256 + 3 * 7 * 7 * 1024 * 512
    assert extra == 3 * 77_070_336
    v1, v15 = resnet50_report.totals, resnet50_v1_5_report.totals
    assert v15["by_operator"]["conv"] - v1["by_operator"]["conv"] == extra
    assert v15["macs"] > v1["macs"]
    # The ResNeXt paper's ResNet-50 (Table 1: 4.1 x 10^9) is this layout.
    v15_conv_fc = v15["by_operator"]["conv"] + v15["by_operator"]["linear"]
    assert v15_conv_fc == pytest.approx(4.1e9, rel=0.01)


# ResNet Table 1, FLOPs row (multiply-adds, x10^9), for the paper's stride-in-1x1 layout.
TABLE1_MACS = {"resnet18": 1.8e9, "resnet34": 3.6e9, "resnet50": 3.8e9, "resnet101": 7.6e9,
               "resnet152": 11.3e9}


@pytest.mark.parametrize("name", sorted(TABLE1_MACS))
def test_table1_multiply_adds(name: str) -> None:
    assert conv_fc_macs(meta_model(name), 224) == pytest.approx(TABLE1_MACS[name], rel=0.02)


# --- ResNeXt -----------------------------------------------------------------------------------

def test_resnext50_unit_by_hand() -> None:
    model = meta_model("resnext50_32x4d")
    # Table 1, conv2 of ResNeXt-50 (32x4d): 1x1 128, 3x3 128 with C = 32, 1x1 256, each + BN;
    # projection 64->256 + BN.
    unit = (64 * 128 + 2 * 128 + 9 * 128 * (128 // 32) + 2 * 128 + 128 * 256 + 2 * 256
            + 64 * 256 + 2 * 256)
    assert unit == bottleneck_params(64, 128, 256, groups=32, project=True) == 63_488
    assert n_params(model.get_submodule("layer1.0")) == unit
    for i, width in enumerate([128, 256, 512, 1024], 1):  # Table 1: widths double per stage
        conv = model.get_submodule(f"layer{i}.0.conv2")
        assert (conv.out_channels, conv.groups) == (width, 32)
        assert model.get_submodule(f"layer{i}.0.conv3").out_channels == 2 * width


def test_resnext_against_table1() -> None:
    resnext, resnet = meta_model("resnext50_32x4d"), meta_model("resnet50_v1_5")
    # Table 1: ResNet-50 25.5M / 4.1 GMACs, ResNeXt-50 25.0M / 4.2 GMACs. The paper truncates
    # ResNet-50's 25.56M to 25.5M.
    assert round(n_params(resnext) / 1e6, 1) == 25.0
    assert 25.5e6 <= n_params(resnet) < 25.6e6
    assert conv_fc_macs(resnext, 224) == pytest.approx(4.2e9, rel=0.01)
    assert n_params(resnext) < n_params(resnet)
    assert conv_fc_macs(resnext, 224) > conv_fc_macs(resnet, 224)


def test_resnext101_32x4d_params() -> None:
    assert round(n_params(meta_model("resnext101_32x4d")) / 1e6, 2) == 44.18  # OpenMMLab's zoo


# --- Pre-activation ResNet (ImageNet) ----------------------------------------------------------

def test_preact_units_follow_identity_mappings() -> None:
    model = build_model("preact_resnet18", num_classes=10, init_weights=True)
    first, down, plain = (model.get_submodule(n) for n in ("layer1.0", "layer2.0", "layer2.1"))
    assert not hasattr(first, "bn1")  # conv1's BN-ReLU is its activation
    assert isinstance(down.shortcut, nn.Conv2d) and plain.shortcut is None
    assert isinstance(model.get_submodule("postact.bn"), nn.BatchNorm2d)
    seen: dict[str, torch.Tensor] = {}
    down.relu1.register_forward_hook(lambda _m, _i, out: seen.__setitem__("act", out.clone()))
    down.shortcut.register_forward_hook(lambda _m, inp, _o: seen.__setitem__("proj", inp[0]))
    with torch.no_grad():
        model(torch.randn(1, 3, 64, 64))
    assert torch.equal(seen["act"], seen["proj"])  # the projection sees the pre-activated input


def test_preact_resnet18_params_differ_from_v1_only_in_batch_norms() -> None:
    # Same convs and fc; only the BNs (2 parameters per channel) move. ResNet-18 v1, per unit:
    # bn1 + bn2 on ``planes``; plus BNs on the three projections (option B). Pre-activation:
    # bn1 on the unit's input, bn2 on ``planes``; none on the projections; one after the last stage.
    v1_units = 2 * 2 * 2 * (64 + 128 + 256 + 512)
    v1_projections = 2 * (128 + 256 + 512)
    pre_units = (2 * 64                     # layer1.0: bn2 only (conv1's BN-ReLU is its bn1)
                 + 2 * (64 + 64)            # layer1.1
                 + 2 * (64 + 128) + 2 * (128 + 128)    # layer2.0 sees 64 input channels
                 + 2 * (128 + 256) + 2 * (256 + 256)
                 + 2 * (256 + 512) + 2 * (512 + 512))
    pre_final = 2 * 512
    v1, pre = n_params(meta_model("resnet18")), n_params(meta_model("preact_resnet18"))
    assert v1 - pre == (v1_units + v1_projections) - (pre_units + pre_final) == 1_792


# --- CIFAR (ResNet paper Sec. 4.2 and "Identity Mappings") -------------------------------------

TABLE6 = {  # ResNet paper Table 6: params (millions), as printed
    "resnet20": (0.27, 2), "resnet32": (0.46, 2), "resnet44": (0.66, 2), "resnet56": (0.85, 2),
    "resnet110": (1.7, 1), "resnet1202": (19.4, 1),
}


@pytest.mark.parametrize("name", sorted(TABLE6))
def test_cifar_params_round_to_table6(name: str) -> None:
    millions, digits = TABLE6[name]
    assert round(n_params(meta_model(name)) / 1e6, digits) == millions
    assert get_model_info(name).paper_params == millions * 1e6


def test_resnet20_params_by_hand() -> None:
    stem = 3 * 16 * 9 + 2 * 16
    stage1 = 3 * (2 * (16 * 16 * 9 + 2 * 16))
    stage2 = (16 * 32 * 9 + 32 * 32 * 9 + 4 * 32) + 2 * (2 * (32 * 32 * 9 + 2 * 32))
    stage3 = (32 * 64 * 9 + 64 * 64 * 9 + 4 * 64) + 2 * (2 * (64 * 64 * 9 + 2 * 64))
    fc = 64 * 10 + 10
    assert stem + stage1 + stage2 + stage3 + fc == 269_722
    assert n_params(meta_model("resnet20")) == 269_722
    # The often quoted 272,474 is option B: two 1x1 projections + BN add 2,752.
    option_b = 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64
    with torch.device("meta"):
        model_b = CifarResNet(imagenet.basic, 3, shortcut=projection)
    assert n_params(model_b) == 269_722 + option_b == 272_474


def test_option_a_shortcut_pads_with_zeros() -> None:
    shortcut = ZeroPadShortcut(16, 32, 2)
    x = torch.randn(2, 16, 8, 8)
    out = shortcut(x)
    assert n_params(shortcut) == 0 and out.shape == (2, 32, 4, 4)
    assert torch.equal(out[:, :16], x[:, :, ::2, ::2]) and not out[:, 16:].any()


def preact_cifar_params(n: int, num_classes: int = 10, bn: int = 2) -> int:
    """"Identity Mappings" CIFAR bottleneck net by hand: widths 16/32/64, outputs 64/128/256;
    ``bn`` parameters per batch-norm channel (0 counts the conv and fc weights alone)."""
    total = 3 * 16 * 9 + bn * 16  # conv1 + its BN (the first unit's activation)
    cin = 16
    for width in (16, 32, 64):
        cout = 4 * width
        for i in range(n):
            unit = bn * cin if cin != 16 else 0  # bn1 (conv1's BN serves the first unit)
            unit += cin * width + bn * width + 9 * width * width + bn * width + width * cout
            unit += cin * cout if i == 0 else 0  # bare 1x1 projection
            total += unit
            cin = cout
    return total + bn * 256 + 256 * num_classes + num_classes


def test_preact_cifar_params() -> None:
    r164 = n_params(meta_model("preact_resnet164"))
    r1001 = n_params(meta_model("preact_resnet1001"))
    assert r164 == preact_cifar_params(18) and r1001 == preact_cifar_params(111)
    assert round(r164 / 1e6, 1) == 1.7  # the paper: 1.7M
    # The paper's 10.2M matches the conv and fc weights alone (10.18M); with the 149,216 BN
    # parameters the total is 10.33M, 1.3% above.
    weights_only = preact_cifar_params(111, bn=0)
    assert r1001 - weights_only == 149_216
    assert round(weights_only / 1e6, 1) == 10.2 and round(r1001 / 1e6, 1) == 10.3
    assert r1001 == pytest.approx(10.2e6, rel=0.015)


@pytest.mark.parametrize("name", ["preact_resnet1001", "resnet1202"])
def test_thousand_layer_nets_run_fast(name: str) -> None:
    start = time.process_time()
    model = build(name)
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 32, 32))
    assert out.shape == (1, 10)
    assert time.process_time() - start < 10  # about 1 s of CPU time on one core


# --- Every model of these families ------------------------------------------------------------

def weight_layers(model: nn.Module) -> int:
    """Convs and linears on the main path: projection shortcuts are not counted by the papers."""
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for name, m in model.named_modules()
               if ".shortcut" not in name)


@pytest.mark.parametrize("name", MY_MODELS)
def test_metadata_matches_the_model(name: str) -> None:
    info = get_model_info(name)
    model = meta_model(name)
    assert info.num_classes == classes(name)  # ImageNet 1000, CIFAR-10 10
    assert weight_layers(model) == info.paper_depth
    assert model.get_submodule("classifier.fc").out_features == classes(name)
    if info.paper_params is not None:  # printed to 2-3 digits; rounding is checked above
        assert n_params(model) == pytest.approx(info.paper_params, rel=0.02)
    if info.paper_macs is not None:
        measured = conv_fc_macs(model, info.input_size[-1])
        assert measured == pytest.approx(info.paper_macs, rel=0.025)
    assert info.min_input == 1
    assert tuple(model(torch.empty(1, 3, 1, 1, device="meta")).shape) == (1, classes(name))
