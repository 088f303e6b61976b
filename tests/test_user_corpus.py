"""Every model of tests/user_corpus.py through the API on both engines and through the command line:
exact numbers (a hand calculation, or fvcore's FlopCountAnalysis used directly on the same module)
or one ArchstatError, the engines and the CLI agreeing, and the module left as given on every path."""

from __future__ import annotations

import inspect
import json
import warnings
from functools import cache
from typing import Any

import pytest
import torch
from snapshots import assert_unchanged, snapshot
from torch import nn
from typer.testing import CliRunner
from user_corpus import ENTRIES, EXCLUDED, UNCOUNTED_LISTS_DIFFER, Entry, copy_of

import archstat
from archstat.cli.app import app
from archstat.errors import ArchstatError

ENGINES = ("fvcore", "meta")
CORPUS_FILE = "tests/user_corpus.py"
BY_NAME = {entry.name: entry for entry in ENTRIES}


@cache
def outcome(name: str, engine: str) -> tuple[dict[str, Any] | str, bool]:
    """(totals, or the error's message) of one entry on one engine, and whether the module was left
    exactly as given; computed once for all the tests below."""
    entry = BY_NAME[name]
    torch.manual_seed(0)
    module = entry.build()
    before = snapshot(module)
    try:
        report = archstat.analyze(module, input_size=list(entry.inputs), forward_kwargs=entry.forward_kwargs,
                                  engine=engine)
        result: dict[str, Any] | str = {**report.totals, "notes": report.notes}
    except ArchstatError as error:
        result = str(error)
    try:
        assert_unchanged(before, module)
        unchanged = True
    except AssertionError:
        unchanged = False
    return result, unchanged


def numbers(totals: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(totals.get(key) for key in ("params", "trainable_params", "macs", "activations", "uncounted_ops"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_numbers_or_one_clear_error_and_the_module_as_given(entry: Entry, engine: str) -> None:
    result, unchanged = outcome(entry.name, engine)
    assert unchanged, f"{entry.name} was changed by the analysis on {engine}"
    if entry.error and engine in entry.error_engines:
        assert isinstance(result, str) and entry.error in result, result
        assert "--debug" not in result  # the API does not point Python callers at a CLI flag
        return
    assert isinstance(result, dict), result
    if entry.macs is not None:
        assert result["macs"] == entry.macs
    else:
        assert result["macs"] == fvcore_direct(entry)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not e.error], ids=lambda e: e.name)
def test_the_engines_agree(entry: Entry) -> None:
    fvcore, meta = (outcome(entry.name, engine)[0] for engine in ENGINES)
    assert isinstance(fvcore, dict) and isinstance(meta, dict)
    compared = slice(0, 4) if entry.name in UNCOUNTED_LISTS_DIFFER else slice(None)
    assert numbers(fvcore)[compared] == numbers(meta)[compared]
    fallback = "fvcore's tracer cannot follow this model"  # said by the fvcore engine only, where it applies
    real_trace = "The meta engine cannot read tensor values"  # said by the meta engine only, where it applies
    assert [n for n in fvcore["notes"] if not n.startswith(fallback)] == [
        n for n in meta["notes"] if not n.startswith(real_trace)]


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.direct and e.macs is not None], ids=lambda e: e.name)
def test_hand_calculations_agree_with_fvcore_used_directly(entry: Entry) -> None:
    """The hand calculations follow fvcore's conventions: fvcore itself says the same."""
    assert fvcore_direct(entry) == entry.macs


def fvcore_direct(entry: Entry) -> int:
    """fvcore's FlopCountAnalysis on a fresh build of the same module, in eval mode, zeros at batch 1."""
    from fvcore.nn import FlopCountAnalysis

    module = copy_of(entry).eval()
    target = archstat.analysis.resolve.resolve(module, input_size=list(entry.inputs))
    inputs = tuple(torch.zeros((1, *spec.shape), dtype=getattr(torch, spec.dtype.value)) for spec in target.inputs)
    if any(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in module.modules()):
        with torch.no_grad():
            module(*inputs)  # gives lazy layers their shapes, as a user would before calling fvcore
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(module, inputs)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        return int(analysis.total())


