"""DenseNet-BC (Huang et al., Table 1) and the Caffe-zoo NIN ImageNet model, checked against
published counts and against arithmetic written out here, independently of the model code."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import archstat
from archstat.models import build_model, get_model_info

# (growth rate k, layers per dense block): the paper's Table 1; 161 from the authors' repository.
TABLE1 = {
    "densenet121": (32, (6, 12, 24, 16)),
    "densenet169": (32, (6, 12, 32, 32)),
    "densenet201": (32, (6, 12, 48, 32)),
    "densenet264": (32, (6, 12, 64, 48)),
    "densenet161": (48, (6, 12, 36, 24)),
}


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def weight_layers(model: nn.Module) -> int:
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())


def densenet_params_by_hand(k: int, blocks: tuple[int, ...], classes: int = 1000) -> int:
    """Convolutions have no bias; each batch norm has 2 parameters per channel (scale, shift)."""
    c = 2 * k
    total = 3 * 7 * 7 * c + 2 * c  # stem 7x7 conv, BN
    for i, layers in enumerate(blocks):
        for _ in range(layers):
            total += 2 * c + c * 4 * k  # BN, 1x1 conv to 4k maps
            total += 2 * 4 * k + 4 * k * 3 * 3 * k  # BN, 3x3 conv to k maps
            c += k
        if i < len(blocks) - 1:
            total += 2 * c + c * (c // 2)  # transition: BN, 1x1 conv halving the maps
            c //= 2
    return total + 2 * c + c * classes + classes  # final BN, fc with bias


# --- DenseNet parameters -------------------------------------------------------------------------

@pytest.mark.parametrize("name, published", [
    # Widely reproduced exact counts of this layout (e.g. torchvision's model table).
    ("densenet121", 7_978_856),
    ("densenet161", 28_681_000),
    ("densenet169", 14_149_480),
    ("densenet201", 20_013_928),
])
def test_densenet_params_match_published_counts(name: str, published: int) -> None:
    assert n_params(build_model(name)) == published


@pytest.mark.parametrize("name", sorted(TABLE1))
def test_densenet_params_match_hand_calculation(name: str) -> None:
    k, blocks = TABLE1[name]
    assert n_params(build_model(name)) == densenet_params_by_hand(k, blocks)


def test_densenet121_hand_calculation_is_the_published_count() -> None:
    assert densenet_params_by_hand(32, (6, 12, 24, 16)) == 7_978_856


def test_densenet264_is_the_commonly_cited_33_3_million() -> None:
    count = n_params(build_model("densenet264"))
    assert count == densenet_params_by_hand(32, (6, 12, 64, 48)) == 33_337_704
    assert round(count / 1e6, 1) == 33.3


def test_densenet201_matches_the_papers_20m() -> None:
    # Section 4.4: "a DenseNet-201 with 20M parameters".
    assert round(n_params(build_model("densenet201")) / 1e6) == 20
    assert get_model_info("densenet201").paper_params == 20e6


@pytest.mark.parametrize("name, layers", [
    ("densenet121", 121), ("densenet161", 161), ("densenet169", 169), ("densenet201", 201),
    # 1 + 2 * (6 + 12 + 64 + 48) + 3 + 1 = 265: the paper's name is one short of its own Table 1.
    ("densenet264", 265),
])
def test_densenet_weight_layers(name: str, layers: int) -> None:
    assert weight_layers(build_model(name)) == layers


# --- DenseNet shapes and MACs --------------------------------------------------------------------

def stage_shapes(model: nn.Module, side: int) -> dict[str, tuple[int, ...]]:
    """Output shape (C, H, W) of each top-level module, on the meta device (no arithmetic done)."""
    x = torch.empty(1, 3, side, side, device="meta")
    shapes = {}
    for name, module in model.named_children():
        x = module(x)
        shapes[name] = tuple(x.shape[1:])
    return shapes


def test_densenet121_block_outputs_at_224() -> None:
    shapes = stage_shapes(build_model("densenet121", device="meta"), 224)
    assert shapes["stem"] == (64, 56, 56)
    assert shapes["block1"] == (64 + 6 * 32, 56, 56) == (256, 56, 56)
    assert shapes["trans1"] == (128, 28, 28)
    assert shapes["block2"] == (128 + 12 * 32, 28, 28) == (512, 28, 28)
    assert shapes["block3"] == (256 + 24 * 32, 14, 14) == (1024, 14, 14)
    assert shapes["block4"] == (512 + 16 * 32, 7, 7) == (1024, 7, 7)
    assert shapes["classifier"] == (1000,)


def test_densenet161_block_outputs_at_224() -> None:
    shapes = stage_shapes(build_model("densenet161", device="meta"), 224)
    assert shapes["stem"] == (96, 56, 56)  # 2k = 96
    assert shapes["block1"] == (96 + 6 * 48, 56, 56)  # 384
    assert shapes["block2"] == (192 + 12 * 48, 28, 28)  # 768
    assert shapes["block3"] == (384 + 36 * 48, 14, 14)  # 2112
    assert shapes["block4"] == (1056 + 24 * 48, 7, 7) == (2208, 7, 7)


def test_dense_layer_inputs_grow_by_k_and_names_read_like_the_paper() -> None:
    model = build_model("densenet121", device="meta")
    assert model.get_submodule("block1.layer1.conv1").in_channels == 64
    assert model.get_submodule("block1.layer6.conv1").in_channels == 64 + 5 * 32
    assert model.get_submodule("trans1.conv").in_channels == 64 + 6 * 32
    assert isinstance(model.get_submodule("classifier.fc"), nn.Linear)


def test_densenet121_macs_at_224_by_hand() -> None:
    k, c, classes = 32, 64, 1000
    conv = 112 * 112 * 3 * 7 * 7 * c  # stem, at the 112x112 output
    bn_elements = 112 * 112 * c
    for side, layers in zip((56, 28, 14, 7), (6, 12, 24, 16), strict=True):
        for _ in range(layers):
            conv += side * side * (c * 4 * k + 4 * k * 3 * 3 * k)
            bn_elements += side * side * (c + 4 * k)
            c += k
        if side > 7:
            conv += side * side * c * (c // 2)  # the transition conv runs before its pool
            bn_elements += side * side * c
            c //= 2
    bn_elements += 7 * 7 * c
    assert conv == 2_833_137_664
    layers = archstat.analyze("densenet121", input_size=(3, 224, 224)).layers
    macs = layers.groupby("type")["macs"].sum()
    assert macs["Conv2d"] == conv
    assert macs["Linear"] == 1024 * classes
    # fvcore counts an eval-mode batch norm as 2 per element (scale and shift).
    assert macs["BatchNorm2d"] == 2 * bn_elements


# --- DenseNet behaviour --------------------------------------------------------------------------

def test_densenet_num_classes_and_min_input() -> None:
    model = build_model("densenet121", num_classes=10)
    fc = model.get_submodule("classifier.fc")
    assert isinstance(fc, nn.Linear) and fc.out_features == 10
    assert n_params(model) == 7_978_856 - (1024 * 1000 + 1000) + (1024 * 10 + 10)
    side = get_model_info("densenet121").min_input
    # 7x7/2 conv, 3x3/2 pool, then three 2x2/2 pools each needing 2x2: 29 -> 15 -> 8 -> 4 -> 2 -> 1.
    assert side == 29
    with torch.no_grad():
        assert model(torch.zeros(2, 3, side, side)).shape == (2, 10)
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 3, side - 1, side - 1))


def test_densenet_metadata() -> None:
    info = get_model_info("densenet121")
    assert info.paper_depth == 121 and info.input_size == (3, 224, 224)
    assert "7.71" in (info.top5_error or "") and "6.66" in (info.top5_error or "")
    assert get_model_info("densenet264").paper_depth == 264
    assert get_model_info("densenet161").top5_error is None  # not in the paper


# --- NIN ------------------------------------------------------------------------------------------

NIN_PARAMS = (
    3 * 11 * 11 * 96 + 96 + 2 * (96 * 96 + 96)  # mlpconv1: conv1, cccp1, cccp2
    + 96 * 5 * 5 * 256 + 256 + 2 * (256 * 256 + 256)  # mlpconv2
    + 256 * 3 * 3 * 384 + 384 + 2 * (384 * 384 + 384)  # mlpconv3
    + 384 * 3 * 3 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 1000 + 1000  # mlpconv4
)


def test_nin_params_by_hand() -> None:
    assert NIN_PARAMS == 7_595_176
    assert n_params(build_model("nin")) == NIN_PARAMS


def test_nin_params_match_the_zoo_snapshot_size() -> None:
    # The model-zoo gist: "a snapshot of size 29MB"; float32 weights take 4 bytes each.
    assert round(NIN_PARAMS * 4 / 2**20) == 29


@pytest.mark.parametrize("side, first", [(224, 54), (227, 55)])
def test_nin_shapes(side: int, first: int) -> None:
    shapes = stage_shapes(build_model("nin", device="meta"), side)
    assert shapes["conv1"] == (96, first, first)
    assert shapes["pool1"] == (96, 27, 27)
    assert shapes["pool2"] == (256, 13, 13)
    assert shapes["pool3"] == (384, 6, 6)
    assert shapes["cccp8"] == (1000, 6, 6)  # the prototxt's 6x6 average pool is global
    assert shapes["flatten"] == (1000,)


def test_nin_macs_at_224_by_hand() -> None:
    conv = (
        54 * 54 * (3 * 11 * 11 * 96 + 2 * 96 * 96)
        + 27 * 27 * (96 * 5 * 5 * 256 + 2 * 256 * 256)
        + 13 * 13 * (256 * 3 * 3 * 384 + 2 * 384 * 384)
        + 6 * 6 * (384 * 3 * 3 * 1024 + 1024 * 1024 + 1024 * 1000)
    )
    assert conv == 1_100_188_800
    layers = archstat.analyze("nin", input_size=(3, 224, 224)).layers
    assert layers.loc[layers["type"] == "Conv2d", "macs"].sum() == conv


def test_nin_has_no_fully_connected_layer() -> None:
    model = build_model("nin")
    assert not any(isinstance(m, nn.Linear) for m in model.modules())
    assert weight_layers(model) == 12


def test_nin_num_classes_and_min_input() -> None:
    model = build_model("nin", num_classes=10)
    assert n_params(model) == NIN_PARAMS - (1024 * 1000 + 1000) + (1024 * 10 + 10)
    side = get_model_info("nin").min_input
    assert side == 39
    with torch.no_grad():
        assert model(torch.zeros(2, 3, side, side)).shape == (2, 10)
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 3, side - 1, side - 1))
