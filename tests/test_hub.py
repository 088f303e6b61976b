"""Models by hub name (``timm:``, ``torchvision:``, ``hf:``): the command line's numbers equal
``archstat.analyze`` of the module built by the library's own factory, the input is the one the
library states, and the parameters equal the library's published figure or a count by hand.

Each library's tests are skipped, with the reason, where it cannot be imported. Everything runs on
the meta engine (no weight allocated, no arithmetic): about 2 s of CPU for timm and torchvision
each once imported, 5 s for transformers' import.
"""

from __future__ import annotations

import importlib
import json

import pytest
import torch
from typer.testing import CliRunner

import archstat
from archstat.analysis import hub
from archstat.cli.app import app


def library(name: str):
    """``name`` imported as archstat imports it (``hub.make_torchvision_importable`` first), or a skip."""
    hub.make_torchvision_importable()
    try:
        return importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - any import failure is the reason to skip
        pytest.skip(f"{name} cannot be imported here: {type(error).__name__}: {error}")


def table_json(*args: str) -> dict:
    result = CliRunner().invoke(app, ["table", *args, "--engine", "meta", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def same_totals(cli: dict, report: archstat.Report) -> None:
    for key in ("params", "macs", "activations", "by_operator"):
        assert cli["totals"][key] == report.totals[key], key


def test_timm_resnet50_on_the_command_line_is_analyze_of_timm_create_model():
    """timm's table lists resnet50 (a1_in1k) at 25.6 M params; 25,557,032 is torchvision's figure for
    the same layout (its weights' meta), at timm's default input 3x224x224."""
    timm = library("timm")
    cli = table_json("timm:resnet50")
    with torch.device("meta"):
        module = timm.create_model("resnet50", pretrained=False)
    assert module.pretrained_cfg["input_size"] == (3, 224, 224)
    same_totals(cli, archstat.analyze(module, input_size=(3, 224, 224), engine="meta"))
    assert cli["totals"]["params"] == 25_557_032 and cli["input"] == [1, 3, 224, 224]


def test_timm_kwargs_and_the_default_input_from_the_pretrained_config():
    """--kwargs reach create_model; the input follows img_size; a ViT-Ti/16 at 160 has 10x10 patches."""
    library("timm")
    cli = table_json("timm:vit_tiny_patch16_224", "--kwargs", '{"img_size": 160, "num_classes": 10}')
    assert cli["input"] == [1, 3, 160, 160]
    # 192-wide patch embedding of 100 patches: 100 x 192 x (3 x 16 x 16) MACs by hand
    patch = next(layer for layer in cli["layers"] if layer["name"] == "patch_embed.proj")
    assert patch["macs"] == 100 * 192 * 768


def test_torchvision_names_and_the_input_from_the_weights_transforms():
    """torchvision's inception_v3 weights crop 299 (its docs' transforms); 27,161,264 params with the
    auxiliary head are torchvision's published figure, archstat counts 23,834,568 without it."""
    models = library("torchvision.models")
    cli = table_json("torchvision:inception_v3")
    assert cli["input"] == [1, 3, 299, 299]
    with torch.device("meta"):
        module = models.get_model("inception_v3", weights=None)
    same_totals(cli, archstat.analyze(module, input_size=(3, 299, 299), engine="meta"))
    assert sum(p.numel() for p in module.parameters()) == 27_161_264
    resnet = table_json("torchvision:resnet18")
    assert resnet["totals"]["params"] == 11_689_512 and resnet["input"] == [1, 3, 224, 224]


TINY_BERT = {"model_type": "bert", "vocab_size": 100, "hidden_size": 16, "num_hidden_layers": 1,
             "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64,
             "type_vocab_size": 2}


def test_hf_from_a_local_config_counted_by_hand(tmp_path):
    """A one-layer BERT from its config.json, on 64 token ids (the position table's length, under 128).
    Params: embeddings 100x16 + 64x16 + 2x16 + norm 32 = 2,688; the layer's q, k, v, output 4 x (16x16
    + 16) = 1,088, intermediate 16x32 + 32 = 544, output 32x16 + 16 = 528, two norms 64: 2,224;
    pooler 16x16 + 16 = 272; 5,184 in all. MACs: per token 4 x 256 + 2 x 512 = 2,048 in linears (64
    tokens: 131,072), attention 2 heads x 2 products x 64 x 64 x 8 = 131,072, the pooler's 256 on the
    first token, three affine layer norms at 5 per element: 3 x 5 x 64 x 16 = 15,360."""
    transformers = library("transformers")
    (tmp_path / "config.json").write_text(json.dumps(TINY_BERT))
    cli = table_json(f"hf:{tmp_path}")
    assert cli["input"] == [1, 64]
    assert cli["totals"]["params"] == 5_184
    assert cli["totals"]["macs"] == 131_072 + 131_072 + 256 + 15_360
    config = transformers.BertConfig(**{k: v for k, v in TINY_BERT.items() if k != "model_type"})
    with torch.device("meta"):
        module = transformers.AutoModel.from_config(config)
    same_totals(cli, archstat.analyze(module.eval(), input_size="64:int64", engine="meta"))


def test_hf_model_types_with_their_default_configuration():
    """hf:vit is transformers' default ViTConfig: ViT-B/16 at 224, 86,389,248 params (86.6 M with the
    1,000-way head the paper counts: + 768 x 1000 + 1000 - the pooler's 768 x 768 + 768)."""
    transformers = library("transformers")
    cli = table_json("hf:vit")
    assert cli["input"] == [1, 3, 224, 224]
    assert cli["totals"]["params"] == 86_389_248
    with torch.device("meta"):
        module = transformers.AutoModel.from_config(transformers.ViTConfig())
    same_totals(cli, archstat.analyze(module.eval(), input_size=(3, 224, 224), engine="meta"))
    assert 86_389_248 + 768 * 1000 + 1000 - (768 * 768 + 768) == 86_567_656  # torchvision's vit_b_16


@pytest.mark.parametrize(("spec", "words"), [
    ("hf:no_such_type", "Unknown Hugging Face model 'no_such_type'"),
    ("hf:/no/such/config.json", "no configuration file at /no/such/config.json"),
])
def test_bad_hub_names_are_one_line(spec, words):
    library("transformers")
    result = CliRunner().invoke(app, ["table", spec, "--engine", "meta"])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


def test_a_missing_library_names_its_extra(monkeypatch):
    """With the library hidden from the import system, one line naming archstat's extra."""
    import sys

    for name in ("timm", "transformers", "torchvision", "torchvision.models"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    for spec, extra in (("timm:resnet50", "archstat[timm]"), ("hf:bert", "archstat[hf]"),
                        ("torchvision:resnet50", "archstat[torchvision]")):
        result = CliRunner().invoke(app, ["table", spec, "--engine", "meta"])
        assert result.exit_code == 2 and extra in result.output and len(result.output.strip().splitlines()) == 1


def test_a_torchvision_detector_builds_without_its_backbone_weights():
    """weights=None alone would still download the ImageNet backbone of a detector: archstat passes
    weights_backbone=None too. torchvision publishes 41,755,286 params for the detector, built with a
    frozen backbone whose batch norms hold weight and bias as buffers; untrained, they are parameters:
    2 x ResNet-50's 26,560 batch-norm channels (stem 64; stages 3 x 384 + 256, 4 x 768 + 512,
    6 x 1,536 + 1,024, 3 x 3,072 + 2,048, each with its downsampling norm) = 53,120 more."""
    models = library("torchvision.models")
    from archstat.analysis.resolve import resolve

    target = resolve("torchvision:fasterrcnn_resnet50_fpn", input_size="3x64x64", device="meta")
    channels = 64 + (3 * 384 + 256) + (4 * 768 + 512) + (6 * 1536 + 1024) + (3 * 3072 + 2048)
    assert sum(p.numel() for p in target.module.parameters()) == 41_755_286 + 2 * channels
    assert models.get_model_weights("fasterrcnn_resnet50_fpn").DEFAULT.meta["num_params"] == 41_755_286
