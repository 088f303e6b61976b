"""`archstat sweep`: every point against fvcore used directly, torch's backward counter and the
memory estimate at that point; sizes parsed or refused in one line; sides a network cannot take."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from fvcore.nn import ActivationCountAnalysis, FlopCountAnalysis
from torch.utils.flop_counter import FlopCounterMode
from typer.testing import CliRunner

from archstat.analysis.memory import estimate_memory
from archstat.analysis.sweep import parse_sides, sweep_model
from archstat.cli.app import app
from archstat.errors import UsageError
from archstat.models import build_model

runner = CliRunner()
SIDES = [32, 48, 64]


@pytest.fixture(scope="module")
def resnet20_sweep():
    return sweep_model("resnet20", sizes=SIDES, batches="1,3")


def fvcore_directly(name: str, side: int) -> tuple[int, int]:
    """MACs and activations from fvcore's own analyses of the built module on a real tensor."""
    model, x = build_model(name).eval(), torch.zeros(1, 3, side, side)
    macs = FlopCountAnalysis(model, x).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    acts = ActivationCountAnalysis(model, x).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return int(macs.total()), int(acts.total())


def torch_backward(name: str, side: int) -> int:
    model = build_model(name).eval()
    output = model(torch.zeros(1, 3, side, side))
    with FlopCounterMode(display=False) as counter:
        output.sum().backward()
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("side", SIDES)
def test_every_point_equals_fvcore_and_torch_used_directly(resnet20_sweep, side: int) -> None:
    macs, activations = fvcore_directly("resnet20", side)
    backward = torch_backward("resnet20", side)
    for batch in (1, 3):
        point = next(p for p in resnet20_sweep.points if p.side == side and p.batch == batch)
        assert (point.macs, point.activations) == (batch * macs, batch * activations)
        assert point.backward_macs == batch * backward
        assert point.training_step_macs == batch * (macs + backward)
        assert point.params == sum(p.numel() for p in build_model("resnet20").parameters())
        memory = estimate_memory("resnet20", input_size=(3, side, side), batch=batch).totals
        assert (point.training_bytes, point.inference_bytes) == (memory["training"], memory["inference"])


def test_growth_and_field_against_the_first_row(resnet20_sweep) -> None:
    first, last = resnet20_sweep.points[0], resnet20_sweep.points[-2]  # 32 and 64 at batch 1
    assert (first.side, last.side, last.batch) == (32, 64, 1)
    assert last.macs_growth == round(last.macs / first.macs, 3)
    assert last.memory_growth == round(last.training_bytes / first.training_bytes, 3)
    # resnet20's last feature map sees 81x81 input pixels (three stages of 3x3 convolutions)
    assert last.receptive_field == [81, 81] and last.field_over_input == round(81 / 64, 3)
    assert resnet20_sweep.engine == "meta"


def test_the_fvcore_engine_gives_the_same_points() -> None:
    meta, real = (sweep_model("resnet20", sizes=[40], engine=e) for e in ("meta", "fvcore"))
    assert real.engine == "fvcore" and meta.points == real.points


def test_a_side_the_network_cannot_take_is_a_point_with_its_reason() -> None:
    report = sweep_model("alexnet", sizes="32,128,227")
    small, fixed, ok = report.points
    assert "too small" in small.error and small.macs is None
    assert "classifier.fc6" in fixed.error  # the classifier is sized for 6x6 feature maps
    assert ok.error is None and ok.macs_growth == 1.0  # growth is over the first row that ran


@pytest.mark.parametrize("text, sides", [
    ("128,224,448", [128, 224, 448]), ("64:128:32", [64, 96, 128]), ("64:100:32", [64, 96]),
    ("32, 64:96:32", [32, 64, 96]), ("7", [7]),
])
def test_sizes(text: str, sides: list[int]) -> None:
    assert parse_sides(text) == sides


