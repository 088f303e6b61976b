"""`archstat claims` p01 onwards: the papers that followed the documents. Every claim's measured figure is
reached again by a second method (torch's FlopCounterMode on the network built on the meta device, whose
FLOPs / 2 are the convolutions' and matrix products' multiply-adds, and ``parameters()`` counted directly) or
by hand, and its verdict follows the documents' rules (docs/claims-method.md).

The papers' claims are measured once per session with the meta engine (fvcore's counts without running the
networks, tests/test_engines.py); docs/claims.md (default engine) is checked by tests/test_claims.py.
Claims on networks another part of the zoo adds (ShuffleNet V2, SE-ResNet-50, EfficientNet, ConvNeXt) skip,
naming the network, until it is registered.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from archstat.claims.catalogue import CATALOGUE
from archstat.claims.papers import PAPER_CLAIMS, PAPER_SOURCES
from archstat.cli.commands.claims import measure, summary_frame
from archstat.models import build_model, get_model_info, list_models

SHARED = Path(__file__).resolve().parents[2] / "shared"
MINE = [c.id for c in PAPER_CLAIMS]


@pytest.fixture(scope="module")
def results():
    return {r.claim.id: r for r in measure(list(PAPER_CLAIMS), engine="meta")}


def needs(*models: str) -> None:
    missing = [m for m in models if m not in list_models()]
    if missing:
        pytest.skip(f"not in the zoo yet: {', '.join(missing)}")


def values(result) -> list:
    return [r.measured.value for r in result.parts]


@functools.cache
def second_method(name: str, side: int | None = None) -> tuple[int, int]:
    """(params, conv + fc multiply-adds) without archstat: parameters() and FlopCounterMode's FLOPs / 2."""
    model = build_model(name, device="meta")
    shape = get_model_info(name).input_size if side is None else (3, side, side)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(1, *shape, device="meta"))
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2


# ----------------------------------------------------------------------------- the catalogue


def test_the_papers_claims_follow_the_documents_and_are_marked_papers() -> None:
    ids = CATALOGUE.ids()
    assert [i for i in ids if i in MINE] == MINE and ids.index("p01") > ids.index("c48")
    assert all(CATALOGUE.sources[c.source].kind == "paper" for c in PAPER_CLAIMS)
    assert all(source.kind == "paper" and source.file for source in PAPER_SOURCES.values())
    assert CATALOGUE.get("p04") is PAPER_CLAIMS[3]


def test_every_listed_paper_claim_of_this_block_is_in_the_catalogue() -> None:
    """shared/claims.md lists p01 ... p16; p10-p12 (ShuffleNet V2's speed guidelines) are measured by the
    speed claims, the rest here."""
    path = SHARED / "claims.md"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    listed = re.findall(r"^\| (p\d\d) \|", path.read_text(encoding="utf-8"), flags=re.M)
    assert [i for i in listed if i not in ("p10", "p11", "p12")] == MINE


def test_the_summary_marks_each_claim_by_its_source_kind(results) -> None:
    frame = summary_frame(list(results.values()))
    assert set(frame["from"]) == {"paper"} and list(frame.id) == MINE


def test_a_claim_on_a_missing_network_is_not_checkable_and_names_it(results) -> None:
    for claim_id, model in (("p09", "shufflenet_v2_x1_0"), ("p14", "se_resnet50"), ("p15", "efficientnet_b7"),
                            ("p16", "convnext_tiny")):
        if model not in list_models():
            assert results[claim_id].verdict == "not checkable" and model in results[claim_id].note


# ----------------------------------------------------------------------------- each claim


