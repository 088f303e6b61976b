"""The zoo's facts are data (archstat/zoo_facts/), held once: the registry, ``list`` and completion read them.

Every registered builder has exactly one fact entry and every fact entry one builder; the facts of a family
live in the data module named as the module that builds it. Prose in a fact that restates a builder's
configuration is checked here against hand sums, so it cannot drift from the network.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections import Counter

import pytest
import torch

import archstat
from archstat import zoo_facts
from archstat.models import build_model, get_model_info, list_models, registry

FAMILY_MODULES = zoo_facts._FAMILIES


def zoo_builders(pattern: str | None = None) -> list[str]:
    """``list_models(pattern)`` less any builder a user (or another test) registered: the zoo's own."""
    return [name for name in list_models(pattern) if registry._BUILDERS[name].__module__.startswith("archstat.models.")]


def test_every_builder_has_exactly_one_fact_entry_and_every_entry_a_builder():
    written = Counter(info.name for family in FAMILY_MODULES for info in family.MODELS)
    assert [name for name, count in written.items() if count > 1] == []
    assert sorted(written) == sorted(zoo_builders()) == sorted(zoo_facts.names())


@pytest.mark.parametrize("name", zoo_builders())
def test_the_registry_reads_the_fact_entry_itself_not_a_copy(name):
    assert get_model_info(name) is zoo_facts.FACTS[name]


