"""The Inception family against its papers.

GoogLeNet: Table 1 of "Going Deeper with Convolutions" row by row (output sizes, the params and
ops columns), the side classifiers of Section 5. BN-Inception: Appendix Figure 5 of the batch-norm
paper. Inception-v3/v4/ResNet-v2: the grid sizes the papers print, hand counts of modules, the
stated cost.

Shapes and multiply-adds are taken on the meta device (no arithmetic): MACs are counted by hooks on
every Conv2d and Linear, one fused multiply-add = 1 (fvcore's convention, cross-checked below).
"""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

import archstat
from archstat.models import build_model, get_model_info
from archstat.models.googlenet import Branches
from archstat.models.inception_v4 import ResidualInception

INCEPTION = ["googlenet", "inception_v2", "inception_v3", "inception_v4", "inception_resnet_v2"]


def meta_model(name: str, **kwargs: object) -> nn.Module:
    return _default_meta_model(name) if not kwargs else build_model(name, device="meta", **kwargs)


@functools.cache
def _default_meta_model(name: str) -> nn.Module:
    return build_model(name, device="meta")  # shared read-only: tests never modify it


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def trunk_params(model: nn.Module) -> int:
    return sum(n_params(m) for name, m in model.named_children() if not name.startswith("aux"))


def run_meta(model: nn.Module, side: int) -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """Output shape (C, H, W) of every module, and conv + linear MACs per top-level stage."""
    shapes: dict[str, tuple[int, ...]] = {}
    macs: dict[str, int] = {}

    def hook(name: str, module: nn.Module, _: object, out: torch.Tensor) -> None:
        if not torch.is_tensor(out):
            return
        shapes[name] = tuple(out.shape[1:])
        stage = name.split(".")[0]
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            per_output = module.in_channels // module.groups * kh * kw
            macs[stage] = macs.get(stage, 0) + out.numel() * per_output
        elif isinstance(module, nn.Linear):
            macs[stage] = macs.get(stage, 0) + out.numel() * module.in_features

    handles = [m.register_forward_hook(lambda m, i, o, n=n: hook(n, m, i, o))
               for n, m in model.named_modules() if n]
    with torch.no_grad():
        model(torch.empty(1, 3, side, side, device="meta"))
    for handle in handles:
        handle.remove()
    return shapes, macs


# --- GoogLeNet, Table 1 --------------------------------------------------------------------------

# Table 1: output C, H (= W), the "params" column (K) and the "ops" column (M). conv2 is the table's
# one row for the 1x1-64 reduction plus the 3x3-192 convolution; "fc" is the linear layer.
TABLE1_ROWS = {
    "conv1": (64, 112, 2.7, 34), "conv2": (192, 56, 112, 360),
    "inception3a": (256, 28, 159, 128), "inception3b": (480, 28, 380, 304),
    "inception4a": (512, 14, 364, 73), "inception4b": (512, 14, 437, 88),
    "inception4c": (512, 14, 463, 100), "inception4d": (528, 14, 580, 119),
    "inception4e": (832, 14, 840, 170), "inception5a": (832, 7, 1072, 54),
    "inception5b": (1024, 7, 1388, 71), "fc": (1000, 1, 1000, 1),
}
# Table 1's columns #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, and each module's input.
TABLE1_MODULES = {
    "inception3a": (192, (64, 96, 128, 16, 32, 32)),
    "inception3b": (256, (128, 128, 192, 32, 96, 64)),
    "inception4a": (480, (192, 96, 208, 16, 48, 64)),
    "inception4b": (512, (160, 112, 224, 24, 64, 64)),
    "inception4c": (512, (128, 128, 256, 24, 64, 64)),
    "inception4d": (512, (112, 144, 288, 32, 64, 64)),
    "inception4e": (528, (256, 160, 320, 32, 128, 128)),
    "inception5a": (832, (256, 160, 320, 32, 128, 128)),
    "inception5b": (832, (384, 192, 384, 48, 128, 128)),
}
# Rows where Table 1 disagrees with its own channel columns (see the layout note of googlenet).
PARAMS_COLUMN_DISAGREES = {"conv1", "inception4a", "inception4c", "inception4d", "inception4e",
                           "inception5a", "inception5b"}
OPS_COLUMN_DISAGREES = {"conv1", "inception5a"}


def v1_weights(cin: int, n1: int, r3: int, n3: int, r5: int, n5: int, proj: int) -> int:
    """Weights (no biases) of an Inception-v1 module, by hand from Table 1's columns."""
    return cin * n1 + cin * r3 + r3 * 9 * n3 + cin * r5 + r5 * 25 * n5 + cin * proj


