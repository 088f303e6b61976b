"""Refusals said the same way by every command, names checked before torch is imported, the engine each
command counts on when none is asked for, and progress only on a terminal (issue 23, items 3 and 4)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from archstat import analyze
from archstat.cli import engine_choice, progress
from archstat.cli.app import app
from archstat.errors import InputSizeError
from archstat.names import split_input, suggest
from archstat.zoo_facts import entries
from archstat.zoo_facts import names as zoo_names

runner = CliRunner()
LENET_FILE = "tests/fixtures/lenet_like.py:Net"


def zoo_entry(name: str):
    return next(e for e in entries() if e.name == name)
  # its first layer: nn.Conv2d(3, 6, 5)


def run(*args: str):
    return runner.invoke(app, list(args))


# LeNet-5 by hand: a 5x5 convolution, 2x2 pooling, 5x5, 2x2, then a 5x5 convolution that needs 5x5 left.
# Side s runs when floor((floor((s - 4) / 2) - 4) / 2) >= 5: s = 32 runs (28, 14, 10, 5, 1); s = 31 does not (27, 13,
# 9, 4). Every command that runs the model gives that same answer.
SMALLEST = "The smallest input that works is 32x32: give input_size 32 (--input 32) or larger."


@pytest.mark.parametrize("command", [["table"], ["rf"], ["memory"], ["graph"], ["table", "-e", "meta"],
                                     ["diff", "lenet5"], ["conventions"]], ids=" ".join)
def test_every_command_names_the_smallest_input_that_works(command):
    head, rest = command[0], command[1:]
    result = run(head, "lenet5", *rest, "--input", "31")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().endswith(SMALLEST), result.stderr
    assert "Traceback" not in result.output


def test_each_option_names_its_own_values():
    result = run("sweep", "lenet5", "--sizes", "32", "--batch", "0")
    assert result.exit_code == 2
    assert result.stderr.startswith("archstat: error: --batch '0'") and "batch sizes" in result.stderr
    assert "sides" not in result.stderr
    result = run("sweep", "lenet5", "--sizes", "0")
    assert "--sizes '0'" in result.stderr and "sides" in result.stderr


def test_compare_says_what_is_wrong_after_the_at():
    result = run("compare", "vgg16@abc", "alexnet")
    assert result.exit_code == 2
    assert "'abc' after @ is no input size" in result.stderr and "vgg16@224" in result.stderr
    assert split_input("inception_v3@299") == ("inception_v3", "299")


@pytest.mark.parametrize("size", [(3, 224), (3, 224, 224, 2), "3x224"])
def test_a_shape_with_the_wrong_number_of_dimensions_is_refused_from_python(size):
    with pytest.raises(InputSizeError, match="dimensions; this model takes 3"):
        analyze("vgg16", input_size=size, engine="meta")


def test_a_user_models_shape_is_checked_against_its_first_convolution():
    result = run("table", LENET_FILE, "--input", "3x32", "-e", "meta")
    assert result.exit_code == 2
    assert "'3x32' has 2 dimensions; this model takes 3" in result.stderr


def test_model_names_match_case_insensitively():
    result = run("table", "ResNet50", "-e", "meta", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # ResNet-50: 25.6 M parameters (He et al. 2016, Table 1 gives 3.8e9 FLOPs = multiply-adds; the count
    # 25,557,032 is torchvision's published resnet50 figure)
    assert data["model"] == "resnet50" and data["totals"]["params"] == 25_557_032
    assert analyze("LeNet5", engine="meta").model == "lenet5"


def test_suggestions_include_every_near_name():
    # DenseNet's Table 1 has four ImageNet depths: 121, 169, 201, 264 (and the zoo's densenet161)
    assert {"densenet121", "densenet169", "densenet201", "densenet264"} <= set(suggest("densenet"))
    result = run("table", "densenet")
    assert result.exit_code == 2 and "densenet121" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_pattern_that_matches_nothing_says_so():
    for command in ("list", "zoo"):
        result = run(command, "zzz*", "-f", "json")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == []
        assert "no model matches 'zzz*'" in result.stderr


@pytest.mark.parametrize("args", [["table", "resnt50"], ["compare", "vgg16", "alexnett"], ["diff", "vgg16", "vgg61"],
                                  ["rf", "nosuchfile.py:Net"], ["compare", "vgg16@abc", "alexnet"]], ids=" ".join)
def test_names_and_files_are_checked_before_torch_is_imported(args):
    script = ("import sys; sys.argv[0] = 'archstat'\nfrom archstat.cli.app import app\ntry:\n    app()\n"
              "except SystemExit as done:\n    print('torch' in sys.modules, 'pydantic' in sys.modules, done.code)\n")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.getcwd()})
    # neither torch nor pydantic (which Typer converts values with): a misspelt name costs what --help costs
    assert done.stdout.split() == ["False", "False", "2"], done.stderr
    assert done.stderr.startswith("archstat: error: ") and len(done.stderr.strip().splitlines()) == 1


# --- which engine, when none is asked for ---------------------------------------------------------------------


def test_zoo_claims_and_compare_count_on_meta_by_default_with_one_note():
    for args in (["zoo", "lenet5"], ["claims", "c01"], ["compare", "lenet5", "lenet5@33"]):
        result = run(*args, "-f", "json")
        assert result.exit_code == 0, result.output
        assert result.stderr.count(engine_choice.META_NOTE) == 1, result.stderr
    asked = run("compare", "lenet5", "lenet5@33", "-f", "json", "--engine", "fvcore")
    assert engine_choice.META_NOTE not in asked.stderr


def test_table_counts_a_deep_net_on_meta_unless_fvcore_is_asked_for(monkeypatch):
    # LeNet-5's modules with weights: C1, C3's 16 partial convolutions (its Table I connects each of the 16 maps
    # to its own subset of S2's 6), C5, F6 and the output: 1 + 16 + 3 = 20. Over a limit of 19 it is "deep" here.
    monkeypatch.setattr(engine_choice, "DEEP_NET_LAYERS", 19)
    auto = run("table", "lenet5", "-f", "json")
    assert json.loads(auto.stdout)["engine"] == "meta"
    assert "20 modules with weights, over 19" in auto.stderr
    asked = run("table", "lenet5", "-f", "json", "--engine", "fvcore")
    assert json.loads(asked.stdout)["engine"] == "fvcore" and "modules with weights" not in asked.stderr
    monkeypatch.setattr(engine_choice, "DEEP_NET_LAYERS", 20)
    assert json.loads(run("table", "lenet5", "-f", "json").stdout)["engine"] == "fvcore"
    assert json.loads(auto.stdout)["totals"] == json.loads(asked.stdout)["totals"]


# --- progress --------------------------------------------------------------------------------------------------


def test_no_progress_when_stderr_is_not_a_terminal():
    result = run("compare", "lenet5", "lenet5@33", "-f", "json")
    assert "model 1 of" not in result.stderr and "━" not in result.stderr


def test_progress_names_each_model_n_of_n_on_a_terminal(monkeypatch):
    from rich.console import Console

    drawn = io.StringIO()

    class Terminal:
        def made(self) -> Console:
            return Console(file=drawn, force_terminal=True, width=100)

    monkeypatch.setattr(progress, "stderr", Terminal())
    monkeypatch.setattr(progress, "_shown", lambda: True)
    result = run("compare", "lenet5", "lenet5@33", "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)  # stdout is the result alone
    assert "model 1 of 2: lenet5" in drawn.getvalue() and "model 2 of 2: lenet5@33" in drawn.getvalue()


# AlexNet's classifier takes exactly 256x6x6 features (no adaptive pooling): one pixel below 227 its feature map
# is 5x5 and the classifier refuses it (a shape mismatch, with the layer named), before any map vanishes.
FIXED_CLASSIFIER = {"alexnet"}


@pytest.mark.parametrize("name", [n for n in zoo_names() if (zoo_entry(n).min_input or 1) > 1
                                  and n not in FIXED_CLASSIFIER])
def test_the_smallest_input_named_is_the_registrys(name):
    """The side the search finds is each model's registered ``min_input``, which tests/test_zoo_registry.py checks
    runs while one pixel less does not; asked one pixel below it, every model names exactly that side."""
    entry = zoo_entry(name)
    side = entry.min_input
    with pytest.raises(InputSizeError, match=f"smallest input that works is {side}x{side}"):
        analyze(name, input_size=(entry.input_size[0], side - 1, side - 1), engine="meta")