def test_p01_squeezenet_has_about_50x_fewer_parameters_than_alexnet(results) -> None:
    """By hand: AlexNet's two towers (groups of 2 in conv2, conv4, conv5) and Table 1's SqueezeNet."""
    def conv(cin: int, cout: int, k: int, groups: int = 1) -> int:
        return cout * (cin // groups) * k * k + cout
    alexnet = (conv(3, 96, 11) + conv(96, 256, 5, 2) + conv(256, 384, 3) + conv(384, 384, 3, 2)
               + conv(384, 256, 3, 2) + 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000)
    assert alexnet == 60_965_224 and second_method("squeezenet1_0")[0] == 1_248_424
    assert results["p01"].parts[0].measured.value == pytest.approx(alexnet / 1_248_424)
    assert results["p01"].verdict == "holds"  # 48.8x against "50x": within 10%


def test_p02_squeezenet_1_1_computes_2_4x_less(results) -> None:
    ratio = second_method("squeezenet1_0")[1] / second_method("squeezenet1_1")[1]
    assert results["p02"].parts[0].measured.value == pytest.approx(ratio) and round(ratio, 2) == 2.35
    assert results["p02"].verdict == "holds"


def test_p03_mobilenet_tables_6_and_7(results) -> None:
    expected = []
    for name in ("mobilenet_v1", "mobilenet_v1_0_75", "mobilenet_v1_0_5", "mobilenet_v1_0_25"):
        params, macs = second_method(name)
        expected += [macs, params]
    expected += [second_method("mobilenet_v1", side)[1] for side in (192, 160, 128)]
    assert values(results["p03"]) == expected
    assert expected[:2] == [568_740_352, 4_231_976]
    assert results["p03"].verdict == "holds"


def test_p04_mobilenet_against_vgg16(results) -> None:
    """VGG16's 138,357,544 parameters (torchvision's num_params) and 15,470,264,320 conv + fc MACs
    (torchvision's GFLOPS 15.47), against MobileNet's."""
    vgg_params, vgg_macs = second_method("vgg16")
    mob_params, mob_macs = second_method("mobilenet_v1")
    assert vgg_params == 138_357_544 and round(vgg_macs / 1e7) == 1547
    assert values(results["p04"]) == pytest.approx([vgg_params / mob_params, vgg_macs / mob_macs])
    assert results["p04"].verdict == "holds"  # 32.7x and 27.2x


def test_p05_separable_saving_by_hand(results) -> None:
    """Standard 3x3 (9 C N per output element) over depthwise + pointwise (9 C + C N), per Table 1 layer on
    its output grid, summed; each layer's own ratio is 1 / (1/N + 1/9)."""
    layers = [(32, 64, 112), (64, 128, 56), (128, 128, 56), (128, 256, 28), (256, 256, 28), (256, 512, 14),
              *[(512, 512, 14)] * 5, (512, 1024, 7), (1024, 1024, 7)]
    standard = sum(g * g * 9 * c * n for c, n, g in layers)
    separable = sum(g * g * (9 * c + c * n) for c, n, g in layers)
    assert results["p05"].parts[0].measured.value == pytest.approx(standard / separable)
    assert 8.7 < standard / separable < 8.75
    assert 1 / (1 / 64 + 1 / 9) == pytest.approx(7.89, abs=0.005)  # the first layer: under 8
    assert results["p05"].verdict == "holds"


def test_p06_mobilenet_v2_table_4(results) -> None:
    (p10, m10), (p14, m14) = second_method("mobilenet_v2"), second_method("mobilenet_v2_1_4")
    assert values(results["p06"]) == [m10, p10, m14, p14]
    assert p10 == 3_504_872  # torchvision's num_params
    assert results["p06"].verdict == "roughly"  # 1.4: 6.1M parameters, not 6.9M (-11%)
    assert [r.verdict for r in results["p06"].parts] == ["holds", "holds", "holds", "roughly"]


def test_p07_mobilenet_v3_table_3(results) -> None:
    (pl, ml), (ps, ms) = second_method("mobilenet_v3_large"), second_method("mobilenet_v3_small")
    assert values(results["p07"]) == [ml, pl, ms, ps]
    assert (pl, ps) == (5_483_032, 2_542_856)  # torchvision's num_params
    assert results["p07"].verdict == "holds"


def test_p08_shufflenet_about_140_mflops_for_every_g(results) -> None:
    names = ["shufflenet_v1_g1", "shufflenet_v1_g2", "shufflenet_v1", "shufflenet_v1_g4", "shufflenet_v1_g8"]
    macs = [second_method(n)[1] for n in names]
    assert values(results["p08"]) == macs
    assert [round(m / 1e6) for m in macs] == [143, 141, 137, 134, 138]  # Table 1: 143, 140, 137, 133, 137
    assert results["p08"].verdict == "holds"


def test_p09_shufflenet_v2_table(results) -> None:
    names = ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"]
    needs(*names)
    expected = [v for n in names for v in reversed(second_method(n))]
    assert values(results["p09"]) == expected


def test_p13_xception_and_inception_v3(results) -> None:
    xception = second_method("xception")[0]
    model = build_model("inception_v3", device="meta")
    inception = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("aux"))
    assert values(results["p13"]) == pytest.approx([22_855_952, xception / inception])
    assert xception == 22_855_952 and results["p13"].verdict == "holds"


def test_p14_senet(results) -> None:
    needs("se_resnet50")
    (sp, sm), (rp, rm) = second_method("se_resnet50"), second_method("resnet50")
    measured = values(results["p14"])
    assert measured[:2] == [sm, rm] and measured[4] == sp and measured[5] == pytest.approx(sp / rp)
    # By hand, per SE block of width C on H x W: the global pool (C H W, one MAC per input element) and the
    # two fc layers (2 x C x C/16); ResNet-50's stages: 3 blocks of 256 at 56, 4 of 512 at 28, 6 of 1024 at
    # 14, 3 of 2048 at 7.
    stages = ((3, 256, 56), (4, 512, 28), (6, 1024, 14), (3, 2048, 7))
    added = sum(n * (c * g * g + 2 * c * c // 16) for n, c, g in stages)
    assert added == 8_034_304 == results["p14"].parts[2].measured.reading.part
    assert 0 < measured[2] < 0.01 and results["p14"].verdict == "roughly"  # 0.21% against the paper's 0.26%


def test_p15_efficientnet(results) -> None:
    names = [f"efficientnet_b{i}" for i in range(8)]
    needs(*names)
    expected = [v for n in names for v in second_method(n)]
    measured = values(results["p15"])
    assert measured[:-1] == expected and measured[-1] == pytest.approx(557e6 / expected[-2])


def test_p16_convnext(results) -> None:
    needs("convnext_tiny")
    assert values(results["p16"]) == list(second_method("convnext_tiny"))
