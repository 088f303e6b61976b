"""Every registered model builds, runs at a small input, and matches its own metadata."""

import pytest
import torch

import archstat
from archstat.models import build_model, get_model_info, list_models


def small_side(name: str) -> int:
    info = get_model_info(name)
    return min(info.input_size[-1], max(info.min_input or 32, 64))


@pytest.mark.parametrize("name", list_models())
def test_every_model_builds_and_is_analysed(name):
    info = get_model_info(name)
    side = small_side(name)
    report = archstat.analyze(name, input_size=(*info.input_size[:-2], side, side))
    assert report.totals["macs"] > 0
    assert report.rows().params.sum() == report.totals["params"]
    assert report.rows().macs.sum() == report.totals["macs"]
    if info.params_exact:
        assert report.totals["trainable_params"] == info.paper_params


@pytest.mark.parametrize("name", list_models())
def test_num_classes_sets_the_output_width(name):
    info = get_model_info(name)
    side = small_side(name)
    model = build_model(name, num_classes=7, device="meta")  # shapes only: no memory, no arithmetic
    with torch.no_grad():
        out = model(torch.empty(1, *info.input_size[:-2], side, side, device="meta"))
    assert tuple(out.shape) == (1, 7)


@pytest.mark.parametrize("name", list_models())
def test_metadata_is_complete(name):
    info = get_model_info(name)
    assert info.family and info.paper and 1989 <= info.year <= 2026
    assert len(info.input_size) == 3 and info.layout


def test_list_models_filters_and_sorts_naturally():
    names = list_models("resnet*")
    if {"resnet18", "resnet50", "resnet101"} <= set(names):
        assert names.index("resnet18") < names.index("resnet50") < names.index("resnet101")
    assert list_models("vgg1?") == ["vgg11", "vgg13", "vgg16", "vgg19"]
    assert list_models("no-such-*") == []


def test_registering_a_name_twice_is_an_error():
    def vgg16(*, num_classes: int = 1000) -> torch.nn.Module:
        return torch.nn.Identity()

    with pytest.raises(ValueError, match="twice"):
        archstat.register_model(family="x", paper="x", year=2000, input_size=(3, 8, 8))(vgg16)


@pytest.mark.parametrize("name", [n for n in list_models() if get_model_info(n).min_input])
def test_min_input_is_the_smallest_side_that_runs(name):
    info = get_model_info(name)
    model = build_model(name, device="meta")

    def runs(side: int) -> bool:
        try:
            with torch.no_grad():
                model(torch.empty(1, *info.input_size[:-2], side, side, device="meta"))
            return True
        except Exception:
            return False

    assert runs(info.min_input)
    if info.min_input > 1:
        assert not runs(info.min_input - 1)


def test_input_below_the_minimum_fails_with_that_minimum():
    with pytest.raises(archstat.errors.InputSizeError, match="smallest input that works is 32x32"):
        archstat.analyze("vgg16", input_size=(3, 31, 31))
