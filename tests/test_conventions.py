"""archstat conventions: every peer tool's number computed from archstat's own call log equals what
the tool itself prints, to the unit, on every zoo model at its default input and on small user
models; the line items add up; the printed figures match their sources.

Cost: this file takes about 76 s of CPU (one torch thread; 74 s user + 2.5 s sys, measured with
/usr/bin/time), almost all of it the every-zoo test: per model one archstat meta pass, one call log
(two meta passes), four tool runs on meta and one ptflops forward on CPU. The tools run on meta where their
result cannot depend on the device (torchinfo, thop: module hooks read shapes; ptflops' aten backend
and torch's FlopCounterMode: a dispatch mode sees the same top-level ATen operators), so those runs do
no arithmetic. ptflops' default backend runs on CPU: on meta, torch's Python meta kernels call the
functions it patches (addmm's decomposition calls torch.mm), so its meta count is not its real count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from archstat.analysis.conventions import peers
from archstat.analysis.conventions.dispatch_rules import ptflops_aten_tally, torch_flop_counter_tally
from archstat.analysis.conventions.ptflops_rules import PATCHES, ptflops_tally
from archstat.analysis.conventions.published import TORCHVISION
from archstat.analysis.conventions.report import ConventionsReport, conventions
from archstat.analysis.conventions.thop_rules import NEW_FUNCTIONS, thop_tally, ultralytics_tally
from archstat.analysis.conventions.torchinfo_rules import torchinfo_tally
from archstat.engines.call_log import record_calls
from archstat.engines.meta_device import fast_kernels
from archstat.models import build_model, get_model_info, list_models
from archstat.render.conventions import zoo_conventions_markdown

pytest.importorskip("torchinfo")
pytest.importorskip("ptflops")
pytest.importorskip("thop")

NETS = Path(__file__).parent / "fixtures" / "convention_nets.py"


def computed(module: torch.nn.Module, shape: tuple[int, ...]) -> dict[str, tuple[int, int | None]]:
    """Each tool's (number, params) by its rules, from one call log."""
    log = record_calls(module, (torch.zeros((1, *shape), device="meta"),), PATCHES, NEW_FUNCTIONS)
    tallies = {"torchinfo": torchinfo_tally(log), "ptflops": ptflops_tally(log, module),
               "ptflops-aten": ptflops_aten_tally(log, module), "thop": thop_tally(log, module),
               "ultralytics-thop": ultralytics_tally(log, module), "torch": torch_flop_counter_tally(log)}
    return {key: (t.total, t.params) for key, t in tallies.items()}


def actual(meta: torch.nn.Module, cpu: torch.nn.Module | None, shape: tuple[int, ...]) -> dict[str, object]:
    """Each installed tool's own (number, params): ptflops' default backend on ``cpu``, the rest on ``meta``."""
    shapes = [shape]
    with fast_kernels():
        found = {"torchinfo": peers.run_torchinfo(meta, shapes), "thop": peers.run_thop(meta, shapes),
                 "ptflops-aten": peers.run_ptflops(meta, shapes, "aten"), "torch": peers.run_flop_counter(meta, shapes)}
    if cpu is not None:
        with torch.no_grad():
            found["ptflops"] = peers.run_ptflops(cpu, shapes, "pytorch")
    return found


def assert_equal(mine: dict[str, tuple[int, int | None]], theirs: dict[str, object], label: str) -> None:
    for key, outcome in theirs.items():
        assert isinstance(outcome, tuple), f"{label}: {key} did not run: {outcome}"
        number, params = outcome
        assert mine[key][0] == number, f"{label}: {key} computed {mine[key][0]:,}, the tool prints {number:,}"
        if params is not None:
            assert mine[key][1] == params, f"{label}: {key} params computed {mine[key][1]:,}, the tool {params:,}"


KEYS = ("torchinfo", "ptflops", "ptflops-aten", "thop", "torch")
PAGE = Path(__file__).resolve().parent.parent / "docs" / "conventions.md"
GENERATED_FROM = "| model | input |"
_REPORTS: dict[str, ConventionsReport] = {}