def table1_weights() -> dict[str, int]:
    weights = {"conv1": 3 * 7 * 7 * 64, "conv2": 64 * 64 + 64 * 3 * 3 * 192, "fc": 1024 * 1000}
    weights.update({name: v1_weights(cin, *row) for name, (cin, row) in TABLE1_MODULES.items()})
    return weights


@pytest.fixture(scope="module")
def googlenet_run() -> tuple[nn.Module, dict[str, tuple[int, ...]], dict[str, int]]:
    model = meta_model("googlenet")
    shapes, macs = run_meta(model, 224)
    macs["conv2"] = macs.pop("conv2_reduce") + macs["conv2"]
    macs["fc"] = macs.pop("classifier")
    shapes["fc"] = shapes["classifier"]
    return model, shapes, macs


def test_googlenet_inception3a_by_hand(googlenet_run) -> None:
    model = googlenet_run[0]
    assert n_params(model.inception3a) == (
        192 * 64 + 64 + 192 * 96 + 96 + 96 * 9 * 128 + 128 + 192 * 16 + 16 + 16 * 25 * 32 + 32
        + 192 * 32 + 32
    ) == 163_696
    # Table 1's "159K" is 163,328 weights in K of 1024: 159.5K.
    assert 192 * 64 + 192 * 96 + 96 * 9 * 128 + 192 * 16 + 16 * 25 * 32 + 192 * 32 == 163_328


@pytest.mark.parametrize("row", list(TABLE1_ROWS))
def test_googlenet_table1_row_shape_and_weights(googlenet_run, row: str) -> None:
    model, shapes, _ = googlenet_run
    channels, side, _, _ = TABLE1_ROWS[row]
    assert shapes[row] == ((channels,) if row == "fc" else (channels, side, side))
    modules = {"conv2": [model.conv2_reduce, model.conv2], "fc": [model.classifier.fc]}
    weights = sum(p.numel() for m in modules.get(row, [getattr(model, row, None)])
                  for n, p in m.named_parameters() if n.endswith("weight"))
    assert weights == table1_weights()[row]


@pytest.mark.parametrize("row", list(TABLE1_ROWS))
def test_googlenet_table1_params_column(row: str) -> None:
    """The params column is in K of 1024 (conv2: 114,688 = 112 x 1024; fc: 1,024,000 = 1000K)."""
    table_k = TABLE1_ROWS[row][2]
    counted_k = table1_weights()[row] / 1024
    if row in PARAMS_COLUMN_DISAGREES:  # e.g. 4c: the columns give 497.5K, the table prints 463K
        assert abs(counted_k - table_k) > 1.0
    else:
        assert abs(counted_k - table_k) <= 1.0


@pytest.mark.parametrize("row", list(TABLE1_ROWS))
def test_googlenet_table1_ops_column(googlenet_run, row: str) -> None:
    """The ops column is multiply-adds in millions; each row's MACs = its weights x output H x W."""
    _, _, macs = googlenet_run
    side = TABLE1_ROWS[row][1]
    assert macs[row] == table1_weights()[row] * side * side
    if row in OPS_COLUMN_DISAGREES:  # 5a: 51.1M counted, 54M printed
        assert abs(macs[row] / 1e6 - TABLE1_ROWS[row][3]) > 1.0
    else:
        assert abs(macs[row] / 1e6 - TABLE1_ROWS[row][3]) <= 1.0


def test_googlenet_table1_conv1_fits_a_separable_7x7() -> None:
    """Table 1's conv1 (2.7K params, 34M ops) is not a plain 7x7 (9,408 weights, 118M MACs) but
    matches the separable 7x7 with depth multiplier 8 that the BN paper's appendix describes, as
    built in inception_v2."""
    separable = 3 * 8 * 7 * 7 + 24 * 64
    assert separable == 2712 and round(separable / 1000, 1) == 2.7
    assert round(112 * 112 * separable / 1e6) == 34
    conv1 = meta_model("inception_v2").conv1
    assert conv1.depthwise.weight.numel() + conv1.pointwise.weight.numel() == separable
    assert run_meta(meta_model("inception_v2"), 224)[1]["conv1"] == 112 * 112 * separable


