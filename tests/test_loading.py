"""Users' own models (files, modules, factories), their errors, and --freeze / --train."""

import json
import re
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

import archstat
from archstat.analysis.resolve import resolve_model
from archstat.analysis.trainable import mark_trainable
from archstat.cli.app import app
from archstat.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures"
LENET = str(FIXTURES / "lenet_like.py") + ":Net"
GOOGLENET = str(FIXTURES / "simple_googlenet.py") + ":SimpleGoogleNet"
DOCS = Path(__file__).parent.parent / "docs"
runner = CliRunner()

# Source 002's LeNet-like net, by hand: Conv2d(cin, cout, k) has cin*k*k*cout + cout parameters.
LENET_PARAMS = {
    "conv1": 3 * 5 * 5 * 6 + 6, "conv2": 6 * 5 * 5 * 16 + 16, "conv3": 16 * 4 * 4 * 32 + 32,
    "conv4": 32 * 4 * 4 * 32 + 32, "conv5": 32 * 5 * 5 * 32 + 32, "conv6": 32 * 6 * 6 * 32 + 32,
    "fc1": 32 * 16 + 16, "fc2": 16 * 2 + 2,
}


def run(*args: str):
    return runner.invoke(app, list(args))


def table_json(*args: str) -> dict:
    result = run("table", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code))
    return path


# --- the documents' networks ------------------------------------------------------------------------


def test_lenet_like_net_from_its_file():
    data = table_json(LENET, "--input", "3x128x128")
    layers = {layer["name"]: layer for layer in data["layers"]}
    assert data["totals"]["params"] == sum(LENET_PARAMS.values()) == 90_602
    assert {name: layers[name]["params"] for name in LENET_PARAMS} == LENET_PARAMS
    # conv1 at 128: 124x124 outputs x 6 channels, each 3*5*5 multiply-adds
    assert layers["conv1"]["macs"] == 124 * 124 * 6 * (3 * 5 * 5)
    assert layers["fc2"]["output_shape"] == [1, 2]
    assert layers["conv6"]["output_shape"] is None and layers["conv6"]["macs"] == 0


def test_unused_conv6_shows_as_not_called():
    result = run("table", LENET, "--input", "128")  # one side: channels come from conv1 (3)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "conv6" in line)
    assert "not called" in row and "36,896" in row


def test_lenet_like_input_range_is_what_the_fixture_says():
    """view(-1, 32) keeps one row per image only while conv5's output is 1x1: sides 128 to 143."""
    namespace: dict = {}
    exec((FIXTURES / "lenet_like.py").read_text(), namespace)
    net = namespace["Net"]().eval()
    with torch.no_grad():
        for side in (128, 143):
            assert net(torch.zeros(1, 3, side, side)).shape == (1, 2)
        assert net(torch.zeros(1, 3, 144, 144)).shape == (4, 2)  # silently 4 rows for one image
        with pytest.raises(RuntimeError):
            net(torch.zeros(1, 3, 127, 127))


def test_simple_googlenet_failure_names_fc_256_and_512():
    result = run("table", GOOGLENET, "--input", "3x32x32")
    assert result.exit_code == 1
    message = result.stderr
    assert "'fc'" in message and "256" in message and "512" in message
    assert "simple_googlenet.py:61" in message and "self.fc(x)" in message
    assert "Traceback" not in result.output and len(message.strip().splitlines()) <= 4


def test_debug_gives_the_full_traceback():
    result = runner.invoke(app, ["--debug", "table", GOOGLENET, "--input", "32"])
    assert result.exit_code != 0 and result.exception is not None
    assert "mat1 and mat2" in str(result.exception.__cause__ or result.exception)


# --- spec forms ---------------------------------------------------------------------------------------


