"""Every archstat command shown in README.md and docs/ runs, as written."""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Whole-zoo and whole-catalogue runs are run in full by the tests of their generated pages (which
# fail when docs/zoo.md or docs/claims.md is stale); installing completion changes the user's shell.
ELSEWHERE = {
    "archstat zoo", "archstat claims", "archstat claims --format json",
    "archstat claims --format markdown --output docs/claims.md --force", "archstat --install-completion",
}
runner = CliRunner()

# The hypothetical files of docs/own-models.md and README.md, made real for the test.
SCRATCH = {
    "nets.py": """
import torch
from torch import nn

def make_net(num_classes=10, width=16):
    return nn.Sequential(nn.Conv2d(3, width, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, num_classes))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.image = nn.Conv2d(3, 8, 3, padding=1)
        self.mask = nn.Conv2d(1, 8, 3, padding=1)
        self.fc = nn.Linear(8, 2)

    def forward(self, image, mask):
        return self.fc((self.image(image) * self.mask(mask)).mean((2, 3)))
""",
    # docs/receptive-field.md's U-Net
    "unet.py": """
import torch
from torch import nn


def conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(conv(3, 8), conv(8, 8))
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Sequential(conv(8, 16), conv(16, 16))
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec = nn.Sequential(conv(16, 8), conv(8, 8))
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        skip = self.enc(x)
        return self.head(self.dec(torch.cat([skip, self.up(self.mid(self.down(skip)))], dim=1)))
""",
    "mypkg/__init__.py": "",
    "mypkg/nets.py": "from nets import make_net\n\nNet = make_net\n",
}


def documented_commands() -> list[tuple[str, str]]:
    """(page, command) for each `archstat ...` line in a bash/console block, comments stripped."""
    found: dict[str, str] = {}
    for page in PAGES:
        for block in re.findall(r"```(?:bash|console)\n(.*?)```", page.read_text(), flags=re.S):
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                command = re.split(r"\s+#", line, maxsplit=1)[0].strip()
                if not command.startswith("archstat ") or "[" in command or "MODEL" in command:
                    continue  # prose, output, or a synopsis with placeholders
                found.setdefault(command, page.name)
    return [(page, command) for command, page in found.items()]


COMMANDS = documented_commands()


def expected_exit(command: str) -> int:
    """The bad-input page shows failing commands on purpose, with their exit codes."""
    page = (ROOT / "docs" / "errors.md").read_text()
    match = re.search(rf"\$ {re.escape(command)}\n.*?\n\$ echo \$\?  # (\d)", page, flags=re.S)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_documented_command_runs(page, command, tmp_path):
    if command in ELSEWHERE:
        pytest.skip("run in full by its own page's test, or changes the user's shell")
    words = shlex.split(command)[1:]
    for word in words:  # a hub name whose library is not installed here: its own tests say so (test_hub.py)
        library = {"timm": "timm", "torchvision": "torchvision.models", "hf": "transformers"}.get(word.split(":")[0])
        if library and ":" in word and not hub_importable(library):
            pytest.skip(f"{library} cannot be imported here")
    # Files the command writes go to a scratch folder; the project's files are read from the root.
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    (tmp_path / "README.md").write_text("")
    for name, text in SCRATCH.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "path" / "to").mkdir(parents=True)
    for name in ("file.py", "net.py"):
        (tmp_path / "path" / "to" / name).write_text((ROOT / "tests" / "fixtures" / "lenet_like.py").read_text())
    home, path = os.getcwd(), list(sys.path)
    os.chdir(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        result = runner.invoke(app, words, env={"SHELL": "/bin/bash"})
    finally:
        os.chdir(home)
        sys.path[:] = path
        for module in ("nets", "mypkg", "mypkg.nets"):
            sys.modules.pop(module, None)
    assert result.exit_code == expected_exit(command), f"{page}: {command}\n{result.output}"
    assert "Traceback" not in result.output


def hub_importable(library: str) -> bool:
    import importlib

    from archstat.analysis.hub import make_torchvision_importable

    try:
        make_torchvision_importable()
        importlib.import_module(library)
        return True
    except Exception:  # noqa: BLE001 - any import failure means the example cannot run here
        return False


def test_the_docs_show_every_command():
    shown = {c.split()[1] for _, c in COMMANDS if len(c.split()) > 1}
    assert {"table", "list", "rf", "zoo", "compare", "diff", "bottleneck", "factorize", "cardinality",
            "memory", "claims", "plot", "graph"} <= shown