def test_googlenet_totals(googlenet_run) -> None:
    model, _, macs = googlenet_run
    biases = 64 + 64 + 192 + sum(sum(row) for _, row in TABLE1_MODULES.values()) + 1000
    assert trunk_params(model) == sum(table1_weights().values()) + biases == 6_998_552
    assert abs(trunk_params(model) / 6.8e6 - 1) < 0.05  # Table 1's column sums to 6.8M (K = 1024)
    assert abs(sum(macs.values()) / 1.5e9 - 1) < 0.10  # "about 1.5 billion multiply-adds": 1.58G


def weight_depth(module: nn.Module) -> int:
    """Weight layers on the longest path: branches in parallel, everything else in sequence."""
    if isinstance(module, Branches):
        return max(weight_depth(branch) for branch in module.values())
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        return 1
    return sum(weight_depth(child) for child in module.children())


def test_googlenet_is_22_layers_deep_27_with_pooling(googlenet_run) -> None:
    model = googlenet_run[0]
    trunk = [m for name, m in model.named_children() if not name.startswith("aux")]
    depth = sum(weight_depth(m) for m in trunk)
    pooling = (nn.MaxPool2d, nn.AdaptiveAvgPool2d)
    pools = sum(isinstance(m, pooling) for m in trunk + [*model.classifier])
    assert depth == 22 and depth + pools == 27


def test_googlenet_aux_heads_by_hand(googlenet_run) -> None:
    model = googlenet_run[0]
    for head, cin in (("aux1", 512), ("aux2", 528)):  # 4a and 4d outputs, pooled 5x5/3 to 4x4
        conv, fc1, fc2 = cin * 128 + 128, 128 * 4 * 4 * 1024 + 1024, 1024 * 1000 + 1000
        assert n_params(getattr(model, head)) == conv + fc1 + fc2
    assert n_params(model.aux1) == 3_188_840 and n_params(model.aux2) == 3_190_888


# --- The auxiliary heads switch on and off --------------------------------------------------------

@pytest.mark.parametrize(("name", "heads"), [("googlenet", 2), ("inception_v3", 1)])
def test_aux_logits_on_and_off(name: str, heads: int) -> None:
    model = meta_model(name, num_classes=7)
    side = get_model_info(name).input_size[-1]
    x = torch.empty(1, 3, side, side, device="meta")
    assert model.aux_logits is False
    assert model(x).shape == (1, 7)
    model.aux_logits = True
    outputs = model(x)
    assert isinstance(outputs, tuple) and len(outputs) == 1 + heads
    assert all(out.shape == (1, 7) for out in outputs)


def test_analysis_leaves_aux_heads_out_and_counts_like_the_hooks() -> None:
    """A second method: fvcore (through archstat.analyze) against the hook count, at 64x64."""
    report = archstat.analyze("googlenet", input_size=(3, 64, 64))
    assert report.totals["params"] == 6_998_552
    by_op = report.totals["by_operator"]
    assert by_op["conv"] + by_op["linear"] == sum(run_meta(meta_model("googlenet"), 64)[1].values())


# --- BN-Inception, Appendix Figure 5 --------------------------------------------------------------

# Output channels = #1x1 + #3x3 + double #3x3 + (proj, or the input for "pass through").
# Figure 5 prints 576 for 4c and 4d and 14x14x1024 for 4e; its own columns give 608, 608, 1056.
FIGURE5_OUTPUTS = {
    "inception3a": (64 + 64 + 96 + 32, 28), "inception3b": (64 + 96 + 96 + 64, 28),
    "inception3c": (160 + 96 + 320, 14), "inception4a": (224 + 96 + 128 + 128, 14),
    "inception4b": (192 + 128 + 128 + 128, 14), "inception4c": (160 + 160 + 160 + 128, 14),
    "inception4d": (96 + 192 + 192 + 128, 14), "inception4e": (192 + 256 + 608, 7),
    "inception5a": (352 + 320 + 224 + 128, 7), "inception5b": (352 + 320 + 224 + 128, 7),
}


def test_bn_inception_figure5_shapes() -> None:
    shapes, _ = run_meta(meta_model("inception_v2"), 224)
    assert shapes["conv1"] == (64, 112, 112) and shapes["pool1"] == (64, 56, 56)
    assert shapes["conv2"] == (192, 56, 56) and shapes["pool2"] == (192, 28, 28)
    for name, (channels, side) in FIGURE5_OUTPUTS.items():
        assert shapes[name] == (channels, side, side), name