def zoo_report(name: str) -> ConventionsReport:
    """``archstat conventions`` of a zoo model, computed once per session (the page test reuses it)."""
    if name not in _REPORTS:
        _REPORTS[name] = conventions(name, engine="meta")
    return _REPORTS[name]


@pytest.mark.parametrize("name", list_models())
def test_every_tool_on_every_zoo_model_at_its_default_input(name):
    report = zoo_report(name)
    mine = {row.convention.key: (row.value, row.params) for row in report.rows if row.convention.key in KEYS}
    shape = get_model_info(name).input_size
    meta = build_model(name, device="meta").eval()
    assert_equal(mine, actual(meta, build_model(name).eval(), shape), name)
    for row in report.rows:  # the line items add up to each difference
        if row.difference is not None:
            assert sum(n for _, n in row.items) == row.difference, (name, row.convention.key)
        if row.params_difference is not None:
            assert sum(n for _, n in row.params_items) == row.params_difference, (name, row.convention.key)


def test_the_conventions_page_is_up_to_date():
    page = PAGE.read_text()
    table = zoo_conventions_markdown([zoo_report(name) for name in list_models()])
    assert GENERATED_FROM in page and page[page.index(GENERATED_FROM):] == table, (
        "docs/conventions.md is stale: regenerate its table with python benchmarks/conventions_table.py")


def _user(name: str, device: str = "cpu") -> torch.nn.Module:
    """A net of ``convention_nets`` built on ``device`` (built there: moving it would untie its weights)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("convention_nets", NETS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    torch.manual_seed(0)
    with torch.device(device):
        return getattr(module, name)().eval()


USER = {"ActivationNet": (3, 8, 8), "FunctionalNet": (3, 16, 16), "SharedNet": (4, 4, 4), "MLP": (20,),
        "BatchNormMLP": (32,),
        "MixedNet": (3, 29, 29)}


@pytest.mark.parametrize("name", sorted(USER))
def test_every_tool_on_user_models_on_cpu_and_meta(name):
    """All tools on the real module on CPU; the shape-only tools on meta too, to the same unit."""
    shape, module = USER[name], _user(name)
    mine = computed(module, shape)
    shapes = [shape]
    with torch.no_grad():
        on_cpu = {"torchinfo": peers.run_torchinfo(module, shapes), "thop": peers.run_thop(module, shapes),
                  "ptflops": peers.run_ptflops(module, shapes, "pytorch"),
                  "ptflops-aten": peers.run_ptflops(module, shapes, "aten"),
                  "torch": peers.run_flop_counter(module, shapes)}
    assert_equal(mine, on_cpu, name)
    meta = _user(name, "meta")
    assert_equal(mine, actual(meta, None, shape), f"{name} on meta")


SEQUENCES = {"LSTMNet": (10, 16), "GRUNet": (10, 16), "EncoderNet": (10, 32), "ViTBlock": (10, 32)}
# archstat's own rules by hand (engines/extra_counters.py), the MACs fvcore's total leaves out:
OWN_RULES = {
    # 10 tokens x 2 directions x 4 gates x 24 units x (16 + 24 inputs, then 48 + 24)
    "LSTMNet": {"lstm": 10 * 2 * 4 * 24 * ((16 + 24) + (48 + 24))},
    "GRUNet": {"gru": 10 * 3 * 20 * (16 + 20)},  # 10 tokens x 3 gates x 20 units x (16 + 20)
    # 4 heads x (Q.K^T + weights.V) x 10 x 10 scores x 8 per head
    "EncoderNet": {"scaled_dot_product_attention": 4 * 2 * 10 * 10 * 8},
    "ViTBlock": {"scaled_dot_product_attention": 4 * 2 * 10 * 10 * 8},
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_every_tool_on_attention_and_recurrent_models(name):
    """Each row, fvcore's included, equals the installed tool run by --run on the CPU, to the unit;
    the fvcore row is archstat's MACs less its own rules' operators, each a line item."""
    report = conventions(_user(name), input_size=SEQUENCES[name], engine="meta", run=True)
    for key in ("fvcore", *KEYS):
        row = report.row(key)
        assert row.value is not None and row.value == row.actual, (name, key, row.value, row.actual, row.status)
        if row.actual_params is not None:
            assert row.params == row.actual_params, (name, key)
        assert sum(n for _, n in row.items) == row.difference, (name, key)
    fvcore = report.row("fvcore")
    own = OWN_RULES[name]
    assert report.by_item["linear layers and matrix products"] >= sum(own.values())
    assert fvcore.value == report.macs - sum(own.values())
    assert fvcore.items == [(f"{op} (archstat's own rule; fvcore has no counter for it)", -n) for op, n in own.items()]
    assert "fvcore has no counter" in fvcore.convention.why


@pytest.fixture
def ultralytics_thop():
    """ultralytics-thop imported from the folder ``ARCHSTAT_ULTRALYTICS_THOP`` names (its wheel unpacked:
    it installs a package named thop too, so it cannot sit beside PyPI's thop in one environment)."""
    import os
    import sys

    folder = os.environ.get("ARCHSTAT_ULTRALYTICS_THOP")
    if not folder:
        pytest.skip("set ARCHSTAT_ULTRALYTICS_THOP to an unpacked ultralytics-thop wheel")
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if k == "thop" or k.startswith("thop.")}
    sys.path.insert(0, folder)
    try:
        import thop

        yield thop
    finally:
        sys.path.remove(folder)
        for k in [k for k in sys.modules if k == "thop" or k.startswith("thop.")]:
            del sys.modules[k]
        sys.modules.update(saved)


