"""The released layouts users compare against, each pinned to the figure its release documents.

- ``googlenet_tv``: torchvision's GoogLeNet. torchvision documents, for GoogLeNet_Weights.IMAGENET1K_V1,
  num_params 6624904, GFLOPS 1.50 and min_size 15x15 (pytorch.org/vision, models/googlenet); its
  ``aux_logits=True`` model has 13,004,888 parameters.
- ``inception_resnet_v2_tf``: the released TF-slim Inception-ResNet-v2 as timm and Keras ship it.
  55,843,464 parameters (timm's ``inception_resnet_v2``; imgclsmob's tests pin the same count for its
  port), "Params (M) 55.8, GMACs 13.2" on timm's model card; Keras' applications table lists
  55,873,736 (its summary: 55,813,192 trainable + 60,544 non-trainable).

Every figure above is written here as a fact from its source, and reached again by a hand count.
Networks are built on the meta device (no weights, no arithmetic); MACs come from ``analyze`` with
the meta engine, whose counts equal fvcore's (tests/test_engines.py). One fused multiply-add = 1 MAC.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from torch import nn
from typer.testing import CliRunner

import archstat
from archstat.analysis.diff import diff_reports, layer_config
from archstat.cli.app import app
from archstat.cli.commands.diff import diff_result
from archstat.cli.output import emit
from archstat.models import build_model, get_model_info, list_models
from archstat.models.googlenet import TABLE1
from archstat.options import OutputFormat

ROOT = Path(__file__).resolve().parent.parent
SIDES = {name: 28 if name.startswith("inception3") else 14 if name.startswith("inception4") else 7 for name in TABLE1}
CINS = dict(zip(TABLE1, [192, 256, 480, 512, 512, 512, 528, 832, 832], strict=True))
VARIANTS = [name for name in list_models() if get_model_info(name).variant_of]


@functools.cache
def meta_model(name: str) -> nn.Module:
    return build_model(name, device="meta")  # shared read-only: tests never modify it


@functools.cache
def report(name: str) -> archstat.Report:
    return archstat.analyze(name, engine="meta")


@functools.cache
def totals(name: str) -> dict:
    return report(name).totals


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def trunk_params(model: nn.Module) -> int:
    return sum(n_params(m) for name, m in model.named_children() if not name.startswith("aux"))


def bn(*widths: int) -> int:
    """A batch norm's parameters: gamma and beta per channel."""
    return 2 * sum(widths)


def conv_kernels(module: nn.Module) -> list[tuple[int, ...]]:
    return [m.kernel_size for m in module.modules() if isinstance(m, nn.Conv2d)]


# --- Every variant ----------------------------------------------------------------------------------

def test_the_zoo_has_the_released_layouts() -> None:
    assert {"googlenet_tv", "inception_resnet_v2_tf"} <= set(VARIANTS)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_variant_names_its_paper_layout_and_how_it_differs(name: str) -> None:
    info = get_model_info(name)
    base = get_model_info(info.variant_of)
    assert base.variant_of is None and (base.family, base.paper) == (info.family, info.paper)
    assert len(info.differs) >= 3 and all(item for item in info.differs)
    # Its figures are a release's, not the paper's, and the registry says so.
    assert info.paper_source.startswith("Not the paper's")
    assert name in base.layout  # the paper layout's note points to the variant