def test_bn_inception_modules_by_hand() -> None:
    model = meta_model("inception_v2")
    weights_3a = 192 * 64 + 192 * 64 + 64 * 9 * 64 + 192 * 64 + 64 * 9 * 96 + 96 * 9 * 96 + 192 * 32
    bn_3a = 2 * (64 + 64 + 64 + 64 + 96 + 96 + 32)  # gamma and beta per conv output
    assert n_params(model.inception3a) == weights_3a + bn_3a == 219_072
    weights_3c = 320 * 128 + 128 * 9 * 160 + 320 * 64 + 64 * 9 * 96 + 96 * 9 * 96  # no 1x1, no proj
    assert n_params(model.inception3c) == weights_3c + 2 * (128 + 160 + 64 + 96 + 96) == 385_088
    assert n_params(model.classifier) == 1024 * 1000 + 1000


def test_bn_inception_cost_is_about_30_percent_over_googlenet() -> None:
    """Appendix: the 3x3 pairs raise 'the computational cost ... by about 30%' over GoogLeNet's
    1.5 billion multiply-adds. (The text's 13.6M parameters is not reached: 11.3M, see layout.)"""
    macs = sum(run_meta(meta_model("inception_v2"), 224)[1].values())
    assert abs(macs / 1.5e9 - 1.3) < 0.1


# --- Inception-v3 --------------------------------------------------------------------------------

def test_inception_v3_grid_sizes() -> None:
    shapes, _ = run_meta(meta_model("inception_v3"), 299)
    expected = {
        "conv1": (32, 149, 149), "conv2": (32, 147, 147), "conv3": (64, 147, 147),
        "pool1": (64, 73, 73), "conv4": (80, 73, 73), "conv5": (192, 71, 71),
        "pool2": (192, 35, 35),
        "mixed5b": (64 + 64 + 96 + 32, 35, 35), "mixed5d": (288, 35, 35),  # Table 1: 35x35x288
        "mixed6a": (384 + 96 + 288, 17, 17), "mixed6e": (768, 17, 17),  # 17x17x768
        "mixed7a": (320 + 192 + 768, 8, 8),  # 8x8x1280
        "mixed7c": (320 + 2 * 384 + 2 * 384 + 192, 8, 8),  # 8x8x2048
    }
    for name, shape in expected.items():
        assert shapes[name] == shape, name


def test_inception_v3_modules_by_hand() -> None:
    model = meta_model("inception_v3")
    weights_5b = (192 * 64 + 192 * 48 + 48 * 25 * 64 + 192 * 64 + 64 * 9 * 96 + 96 * 9 * 96
                  + 192 * 32)
    bn_5b = 2 * (64 + 48 + 64 + 64 + 96 + 96 + 32)
    assert n_params(model.mixed5b) == weights_5b + bn_5b == 255_904
    weights_7b = (1280 * 320 + 1280 * 384 + 2 * 384 * 3 * 384 + 1280 * 448 + 448 * 9 * 384
                  + 2 * 384 * 3 * 384 + 1280 * 192)
    bn_7b = 2 * (320 + 384 + 384 + 384 + 448 + 384 + 384 + 384 + 192)
    assert n_params(model.mixed7b) == weights_7b + bn_7b == 5_044_608


def test_inception_v3_aux_head_by_hand() -> None:
    aux = meta_model("inception_v3").aux
    assert n_params(aux) == 768 * 128 + 2 * 128 + 128 * 5 * 5 * 768 + 2 * 768 + 768 * 1000 + 1000


def test_inception_v3_with_aux_matches_torchvision_count() -> None:
    """Not a paper figure: torchvision documents num_params = 27,161,264 for its Inception3,
    built from the same released widths with its aux head."""
    model = meta_model("inception_v3")
    assert n_params(model) == 27_161_264
    assert n_params(model) - trunk_params(model) == n_params(model.aux)


def test_inception_v3_cost_as_the_abstract_states() -> None:
    """Abstract: 'less than 25 million parameters', '5 billion multiply-adds'. The round figure is
    taken as +-20%: the released widths give 5.71G."""
    model = meta_model("inception_v3")
    assert trunk_params(model) < 25e6
    macs = sum(run_meta(model, 299)[1].values())
    assert 4.0e9 < macs < 6.0e9


# --- Inception-v4 and Inception-ResNet-v2 ---------------------------------------------------------

def test_inception_v4_grid_sizes() -> None:
    shapes, _ = run_meta(meta_model("inception_v4"), 299)
    expected = {  # Figure 3's side labels, then Figure 9
        "stem.conv1": (32, 149, 149), "stem.conv2": (32, 147, 147), "stem.conv3": (64, 147, 147),
        "stem.mixed3a": (64 + 96, 73, 73), "stem.mixed4a": (96 + 96, 71, 71),
        "stem": (192 + 192, 35, 35), "inception_a": (384, 35, 35),
        "reduction_a": (384 + 384 + 256, 17, 17),  # pool + n + m
        "inception_b": (128 + 384 + 256 + 256, 17, 17),
        "reduction_b": (1024 + 192 + 320, 8, 8), "inception_c": (256 + 256 + 512 + 512, 8, 8),
    }
    for name, shape in expected.items():
        assert shapes[name] == shape, name