def test_module_spec_imports_from_the_current_directory(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    data = table_json("lenet_like:Net", "--input", "3x128x128")
    assert data["model"] == "lenet_like:Net" and data["totals"]["params"] == 90_602


def test_factory_instance_kwargs_and_sibling_imports(tmp_path):
    write(tmp_path, "blocks.py", """
        from torch import nn
        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU())
    """)
    path = write(tmp_path, "nets.py", """
        from torch import nn
        from blocks import block
        def make(num_classes=10, width=4):
            return nn.Sequential(block(3, width), nn.Flatten(), nn.Linear(width * 6 * 6, num_classes))
        instance = nn.Linear(5, 3)
        number = 3
    """)
    data = table_json(f"{path}:make", "--input", "3x8x8", "--kwargs", '{"num_classes": 2, "width": 5}')
    assert data["totals"]["params"] == (3 * 3 * 3 * 5 + 5) + (5 * 6 * 6 * 2 + 2)
    # --num-classes K becomes num_classes=K
    data = table_json(f"{path}:make", "--input", "3x8x8", "--num-classes", "7")
    assert data["totals"]["params"] == (3 * 3 * 3 * 4 + 4) + (4 * 6 * 6 * 7 + 7)
    assert table_json(f"{path}:instance", "--input", "5")["totals"]["params"] == 5 * 3 + 3
    result = run("table", f"{path}:number", "--input", "5")
    assert result.exit_code == 2
    assert "'number' is an int, not a torch.nn.Module class or factory" in result.stderr


def test_several_inputs(tmp_path):
    path = write(tmp_path, "two.py", """
        import torch
        from torch import nn
        class TwoInputs(nn.Module):
            def __init__(self):
                super().__init__()
                self.rgb = nn.Conv2d(3, 4, 1)
                self.depth = nn.Conv2d(1, 4, 1)
            def forward(self, rgb, depth):
                return torch.cat([self.rgb(rgb), self.depth(depth)], 1)
    """)
    data = table_json(f"{path}:TwoInputs", "--input", "3x8x8", "--input", "1x8x8")
    assert data["inputs"] == [[1, 3, 8, 8], [1, 1, 8, 8]]
    assert data["totals"]["macs"] == 8 * 8 * 4 * 3 + 8 * 8 * 4 * 1


@pytest.mark.parametrize("args, code, words", [
    (["missing.py:Net", "--input", "8"], 2, ["missing.py", "no such file"]),
    (["no_such_package.nets:Net", "--input", "8"], 2, ["no_such_package", "current directory"]),
    ([LENET], 2, ["needs an input size", "--input"]),
    ([LENET.replace(":Net", ":Nett"), "--input", "128"], 2, ["Nett", "Net"]),
    ([LENET, "--input", "128", "--kwargs", "{bad"], 2, ["{bad", "JSON"]),
    ([LENET, "--input", "128", "--kwargs", "[1]"], 2, ["JSON object"]),
    ([LENET, "--input", "128", "--kwargs", '{"depth": 3}'], 2, ["depth", "--kwargs"]),
    ([LENET.replace(":Net", ":"), "--input", "8"], 2, ["after a colon"]),
    (["resnet5"], 2, ["resnet50", "file.py:Class"]),
])
def test_user_errors_are_one_clear_message(args, code, words):
    result = run("table", *args)
    assert result.exit_code == code, result.output
    assert all(word in result.stderr for word in words), result.stderr
    assert "Traceback" not in result.output


def test_errors_inside_the_users_file_name_the_file_and_line(tmp_path):
    broken = write(tmp_path, "broken.py", "import torch\nimport not_installed_anywhere\n")
    result = run("table", f"{broken}:Net", "--input", "8")
    assert result.exit_code == 2  # the file needs the fix: a usage error
    assert "Importing broken.py failed" in result.stderr and "broken.py:2" in result.stderr
    assert "not_installed_anywhere" in result.stderr
    raising = write(tmp_path, "raising.py", """
        from torch import nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                raise ValueError("bad width")
    """)
    result = run("table", f"{raising}:Net", "--input", "8")
    assert result.exit_code == 1
    assert "bad width" in result.stderr and f"{raising}:6" in result.stderr


def test_resolve_model_returns_defaults():
    module, label, default = resolve_model("alexnet", {"num_classes": 3})
    assert label == "alexnet" and default == (3, 227, 227) and module.classifier.fc.out_features == 3
    _, label, default = resolve_model(LENET, {})
    assert label == "lenet_like.py:Net" and default is None


# --- trainable and frozen -----------------------------------------------------------------------------


def test_transfer_learning_recipe_resnet50_two_classes_train_fc():
    pytest.importorskip("archstat.models.resnet")
    if "resnet50" not in archstat.list_models():
        pytest.skip("resnet50 is not registered yet")
    totals = table_json("resnet50", "--num-classes", "2", "--train", "fc")["totals"]
    assert totals["trainable_params"] == 2048 * 2 + 2 == 4098  # the new head: 2048 features -> 2 classes
    assert totals["frozen_params"] == totals["params"] - 4098
    text = run("table", "resnet50", "--num-classes", "2", "--train", "fc", "--depth", "1").stdout
    assert "trainable" in text and "4,098" in text


def test_freeze_globs_cover_descendants():
    conv = sum(v for k, v in LENET_PARAMS.items() if k.startswith("conv"))
    totals = table_json(LENET, "--input", "128", "--freeze", "conv*")["totals"]
    assert totals["trainable_params"] == LENET_PARAMS["fc1"] + LENET_PARAMS["fc2"]
    assert totals["frozen_params"] == conv
    totals = table_json(LENET, "--input", "128", "--train", "fc*", "--freeze", "fc2")["totals"]
    assert totals["trainable_params"] == LENET_PARAMS["fc1"]


def test_dotted_patterns_are_anchored_and_dotless_ones_match_any_depth():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4)), nn.Sequential(nn.Linear(4, 5)))
    report = archstat.analyze(model, input_size=(2,), train=["0.1"])
    assert report.totals["trainable_params"] == 3 * 4 + 4
    report = archstat.analyze(model, input_size=(2,), train=["1"])  # top-level '1' and every '*.1'
    assert report.totals["trainable_params"] == (3 * 4 + 4) + (4 * 5 + 5)
    assert all(p.requires_grad for p in model.parameters())  # the caller's module is left as given