@pytest.mark.parametrize("family", FAMILY_MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_a_familys_facts_sit_beside_the_module_that_builds_it(family):
    data_module = family.__name__.rsplit(".", 1)[-1]
    for info in family.MODELS:
        builder = registry._BUILDERS[info.name]
        assert builder.__module__ == f"archstat.models.{data_module}", info.name
        assert builder.__name__ == info.name  # a builder names itself; the name is the reference


@pytest.mark.parametrize("pattern", [None, "resnet*", "vgg1?", "*v[23]*", "inception_*", "nothing_like_it", "VGG*"])
def test_a_pattern_picks_what_list_models_picks(pattern):
    assert zoo_facts.names(pattern) == zoo_builders(pattern)
    assert [info.name for info in zoo_facts.entries(pattern)] == zoo_builders(pattern)


def test_reading_the_facts_imports_no_torch():
    script = ("import sys; from archstat import zoo_facts; print(' '.join(zoo_facts.names())); "
              "assert 'torch' not in sys.modules and 'archstat.models' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == zoo_builders()


def test_a_builder_without_facts_is_refused_by_name():
    def resnet_nonexistent(*, num_classes: int = 1000) -> torch.nn.Module:
        return torch.nn.Identity()

    with pytest.raises(ValueError, match="'resnet_nonexistent' has no facts"):
        registry.zoo_model(resnet_nonexistent)
    assert "resnet_nonexistent" not in list_models()


def test_facts_written_twice_are_refused(monkeypatch):
    monkeypatch.setattr(zoo_facts, "_FAMILIES", (zoo_facts.vgg, zoo_facts.vgg))
    with pytest.raises(ValueError, match="'vgg11' has facts twice"):
        zoo_facts._by_name()


def test_your_own_builder_registers_with_its_facts(monkeypatch):
    monkeypatch.setattr(registry, "_BUILDERS", dict(registry._BUILDERS))  # left as it was after the test
    monkeypatch.setattr(registry, "_INFOS", dict(registry._INFOS))

    def tiny_net(*, num_classes: int = 1000) -> torch.nn.Module:
        nn = torch.nn
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(1), nn.Linear(4 * 6 * 6, num_classes))

    archstat.register_model(family="Tiny", paper="none", year=2026, input_size=[3, 8, 8], num_classes=5)(tiny_net)
    info = get_model_info("tiny_net")
    assert (info.name, info.family, info.input_size, info.num_classes) == ("tiny_net", "Tiny", (3, 8, 8), 5)
    # conv 3*4*9 + 4 = 112, fc 144*5 + 5 = 725: 837 parameters at the 5 classes the facts give
    assert sum(p.numel() for p in build_model("tiny_net").parameters()) == 837
    with pytest.raises(TypeError, match="paper_flops"):
        archstat.register_model(family="Tiny", paper="none", year=2026, input_size=(3, 8, 8), paper_flops=1)


def test_model_info_declares_each_field_once_and_copies_what_it_is_given():
    fields = list(inspect.signature(zoo_facts.ModelInfo).parameters)
    assert fields[:5] == ["name", "family", "paper", "year", "input_size"] and len(fields) == len(set(fields))
    extra = {"venue": "x"}
    info = zoo_facts.ModelInfo(name="n", family="f", paper="p", year=2000, input_size=(3, 8, 8), extra=extra,
                               differs=["a"])
    extra["venue"] = "changed"
    assert info.extra == {"venue": "x"} and info.differs == ("a",)


# Prose that restates a builder's configuration, checked against sums done by hand from the papers' tables.
@pytest.mark.parametrize(("name", "width"), [
    ("vgg11_bn", 64 + 128 + 2 * 256 + 4 * 512),            # Table 1, configuration A
    ("vgg13_bn", 2 * 64 + 2 * 128 + 2 * 256 + 4 * 512),    # B
    ("vgg16_bn", 2 * 64 + 2 * 128 + 3 * 256 + 6 * 512),    # D
    ("vgg19_bn", 2 * 64 + 2 * 128 + 4 * 256 + 8 * 512),    # E
])
def test_a_batch_norm_vgg_states_its_added_parameters(name, width):
    plain = name.removesuffix("_bn")
    assert f"2 x {width:,} = {2 * width:,} parameters to {plain}" in get_model_info(name).layout
    bn = sum(p.numel() for p in build_model(name, device="meta").parameters())
    assert bn - sum(p.numel() for p in build_model(plain, device="meta").parameters()) == 2 * width


@pytest.mark.parametrize(("name", "side", "stem", "widths", "head"), [
    # EfficientNet Table 1's B0, widths x the release's width coefficient, rounded to multiples of 8
    ("efficientnet_b0", 224, 32, "16/24/40/80/112/192/320", 1280),
    ("efficientnet_b4", 380, 48, "24/32/56/112/160/272/448", 1792),  # x1.4: 32*1.4 = 44.8 -> 48
    ("efficientnet_b7", 600, 64, "32/48/80/160/224/384/640", 2560),  # x2.0: every width doubled
])
def test_an_efficientnet_states_the_widths_it_builds(name, side, stem, widths, head):
    info = get_model_info(name)
    assert info.input_size == (3, side, side)
    assert f"stem {stem}, " in info.layout and f"at widths {widths}, head conv {head};" in info.layout
    model = build_model(name, device="meta")
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].out_channels == stem and convs[-1].out_channels == head


@pytest.mark.parametrize(("name", "widths"), [
    ("shufflenet_v1", "240/480/960"),      # ShuffleNet Table 1, g = 3
    ("shufflenet_v1_g8", "384/768/1536"),  # g = 8
])
def test_a_shufflenet_v1_states_its_table_1_widths(name, widths):
    assert f"units of widths {widths} " in get_model_info(name).layout
    fc = [m for m in build_model(name, device="meta").modules() if isinstance(m, torch.nn.Linear)][-1]
    assert fc.in_features == int(widths.rsplit("/", 1)[-1])  # the last stage's width feeds the classifier


@pytest.mark.parametrize(("name", "widths", "head"), [
    ("shufflenet_v2_x1_0", "116/232/464", 1024),  # ShuffleNet V2 Table 5, 1x
    ("shufflenet_v2_x2_0", "244/488/976", 2048),  # 2x
])
def test_a_shufflenet_v2_states_its_table_5_widths(name, widths, head):
    assert f"units at {widths}; conv5 1x1 to {head};" in get_model_info(name).layout
    fc = [m for m in build_model(name, device="meta").modules() if isinstance(m, torch.nn.Linear)][-1]
    assert fc.in_features == head