CLI_ENTRIES = [BY_NAME[n] for n in ("conv2d", "embedding", "keyword_inputs", "custom_output", "scripted",
                                    "lazy2d", "broken", "reads_values", "tied", "pruned")]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("entry", CLI_ENTRIES, ids=lambda e: e.name)
def test_the_command_line_gives_what_the_api_gives(entry: Entry, engine: str) -> None:
    args = ["table", f"{CORPUS_FILE}:{entry.name}", "--engine", engine, "--format", "json"]
    for text in entry.inputs:
        args += ["--input", text]
    if entry.forward_kwargs:
        args += ["--forward-kwargs", json.dumps(entry.forward_kwargs)]
    result = CliRunner().invoke(app, args)
    expected, _ = outcome(entry.name, engine)
    if isinstance(expected, str):
        assert result.exit_code == 1 and "internal error" not in result.output
        assert result.output.startswith(f"archstat: error: {CORPUS_FILE.rsplit('/', 1)[-1]}:{entry.name}") or \
            expected.splitlines()[0].split(": ", 1)[-1] in result.output, result.output
        assert "Run with --debug for the full traceback." in result.output
        return
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert numbers(data["totals"]) == numbers(expected) and data["mode"] == "eval"


def test_every_public_layer_class_of_torch_nn_is_in_the_corpus_or_excluded_with_a_reason() -> None:
    public = {name for name, value in vars(nn).items() if not name.startswith("_") and inspect.isclass(value)
              and issubclass(value, nn.Module)}
    used: set[str] = set()
    for entry in ENTRIES:  # fresh builds: a lazy layer keeps its Lazy class until its first forward
        used |= {type(m).__name__ for m in copy_of(entry).modules()}
    missing = sorted(public - used - set(EXCLUDED))
    assert not missing, f"torch.nn classes neither in tests/user_corpus.py nor in its EXCLUDED: {missing}"
    assert not set(EXCLUDED) & used, "a class in EXCLUDED is in the corpus after all"


def test_train_mode_is_counted_and_said() -> None:
    """BatchNorm in train mode: fvcore counts it on the batch's statistics; both engines, the CLI and
    the report say the mode."""
    entry = BY_NAME["batchnorm"]
    reports = {engine: archstat.analyze(entry.build(), input_size=list(entry.inputs), engine=engine, mode="train")
               for engine in ENGINES}
    assert numbers(reports["fvcore"].totals) == numbers(reports["meta"].totals)
    assert reports["meta"].mode == "train" and reports["meta"].to_dict()["mode"] == "train"
    result = CliRunner().invoke(app, ["table", f"{CORPUS_FILE}:batchnorm", "--input", "3x8x8", "--mode", "train"])
    assert result.exit_code == 0 and "train mode" in result.stdout


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_memory_and_fields_give_a_result_or_one_clear_error_and_leave_the_module(entry: Entry) -> None:
    """The other paths a model takes (``archstat memory``, ``archstat rf``): never an internal error."""
    from archstat.analysis.memory import estimate_memory
    from archstat.engines.contract import Want

    module = copy_of(entry)
    before = snapshot(module)
    for run in (lambda: estimate_memory(module, input_size=list(entry.inputs)),
                lambda: archstat.analyze(module, input_size=list(entry.inputs), forward_kwargs=entry.forward_kwargs,
                                         want=Want.FIELDS, engine="meta")):
        try:
            run()
        except ArchstatError:
            pass
        assert_unchanged(before, module)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_rf_and_memory_on_the_command_line_never_give_an_internal_error(entry: Entry) -> None:
    inputs = [arg for text in entry.inputs for arg in ("--input", text)]
    spec = f"{CORPUS_FILE}:{entry.name}"
    for command in (["rf", spec, "--engine", "meta"], ["memory", spec]):
        if entry.forward_kwargs and command[0] == "rf":
            command += ["--forward-kwargs", json.dumps(entry.forward_kwargs)]
        result = CliRunner().invoke(app, [*command, *inputs, "--format", "json"])
        assert result.exit_code == 0 or result.output.startswith("archstat: error: "), result.output
        assert "internal error" not in result.output


def test_a_corpus_model_named_as_pkg_module_attr() -> None:
    """The other spec form, imported from the current directory (the repository root)."""
    result = CliRunner().invoke(app, ["table", "tests.user_corpus:shared", "--input", "6", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["macs"] == 2 * 6 * 6