def test_inception_v4_modules_by_hand() -> None:
    model = meta_model("inception_v4")
    weights_a = 384 * 96 + 384 * 96 + 384 * 64 + 64 * 9 * 96 + 384 * 64 + 64 * 9 * 96 + 96 * 9 * 96
    block_a = weights_a + 2 * (96 + 96 + 64 + 96 + 64 + 96 + 96)
    assert n_params(model.inception_a) == 4 * block_a == 1_270_528
    reduction = 384 * 9 * 384 + 384 * 192 + 192 * 9 * 224 + 224 * 9 * 256  # n; k, l, m
    assert n_params(model.reduction_a) == reduction + 2 * (384 + 192 + 224 + 256) == 2_306_112
    # Not a paper figure: TF-slim and timm report 42.68M for Inception-v4.
    assert round(n_params(model) / 1e4) == 4268


def test_inception_resnet_v2_grid_sizes() -> None:
    shapes, _ = run_meta(meta_model("inception_resnet_v2"), 299)
    expected = {
        "stem": (384, 35, 35), "inception_resnet_a": (384, 35, 35),
        "reduction_a": (384 + 384 + 384, 17, 17), "inception_resnet_b": (1152, 17, 17),
        "reduction_b": (1152 + 384 + 288 + 320, 8, 8), "inception_resnet_c": (2144, 8, 8),
    }
    for name, shape in expected.items():
        assert shapes[name] == shape, name
    model = meta_model("inception_resnet_v2")
    assert [len(model.inception_resnet_a), len(model.inception_resnet_b),
            len(model.inception_resnet_c)] == [5, 10, 5]  # Figure 15


def test_inception_resnet_blocks_by_hand() -> None:
    model = meta_model("inception_resnet_v2")
    # Figure 16 on 384 channels; the linear 1x1 expansion goes back to the input width, with bias.
    branches = 384 * 32 + 384 * 32 + 32 * 9 * 32 + 384 * 32 + 32 * 9 * 48 + 48 * 9 * 64
    bn, expand = 2 * (32 + 32 + 32 + 32 + 48 + 64), (32 + 32 + 64) * 384 + 384
    assert n_params(model.inception_resnet_a.block1) == branches + bn + expand == 137_568
    # Figure 17 on 1152 channels.
    branches = 1152 * 192 + 1152 * 128 + 128 * 7 * 160 + 160 * 7 * 192
    bn, expand = 2 * (192 + 128 + 160 + 192), (192 + 192) * 1152 + 1152
    assert n_params(model.inception_resnet_b.block1) == branches + bn + expand == 1_171_904
    # Figure 19 on 2144 channels.
    branches = 2144 * 192 + 2144 * 192 + 192 * 3 * 224 + 224 * 3 * 256
    bn, expand = 2 * (192 + 192 + 224 + 256), (192 + 256) * 2144 + 2144
    assert n_params(model.inception_resnet_c.block1) == branches + bn + expand == 2_088_736


def test_residual_block_scales_the_residual_before_adding() -> None:
    block = ResidualInception(8, {"branch1x1": []}, scale=0.17).eval()  # an empty branch: identity
    with torch.no_grad():
        block.expand.weight.zero_()
        block.expand.bias.fill_(1.0)
        x = torch.full((1, 8, 3, 3), -0.1)
        assert torch.allclose(block(x), torch.full_like(x, 0.07))  # relu(-0.1 + 0.17 * 1)


# --- Every member -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", INCEPTION)
def test_min_input_is_the_smallest_square_that_runs(name: str) -> None:
    side = get_model_info(name).min_input
    model = meta_model(name)
    assert model(torch.empty(1, 3, side, side, device="meta")).shape == (1, 1000)
    with pytest.raises(RuntimeError):
        model(torch.empty(1, 3, side - 1, side - 1, device="meta"))


@pytest.mark.parametrize("name", INCEPTION)
def test_num_classes_sets_the_classifier(name: str) -> None:
    model = meta_model(name, num_classes=10)
    assert model.classifier.fc.out_features == 10
    side = get_model_info(name).input_size[-1]
    assert model(torch.empty(1, 3, side, side, device="meta")).shape == (1, 10)