def test_list_json_names_each_variants_paper_layout() -> None:
    result = CliRunner().invoke(app, ["list", "*googlenet*", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {row["name"]: row["variant_of"] for row in json.loads(result.stdout)} == {
        "googlenet": None, "googlenet_tv": "googlenet"}


# --- googlenet_tv ------------------------------------------------------------------------------------

def googlenet_tv_params_by_hand() -> int:
    """Table 1's widths with the "#5x5" branch as a 3x3 and every conv batch-normalised, no bias."""
    stem = 3 * 7 * 7 * 64 + 64 * 64 + 64 * 9 * 192 + bn(64, 64, 192)
    modules = sum(cin * n1 + cin * r3 + r3 * 9 * n3 + cin * r5 + r5 * 9 * n5 + cin * proj + bn(n1, r3, n3, r5, n5, proj)
                  for cin, (n1, r3, n3, r5, n5, proj) in zip(CINS.values(), TABLE1.values(), strict=True))
    return stem + modules + 1024 * 1000 + 1000


def test_googlenet_tv_params_are_torchvisions_documented_count() -> None:
    model = meta_model("googlenet_tv")
    assert trunk_params(model) == googlenet_tv_params_by_hand() == 6_624_904  # torchvision: num_params
    assert totals("googlenet_tv")["params"] == 6_624_904


def test_googlenet_tv_with_aux_heads_is_torchvisions_aux_logits_count() -> None:
    """torchvision's GoogLeNet(aux_logits=True) holds 13,004,888 parameters. Each head: a batch-normalised
    1x1 conv to 128 (no bias), fc 2048 -> 1024, fc 1024 -> 1000."""
    model = meta_model("googlenet_tv")
    for head, cin in (("aux1", 512), ("aux2", 528)):
        assert n_params(getattr(model, head)) == cin * 128 + bn(128) + 2048 * 1024 + 1024 + 1024 * 1000 + 1000
    assert n_params(model) == 13_004_888


def test_googlenet_tv_is_tf_slims_inception_v1_by_the_openvino_count() -> None:
    """A third source: OpenVINO documents googlenet-v1-tf (TF-slim's InceptionV1 checkpoint) as 6.619
    MParams. TF-slim's batch norms have no gamma (scale=False) and its classifier 1001 classes: from
    googlenet_tv's count, minus one gamma per batch-normalised channel, plus one class."""
    model = meta_model("googlenet_tv")
    trunk = [m for name, m in model.named_children() if not name.startswith("aux")]
    channels = sum(m.num_features for t in trunk for m in t.modules() if isinstance(m, nn.BatchNorm2d))
    assert channels == 64 + 64 + 192 + sum(sum(row) for row in TABLE1.values()) == 7_280
    tf_slim = trunk_params(model) - channels + (1024 + 1)
    assert tf_slim == 6_618_649 and round(tf_slim / 1e3) == 6_619


def test_googlenet_tv_third_branch_is_one_3x3_where_the_paper_has_a_5x5() -> None:
    tv, paper = meta_model("googlenet_tv"), meta_model("googlenet")
    for name in TABLE1:
        assert conv_kernels(getattr(tv, name).branch5x5) == [(1, 1), (3, 3)], name
        assert conv_kernels(getattr(paper, name).branch5x5) == [(1, 1), (5, 5)], name
    assert tv.inception3a.branch5x5[1].conv.out_channels == 32  # Table 1's #5x5 width


def test_googlenet_tv_convs_have_no_bias_and_batch_norm_eps_0_001() -> None:
    model = meta_model("googlenet_tv")
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == len(norms) == 3 + 9 * 6 + 2  # stem, six per module, one per side head
    assert all(conv.bias is None for conv in convs)
    assert all(norm.eps == 1e-3 and norm.affine for norm in norms)


def test_googlenet_tv_has_no_lrn_and_a_2x2_pool_before_5a() -> None:
    tv, paper = meta_model("googlenet_tv"), meta_model("googlenet")
    assert not any(isinstance(m, nn.LocalResponseNorm) for m in tv.modules())
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in paper.modules()) == 2
    assert (tv.pool4.kernel_size, paper.pool4.kernel_size) == (2, 3)
    assert all(getattr(tv, f"pool{i}").ceil_mode for i in (1, 2, 3, 4))


def test_googlenet_tv_smallest_input_is_torchvisions_min_size() -> None:
    """That 15 runs and 14 does not is checked for every model by tests/test_zoo_registry.py; the 2x2
    pool before 5a is what lets 15 through (a 3x3 pool there needs 31, as googlenet shows)."""
    assert get_model_info("googlenet_tv").min_input == 15  # torchvision: min_size height=15, width=15
    assert get_model_info("googlenet").min_input == 31


def conv_and_linear_macs(name: str) -> int:
    by_op = totals(name)["by_operator"]
    return by_op["conv"] + by_op["linear"]


@pytest.mark.parametrize(("name", "gflops"), [("resnet50_v1_5", 4.09), ("inception_v3", 5.71)])
def test_torchvisions_gflops_are_conv_and_linear_macs(name: str, gflops: float) -> None:
    """torchvision documents GFLOPS 4.09 for ResNet50_Weights.IMAGENET1K_V1 (a v1.5 layout) and 5.71 for
    Inception_V3_Weights.IMAGENET1K_V1: the convolutions' and linear layers' multiply-adds, one per MAC
    (as FLOPs, 2 per MAC, they would read 8.18 and 11.43)."""
    assert round(conv_and_linear_macs(name) / 1e7) == round(gflops * 100)




def test_googlenet_tv_macs_by_hand_are_torchvisions_gflops() -> None:
    """Every MAC at 224 by hand: convolutions (weights x output grid), fc, batch norm (2 per element in
    eval mode) and the global pool (1 per input element), fvcore's rules."""
    stem_convs = 112 ** 2 * 3 * 49 * 64 + 56 ** 2 * 64 * 64 + 56 ** 2 * 64 * 9 * 192
    stem_outputs = 112 ** 2 * 64 + 56 ** 2 * 64 + 56 ** 2 * 192
    convs, outputs = stem_convs, stem_outputs
    for name, (n1, r3, n3, r5, n5, proj) in TABLE1.items():
        cin, area = CINS[name], SIDES[name] ** 2
        convs += area * (cin * n1 + cin * r3 + r3 * 9 * n3 + cin * r5 + r5 * 9 * n5 + cin * proj)
        outputs += area * (n1 + r3 + n3 + r5 + n5 + proj)
    conv_and_fc = convs + 1024 * 1000
    assert conv_and_fc == conv_and_linear_macs("googlenet_tv") == 1_498_376_192
    assert round(conv_and_fc / 1e7) == 150  # torchvision: GFLOPS 1.50, i.e. multiply-adds
    assert totals("googlenet_tv")["macs"] == conv_and_fc + 2 * outputs + 1024 * 7 * 7 == 1_504_878_688


def test_googlenet_tv_against_the_paper_layout_by_hand() -> None:
    """The numbers docs/diff.md explains: the 3x3 saves 16 weights per (reduce, out) pair of every
    "#5x5" branch; dropping a bias and adding gamma and beta adds 1 parameter per conv output channel."""
    r5_n5 = {name: row[3] * row[4] for name, row in TABLE1.items()}
    outputs = 64 + 64 + 192 + sum(sum(row) for row in TABLE1.values())
    assert outputs == 7_280 and sum(r5_n5.values()) == 23_808
    params = -16 * sum(r5_n5.values()) + outputs
    assert totals("googlenet_tv")["params"] - totals("googlenet")["params"] == params == -373_648
    conv = -16 * sum(r5_n5[name] * SIDES[name] ** 2 for name in TABLE1)
    norm = totals("googlenet_tv")["by_operator"]["batch_norm"]  # 2 MACs per element, eval mode
    assert conv == -84_295_680 and norm == 6_452_320
    assert totals("googlenet_tv")["macs"] - totals("googlenet")["macs"] == conv + norm == -77_843_360


# --- inception_resnet_v2_tf ---------------------------------------------------------------------------

def tf_stem() -> int:
    convs = 3 * 9 * 32 + 32 * 9 * 32 + 32 * 9 * 64 + 64 * 80 + 80 * 9 * 192 + bn(32, 32, 64, 80, 192)
    mixed5b = (192 * 96 + 192 * 48 + 48 * 25 * 64 + 192 * 64 + 64 * 9 * 96 + 96 * 9 * 96 + 192 * 64
               + bn(96, 48, 64, 64, 96, 96, 64))
    return convs + mixed5b


def block_a(c: int) -> int:  # 1x1-32; 1x1-32, 3x3-32; 1x1-32, 3x3-48, 3x3-64; expansion 128 -> c with bias
    return (c * 32 + c * 32 + 32 * 9 * 32 + c * 32 + 32 * 9 * 48 + 48 * 9 * 64 + bn(32, 32, 32, 32, 48, 64)
            + 128 * c + c)


def block_b(c: int) -> int:  # 1x1-192; 1x1-128, 1x7-160, 7x1-192; expansion 384 -> c
    return c * 192 + c * 128 + 128 * 7 * 160 + 160 * 7 * 192 + bn(192, 128, 160, 192) + 384 * c + c


def block_c(c: int) -> int:  # 1x1-192; 1x1-192, 1x3-224, 3x1-256; expansion 448 -> c
    return c * 192 + c * 192 + 192 * 3 * 224 + 224 * 3 * 256 + bn(192, 192, 224, 256) + 448 * c + c


def reduction_a(c: int) -> int:  # 3x3/2-384; 1x1-256, 3x3-256, 3x3/2-384; max pool
    return c * 9 * 384 + c * 256 + 256 * 9 * 256 + 256 * 9 * 384 + bn(384, 256, 256, 384)


def reduction_b(c: int) -> int:  # 1x1-256, 3x3/2-384; 1x1-256, 3x3/2-288; 1x1-256, 3x3-288, 3x3/2-320; pool
    return (3 * c * 256 + 256 * 9 * 384 + 256 * 9 * 288 + 256 * 9 * 288 + 288 * 9 * 320
            + bn(256, 384, 256, 288, 256, 288, 320))


def tf_stages() -> dict[str, int]:
    return {
        "stem": tf_stem(), "inception_resnet_a": 10 * block_a(320), "reduction_a": reduction_a(320),
        "inception_resnet_b": 20 * block_b(1088), "reduction_b": reduction_b(1088),
        "inception_resnet_c": 10 * block_c(2080), "head_conv": 2080 * 1536 + bn(1536),
        "classifier": 1536 * 1000 + 1000,
    }


def test_inception_resnet_v2_tf_params_are_timms_by_hand() -> None:
    model = meta_model("inception_resnet_v2_tf")
    stages = tf_stages()
    assert {name: n_params(module) for name, module in model.named_children()} == stages
    assert sum(stages.values()) == n_params(model) == 55_843_464  # timm's inception_resnet_v2
    assert round(n_params(model) / 1e5) == 558  # timm's model card: Params (M) 55.8


@pytest.mark.parametrize(("name", "channels", "keras"), [
    ("inception_resnet_v2_tf", 30_272, (55_813_192, 60_544, 55_873_736)),  # Keras InceptionResNetV2
    ("inception_v3", 17_216, (23_817_352, 34_432, 23_851_784)),  # Keras InceptionV3
])
def test_keras_counts_follow_from_the_batch_norm_channels(name: str, channels: int, keras: tuple) -> None:
    """Keras' conv2d_bn uses BatchNormalization(scale=False): beta trainable, moving mean and variance
    non-trainable, no gamma. So Keras = ours - 1 x channels (gamma) + 2 x channels (statistics), for the
    trunk (Keras builds no aux head). Keras' summaries: trainable, non-trainable, total."""
    model = meta_model(name)
    trunk = [m for child, m in model.named_children() if not child.startswith("aux")]
    assert sum(m.num_features for t in trunk for m in t.modules() if isinstance(m, nn.BatchNorm2d)) == channels
    trainable, frozen = trunk_params(model) - channels, 2 * channels
    assert (trainable, frozen, trainable + frozen) == keras


def test_inception_resnet_v2_tf_grids_blocks_and_widths() -> None:
    model = meta_model("inception_resnet_v2_tf")
    layers = report("inception_resnet_v2_tf").modules
    shapes = {row.name: tuple(row.output_shape[1:]) for row in layers.itertuples() if row.level == 1}
    assert shapes["stem"] == (96 + 64 + 96 + 64, 35, 35)  # Mixed_5b: 320
    assert shapes["reduction_a"] == (384 + 384 + 320, 17, 17)  # 1088
    assert shapes["reduction_b"] == (384 + 288 + 320 + 1088, 8, 8)  # 2080
    assert shapes["head_conv"] == (1536, 8, 8)
    counts = [len(model.inception_resnet_a), len(model.inception_resnet_b), len(model.inception_resnet_c)]
    assert counts == [10, 20, 10]  # the paper's Figure 15: 5, 10, 5
    assert [m.kernel_size for m in model.stem.modules() if isinstance(m, nn.MaxPool2d)] == [3, 3]


def test_inception_resnet_v2_tf_last_block_is_linear() -> None:
    blocks = list(meta_model("inception_resnet_v2_tf").inception_resnet_c)
    assert all(isinstance(b.relu, nn.ReLU) and b.scale == 0.20 for b in blocks[:-1])
    assert isinstance(blocks[-1].relu, nn.Identity) and blocks[-1].scale == 1.0
    paper = list(meta_model("inception_resnet_v2").inception_resnet_c)
    assert all(isinstance(b.relu, nn.ReLU) for b in paper)


def test_inception_resnet_v2_tf_macs_and_activations_are_timms() -> None:
    """timm's model card: GMACs 13.2, Activations (M) 25.1 (conv outputs, as fvcore counts them)."""
    assert round(totals("inception_resnet_v2_tf")["macs"] / 1e8) == 132
    assert round(totals("inception_resnet_v2_tf")["activations"] / 1e5) == 251
    head = 8 * 8 * 2080 * 1536
    assert head == 204_472_320 and totals("inception_resnet_v2_tf")["by_operator"]["conv"] > head


# --- The diff sections of docs/diff.md are the command's output --------------------------------------

GENERATED = re.compile(r"<!-- generated: (archstat [^>]+?) -->\n(.*?)<!-- end generated -->", flags=re.S)
FOLDED = ("<details><summary>every differing layer</summary>\n\n", "\n</details>\n")


def test_the_diff_page_shows_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """Each folded block is `archstat diff A B --engine meta --format markdown` as printed; the
    reports are the ones the tests above count (the command builds the same, diff_models)."""
    page = (ROOT / "docs" / "diff.md").read_text()
    blocks = GENERATED.findall(page)
    assert [command.split()[2:4] for command, _ in blocks] == [
        ["googlenet", "googlenet_tv"], ["inception_resnet_v2", "inception_resnet_v2_tf"]]
    for command, shown in blocks:
        assert command.split()[4:] == ["--engine", "meta", "--format", "markdown"]
        a, b = command.split()[2:4]
        configs = [{key: layer_config(m) for key, m in meta_model(name).named_modules()} for name in (a, b)]
        capsys.readouterr()
        emit(diff_result(diff_reports(report(a), report(b), *configs)), OutputFormat.markdown)
        printed = capsys.readouterr().out
        assert shown.startswith(FOLDED[0]) and shown.endswith(FOLDED[1])
        assert shown.removeprefix(FOLDED[0]).removesuffix(FOLDED[1]) == printed, (
            f"docs/diff.md is stale: rerun {command}")


def test_the_diff_pages_stage_table_is_the_models() -> None:
    """docs/diff.md's Inception-ResNet-v2 stage table, row by row, against both built networks."""
    page = (ROOT / "docs" / "diff.md").read_text()
    table = page[page.index("| stage | paper layout |"):].split("\n\n")[0].splitlines()[2:]
    paper, released = meta_model("inception_resnet_v2"), meta_model("inception_resnet_v2_tf")
    names = ["stem", "inception_resnet_a", "reduction_a", "inception_resnet_b", "reduction_b",
             "inception_resnet_c", "head_conv", "classifier", ""]

    def count(model: nn.Module, name: str) -> int:
        module = model.get_submodule(name) if name in dict(model.named_children()) or not name else None
        return 0 if module is None else n_params(module)

    assert len(table) == len(names)
    for line, name in zip(table, names, strict=True):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        numbers = [0 if cell == "-" else int(re.match(r"[+-]?[\d,]+", cell)[0].replace(",", "")) for cell in cells[1:]]
        a, b = count(paper, name), count(released, name)
        assert numbers == [a, b, b - a], line