@pytest.mark.parametrize("name", [*list_models(), *sorted(USER)])  # skipped unless the wheel is given
def test_ultralytics_thop(name, ultralytics_thop):
    if name in USER:
        shape, module = USER[name], _user(name)
    else:
        shape, module = get_model_info(name).input_size, build_model(name, device="meta").eval()
    mine = computed(module, shape)["ultralytics-thop"]
    with fast_kernels():
        number, params = peers.run_thop(module, [shape], ultralytics_thop)
    assert (mine[0], mine[1]) == (number, params)


class _SoftmaxWithoutDim(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.softmax = torch.nn.Softmax()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.softmax(self.fc(x))


def test_a_tool_that_cannot_run_a_model_says_so():
    with pytest.warns(UserWarning):  # torch's own warning about the implicit softmax dim
        report = conventions(_SoftmaxWithoutDim(), input_size=(4,), engine="meta", run=True)
    row = report.row("thop")
    assert row.value is None and "fails on nn.Softmax without dim" in row.status
    assert str(row.actual).startswith("failed: TypeError")
    assert report.row("torchinfo").actual == report.row("torchinfo").value == 3 * 4 + 3


def test_the_mlp_by_hand_through_the_command_line():
    """Linear(20, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 3), counted by hand for every tool."""
    import json

    from typer.testing import CliRunner

    from archstat.cli.app import app

    result = CliRunner().invoke(app, ["conventions", f"{NETS}:MLP", "--input", "20", "--engine", "meta",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["key"]: row for row in json.loads(result.stdout)["rows"]}
    weights = 20 * 64 + 64 * 64 + 64 * 3  # 5,568: fvcore, thop, torch (halved)
    biases, relu = 64 + 64 + 3, 64 + 64
    assert rows["fvcore"]["value"] == weights
    assert rows["torchinfo"]["value"] == weights + biases
    assert rows["ptflops"]["value"] == weights + biases + relu + relu  # hook and F.relu: twice
    assert rows["ptflops"]["items"]["counted twice (module hook and patched function)"] == relu
    assert rows["ptflops-aten"]["value"] == weights + biases
    assert rows["thop"]["value"] == rows["ultralytics-thop"]["value"] == weights
    assert rows["torch"]["value"] == 2 * weights
    assert all(row["params"] in (None, weights + biases) for row in rows.values())


def test_run_puts_each_tool_beside_its_computed_number():
    report = conventions(_user("FunctionalNet"), input_size=(3, 16, 16), engine="meta", run=True)
    for key in ("torchinfo", "ptflops", "ptflops-aten", "thop", "torch"):
        row = report.row(key)
        assert row.actual == row.value, key
    assert report.row("ultralytics-thop").actual == peers.NOT_INSTALLED
    assert report.row("torchinfo").actual_params == report.params


@pytest.mark.parametrize("name", sorted(set(TORCHVISION) & set(list_models())))
def test_torchvision_figures_are_its_conv_and_linear_macs_rounded(name):
    """A documented figure is listed only where the layout is torchvision's: the same parameters
    (inception_v3's 27,161,264 include its auxiliary head), and convolutions + linear layers that
    round to the printed GFLOPS (3 decimals of 10^9)."""
    row = zoo_report(name).row("torchvision")
    rounding = dict(row.items)["rounding to 3 decimals of 10^9"] if row.value != 0 else 0
    assert abs(rounding) <= 500_000, (name, rounding)
    aux = dict(row.params_items).get("auxiliary heads", 0)
    assert bool(aux) == TORCHVISION[name].with_aux
    assert row.params == TORCHVISION[name].params == zoo_report(name).params + aux


def test_which_layers_ptflops_counts_twice():
    """ActivationNet on 4x8x8 maps (256 elements): PReLU and ELU have a hook and call a patched F
    function (twice); LeakyReLU (F.leaky_relu) and ReLU6 (F.hardtanh) have a hook only; SiLU has no
    hook, its F.silu is patched (once); the max pool's 256 inputs and the adaptive max pool's 64
    are counted by hook and patch."""
    report = conventions(_user("ActivationNet"), input_size=(3, 8, 8), engine="meta")
    items = dict(report.row("ptflops").items)
    assert items["counted twice (module hook and patched function)"] == 256 + 256 + 256 + 64
    assert items["activations"] == 4 * 256 + 256  # four hooks (PReLU, ELU, LeakyReLU, ReLU6) + F.silu
    assert items["pooling"] == 256 + 64


def test_token_ids_reach_every_tool_through_the_command_line():
    """EmbeddingNet on 128 int64 token ids: the lookup is no multiply-add for any tool, the Linear is
    128 positions x 16 x 4 = 8,192 MACs (+ 128 x 4 = 512 bias adds where biases count), by hand; every
    tool that ran on the same int64 input printed the computed number."""
    import json

    from typer.testing import CliRunner

    from archstat.cli.app import app

    result = CliRunner().invoke(app, ["conventions", f"{NETS}:EmbeddingNet", "--input", "128:int64", "--run",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {row["key"]: row for row in data["rows"]}
    linear, bias = 128 * 16 * 4, 128 * 4
    weights = 100 * 16 + 16 * 4 + 4  # 1,668
    assert data["macs"] == rows["fvcore"]["value"] == rows["fvcore"]["actual"] == linear
    assert rows["thop"]["value"] == rows["ultralytics-thop"]["value"] == linear
    assert rows["ptflops"]["value"] == rows["ptflops-aten"]["value"] == linear + bias
    assert rows["torch"]["value"] == 2 * linear
    assert rows["torchinfo"]["value"] == weights  # weight and bias elements x batch 1 per leaf that is not a conv
    assert data["params"] == weights and rows["thop"]["params"] == 16 * 4 + 4  # thop: no rule, no params for emb
    for key in ("torchinfo", "ptflops", "ptflops-aten", "thop", "torch"):
        assert rows[key]["actual"] == rows[key]["value"], key
    assert data["mode"] == "eval" and "counted in eval mode" in data["notes"][0]


def test_train_mode_is_refused_in_one_line():
    from typer.testing import CliRunner

    from archstat.cli.app import app

    result = CliRunner().invoke(app, ["conventions", f"{NETS}:MLP", "--input", "20", "--mode", "train"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--mode train" in result.output and "eval mode only" in result.output


def test_the_paper_row_names_where_its_figure_stands():
    """resnet50_v1_5's 4.1 G is the ResNeXt paper's Table 1 figure, not the ResNet paper's."""
    row = conventions("resnet50_v1_5", engine="meta").row("paper")
    assert row.value == 4_100_000_000
    assert row.convention.tool.startswith("ResNeXt paper Table 1") and row.convention.version == "as cited"
    assert "Deep Residual" not in row.convention.tool