@pytest.mark.parametrize("text", ["", "a,b", "64:32:8", "64:128", "0", "64:128:0", "1:100000:1", "-5"])
def test_bad_sizes_are_one_line(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_sides(text)
    assert "\n" not in str(caught.value) and "--sizes" in str(caught.value)
    result = runner.invoke(app, ["sweep", "resnet20", "--sizes", text])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_cli_formats_and_plot(tmp_path: Path) -> None:
    data = json.loads(runner.invoke(app, ["sweep", "resnet20", "--sizes", "32,64", "-f", "json"]).output)
    assert [p["side"] for p in data["points"]] == [32, 64] and data["engine"] == "meta"
    csv = runner.invoke(app, ["sweep", "resnet20", "--sizes", "32", "--batch", "1,2", "-f", "csv"]).output
    assert csv.splitlines()[0].startswith("side,batch,input_shape") and len(csv.splitlines()) == 3
    markdown = runner.invoke(app, ["sweep", "resnet20", "--sizes", "32", "-f", "markdown"]).output
    assert "| input | batch | params | MACs | backward MACs |" in markdown
    picture = tmp_path / "sweep.png"
    result = runner.invoke(app, ["sweep", "resnet20", "--sizes", "32:64:16", "--plot", str(picture)])
    assert result.exit_code == 0, result.output
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _convolution_cases():
    import itertools

    for dims, transposed, k, s, p, d, g in itertools.product((1, 2, 3), (False, True), (1, 3), (1, 2), (0, 2),
                                                             (1, 2), (1, 2)):
        for op in range(max(s, d) if transposed else 1):
            yield dims, transposed, k, s, p, d, g, op


def test_the_meta_stand_ins_answer_as_torchs_kernels() -> None:
    """Every convolution the stand-in answers has torch's output shape; the rest go to torch."""
    from archstat.engines.meta_device import _convolution_shape

    aten, answered = torch.ops.aten, 0
    for dims, transposed, k, s, p, d, g, op in _convolution_cases():
        x = torch.empty((2, 4, *[5] * dims), device="meta")
        w = torch.empty((4, 6 // g, *[k] * dims) if transposed else (6, 4 // g, *[k] * dims), device="meta")
        args = (x, w, None, [s] * dims, [p] * dims, [d] * dims, transposed, [op] * dims, g)
        try:
            real = list(aten.convolution.default(*args).shape)
        except RuntimeError:
            real = None  # the stand-in must leave it to torch, which raises
        mine = _convolution_shape(*args)
        assert mine is None or mine == real, args[3:]
        answered += mine is not None
    assert answered > 100
    # a channels-last input, and channels that do not match, go to torch
    x = torch.empty((1, 4, 5, 5), device="meta").to(memory_format=torch.channels_last)
    assert _convolution_shape(x, torch.empty((6, 4, 3, 3), device="meta"), None, [1, 1], [0, 0], [1, 1],
                              False, [0, 0], 1) is None
    assert _convolution_shape(torch.empty((1, 3, 5, 5), device="meta"), torch.empty((6, 4, 3, 3), device="meta"),
                              None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1) is None


def test_a_sweep_imports_neither_dynamo_nor_sympy() -> None:
    """torch wraps every dispatch mode's handler so that its first call imports torch._dynamo (about
    1 s); the memory passes run under ``light_imports`` as the counting pass does. Fresh interpreter
    (nothing else has imported them there); afterwards the memory estimate and the real modules work."""
    script = (
        "import sys\n"
        "from archstat.analysis.sweep import sweep_model\n"
        "from archstat.analysis.memory import estimate_memory\n"
        "points = sweep_model('resnet20', sizes=[32, 48], batches='1,2').points\n"
        "loaded = {'torch._dynamo', 'sympy', 'torch.fx.experimental.symbolic_shapes'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
        "import torch._dynamo\n"
        "assert hasattr(torch._dynamo, 'optimize')\n"
        "again = estimate_memory('resnet20', input_size='48', batch=2, count_macs=False).totals\n"
        "assert again['training'] == points[3].training_bytes, (again, points[3])\n"
        "assert again['inference'] == points[3].inference_bytes, (again, points[3])\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def test_the_collector_is_left_as_it_was(resnet20_sweep) -> None:
    """The loop freezes the objects alive before it from the cycle collector, and unfreezes them; a
    caller's own ``gc.freeze`` stays as it was."""
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        point = sweep_model("lenet5", sizes=[32]).points[0]
        # still frozen (not undone) and nothing frozen anew; frozen objects freed meanwhile leave the count
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    assert point.error is None, point.error


KEYWORD_MODEL = '''
import torch
from torch import nn

class WithExtra(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1, bias=False)
        self.side = nn.Linear(8, 4, bias=False)

    def forward(self, x, extra=None):
        y = self.conv(x)
        return y if extra is None else y + self.side(extra)[:, :, None, None]
'''


def test_mode_and_forward_kwargs_reach_every_point(tmp_path: Path) -> None:
    """A 1x1 conv 3->4 at side s is 3 x 4 x s^2 MACs; the keyword tensor ``extra`` (1x8) adds the
    linear layer's 8 x 4 = 32, by hand; the json and the notes say the mode."""
    path = tmp_path / "extra.py"
    path.write_text(KEYWORD_MODEL)
    result = runner.invoke(app, ["sweep", f"{path}:WithExtra", "--sizes", "8,16", "--channels", "3", "--mode",
                                 "train", "--forward-kwargs", '{"extra": "8"}', "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["macs"] for p in data["points"]] == [3 * 4 * 8 * 8 + 32, 3 * 4 * 16 * 16 + 32]
    assert data["mode"] == "train" and "counted in train mode" in data["notes"]
    plain = json.loads(runner.invoke(app, ["sweep", f"{path}:WithExtra", "--sizes", "8", "--channels", "3",
                                           "-f", "json"]).stdout)
    assert plain["points"][0]["macs"] == 3 * 4 * 8 * 8 and plain["mode"] == "eval"