def test_models_own_requires_grad_is_respected(tmp_path):
    path = write(tmp_path, "frozen.py", """
        from torch import nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 4)
                self.head = nn.Linear(4, 2)
                self.body.requires_grad_(False)
            def forward(self, x):
                return self.head(self.body(x))
    """)
    totals = table_json(f"{path}:Net", "--input", "4")["totals"]
    assert totals["trainable_params"] == 4 * 2 + 2 and totals["frozen_params"] == 4 * 4 + 4
    totals = table_json(f"{path}:Net", "--input", "4", "--train", "body")["totals"]  # never unfreezes
    assert totals["trainable_params"] == 0


def test_pattern_matching_nothing_is_a_usage_error():
    result = run("table", LENET, "--input", "128", "--train", "classifier")
    assert result.exit_code == 2
    assert "'classifier'" in result.stderr and "conv1" in result.stderr and "fc1" in result.stderr
    with pytest.raises(UsageError):
        mark_trainable(nn.Linear(2, 2), freeze=["x"])


def test_trainable_column_only_when_something_is_frozen():
    plain = run("table", LENET, "--input", "128").stdout
    frozen = run("table", LENET, "--input", "128", "--train", "fc2").stdout
    assert "trainable ┃" not in plain and "trainable" in frozen


# --- docs/api.md and docs/own-models.md: every python block runs ---------------------------------------


@pytest.mark.parametrize("page", ["api.md", "own-models.md"])
def test_python_examples_in_the_docs_run(page, monkeypatch):
    monkeypatch.chdir(DOCS.parent)
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.DOTALL)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, f"{page} example", "exec"), namespace)
