"""The `archstat` examples of README.md and docs/*.md: found, run, compared with the page, and rewritten.

    python -m tests.regen_docs            # rewrite every shown output from a fresh run (from the repository root)
    python -m tests.regen_docs --check    # list the examples whose page differs, change nothing
    python -m tests.regen_docs docs/table.md docs/rf.md    # only these pages

tests/test_docs.py runs the same examples and fails where a page differs; this module is what both share.

An example is an `archstat ...` line in a fenced block. What the page shows as its output, when it shows one:

- `$ archstat ...` in a block: the lines after it, up to the next `$ ` line or the block's end (the terminal's
  view: stdout and stderr as they came). A following `$ echo $?  # N` line is the exit code it must end with.
- a block holding that one command alone, followed directly by a ```text block: that block.
- a block holding one `--format markdown` command alone, followed by Markdown: the tables, headings, bold
  titles, `- ` and `1. ` lines after it, up to the first other line (stdout only: notes on stderr are not Markdown).

A line `...` in a shown output stands for lines left out: the lines before it must begin the output and the
lines after it end it. Paths of the checkout and of the scratch folder the examples run in read as
`/path/to/archstat`. Everything else must match to the character, but for spaces at the end of a line.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHOWN_ROOT = "/path/to/archstat"
# Whole-zoo and whole-catalogue runs are run in full by the tests of their generated pages (which fail when
# docs/zoo.md or docs/claims.md is stale); installing completion changes the user's shell; the completion
# script is tests/test_help.py's (it depends on how the shell is detected, not on the page).
ELSEWHERE = {
    "archstat zoo", "archstat claims", "archstat claims --format json", "archstat zoo --format markdown",
    "archstat claims --format markdown --output docs/claims.md --force", "archstat --install-completion",
    "archstat --show-completion bash",
}
# docs/errors.md is written by tests/test_bad_input.py from its own cases (which also check each message).
GENERATED_ELSEWHERE = {"errors.md", "zoo.md", "claims.md"}

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n?", flags=re.S | re.M)
_MARKDOWN_LINE = re.compile(r"^(\||#{3,} |\*\*.*\*\*\s*$|- |\d+\. |\s*$)")  # a title in bold, a heading

# The hypothetical files of docs/own-models.md and README.md, made real for the examples.
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

class LinearFirst(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 2)
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.head(self.conv(x).mean((2, 3)))
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


@dataclass
class Example:
    """One documented command, and where the page shows its output (``start``/``end``: character offsets of
    the shown text in the page; None when the page shows none)."""

    page: Path
    command: str
    exit_code: int | None = 0  # None: any failure (the page shows an error line but no exit code)
    start: int | None = None
    end: int | None = None
    markdown: bool = False  # the output shown as Markdown in the page: compared with stdout alone
    shown: str | None = None  # the page's text from start to end, read with the page

    def exits_as_shown(self, code: int) -> bool:
        return code != 0 if self.exit_code is None else code == self.exit_code

    @property
    def compared(self) -> bool:
        return self.start is not None and self.page.name not in GENERATED_ELSEWHERE


def _command(line: str) -> str | None:
    """The ``archstat ...`` command on a line (a ``$ `` prompt and a trailing ``# comment`` dropped), or None for
    prose, output, or a synopsis with placeholders."""
    if not line.startswith(("$ archstat ", "archstat ")):  # an indented line is output (a centred title)
        return None
    command = re.split(r"\s+#", line.removeprefix("$ "), maxsplit=1)[0].strip()
    if not command.startswith("archstat ") or "[" in command or "MODEL" in command:
        return None
    return command


def examples(page: Path) -> list[Example]:
    """Every example on ``page``, in page order (a command shown twice is two examples)."""
    text, found = page.read_text(), []
    blocks = list(_FENCE.finditer(text))
    for index, block in enumerate(blocks):
        lines = block.group(2).splitlines(keepends=True)
        commands = [(i, _command(line)) for i, line in enumerate(lines) if _command(line)]
        body_start = block.start(2)
        for i, command in commands:
            assert command is not None
            example = Example(page, command)
            found.append(example)
            if lines[i].lstrip().startswith("$ "):
                _after_prompt(example, lines, i, body_start)
            if len(commands) == 1 and len([line for line in lines if line.strip()]) == 1:
                _after_block(example, text, block, blocks[index + 1] if index + 1 < len(blocks) else None)
    for example in found:
        example.shown = None if example.start is None else text[example.start:example.end]
    return found


def _after_prompt(example: Example, lines: list[str], i: int, body_start: int) -> None:
    """Output inside the block: the lines after ``$ archstat ...`` up to the next prompt."""
    end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("$ ")), len(lines))
    code = re.match(r"\$ echo \$\?\s+#\s*(\d+)", lines[end]) if end < len(lines) else None
    if code:
        example.exit_code = int(code.group(1))
    elif any(line.startswith("archstat: error:") for line in lines[i + 1:end]):
        example.exit_code = None
    if end > i + 1:
        example.start = body_start + sum(len(line) for line in lines[:i + 1])
        example.end = body_start + sum(len(line) for line in lines[:end])


def _after_block(example: Example, text: str, block: re.Match[str], following: re.Match[str] | None) -> None:
    """Output after the block: a ```text block right after it, or Markdown for a --format markdown command."""
    if following is not None and not text[block.end():following.start()].strip() and following.group(1) == "text":
        example.start, example.end = following.start(2), following.end(2)
        return
    words = shlex.split(example.command)
    if "markdown" not in words or words[words.index("markdown") - 1] not in ("--format", "-f"):
        return
    start = position = block.end()
    for line in text[block.end():].splitlines(keepends=True):
        if not _MARKDOWN_LINE.match(line):
            break
        position += len(line)
    body = text[start:position]
    if body.strip():  # the shown Markdown, its blank lines around it left to the page
        lead = len(body) - len(body.lstrip("\n"))
        example.start, example.end = start + lead, start + len(body.rstrip("\n")) + 1
        example.markdown = True


def missing_library(command: str) -> str | None:
    """The library a hub model of ``command`` needs (``timm:resnet50``) when it cannot be imported here, else None:
    such an example is left as the page shows it (tests/test_hub.py says what happens without the library)."""
    import importlib

    for word in shlex.split(command)[1:]:
        library = {"timm": "timm", "torchvision": "torchvision.models", "hf": "transformers"}.get(word.split(":")[0])
        if library and ":" in word:
            try:
                from archstat.analysis.hub import make_torchvision_importable

                make_torchvision_importable()
                importlib.import_module(library)
            except Exception:  # noqa: BLE001 - any import failure means the example cannot run here
                return library
    return None


def all_examples() -> list[Example]:
    return [example for page in PAGES for example in examples(page)]


# --------------------------------------------------------------------------------------------- running


@contextmanager
def scratch_folder(folder: Path) -> Iterator[None]:
    """Run inside ``folder``, with the files the examples name: the project's tests (fixtures), the
    hypothetical nets of own-models.md, path/to/file.py; files a command writes land there."""
    (folder / "tests").symlink_to(ROOT / "tests")
    (folder / "README.md").write_text("")
    for name, text in SCRATCH.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "path" / "to").mkdir(parents=True)
    for name in ("file.py", "net.py"):
        (folder / "path" / "to" / name).write_text((ROOT / "tests" / "fixtures" / "lenet_like.py").read_text())
    home, path = os.getcwd(), list(sys.path)
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(home)
        sys.path[:] = path
        for module in ("nets", "unet", "mypkg", "mypkg.nets"):
            sys.modules.pop(module, None)


def run(example: Example, folder: Path) -> tuple[int, str]:
    """Run ``example`` in ``folder`` (``scratch_folder``): its exit code and what the page would show."""
    from typer.testing import CliRunner

    from archstat.cli.app import app

    with scratch_folder(folder):
        result = CliRunner().invoke(app, shlex.split(example.command)[1:], env={"SHELL": "/bin/bash", "COLUMNS": None})
    shown = result.stdout if example.markdown else result.output
    for prefix in sorted({str(folder.resolve()), str(folder), str(ROOT)}, key=len, reverse=True):
        shown = shown.replace(prefix, SHOWN_ROOT)
    return result.exit_code, shown


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def matches(shown: str, output: str) -> bool:
    """Whether ``output`` is what the page shows (``...`` lines standing for lines left out)."""
    page, made = _lines(shown), _lines(output)
    if "..." not in page:
        return page == made
    parts, at = _split_elided(page), 0
    if made[:len(parts[0])] != parts[0] or (parts[-1] and made[-len(parts[-1]):] != parts[-1]):
        return False
    for part in parts[1:-1]:  # the middle parts, in order
        at = next((i for i in range(at, len(made)) if made[i:i + len(part)] == part), -1)
        if at < 0:
            return False
    return True


def _split_elided(lines: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for line in lines:
        if line == "...":
            parts.append([])
        else:
            parts[-1].append(line)
    return parts


def rewritten(shown: str, output: str, markdown: bool) -> str:
    """The new text for a shown output: ``output``, cut as the page cut it (its first and last lines kept
    around one ``...``), ending with a newline as a fenced block's body does."""
    page, made = _lines(shown), _lines(output)
    if "..." in page:
        parts = _split_elided(page)
        head, tail = len(parts[0]), len(parts[-1])
        if head + tail < len(made):
            made = [*made[:head], "...", *(made[-tail:] if tail else [])]
    return "\n".join(made) + "\n"


def main(argv: list[str]) -> int:
    import tempfile

    check = "--check" in argv
    chosen = [(ROOT / name).resolve() for name in argv if not name.startswith("--")]
    stale = 0
    for page in [page for page in PAGES if not chosen or page in chosen]:
        if page.name in GENERATED_ELSEWHERE:
            continue
        edits = []
        for example in examples(page):
            if not example.compared or example.command in ELSEWHERE or missing_library(example.command):
                continue
            with tempfile.TemporaryDirectory() as folder:
                _, output = run(example, Path(folder))
            shown = example.shown or ""
            if not matches(shown, output):
                stale += 1
                print(f"{page.relative_to(ROOT)}: {example.command}", file=sys.stderr)
                edits.append((example.start, example.end, rewritten(shown, output, example.markdown)))
        if edits and not check:
            text = page.read_text()
            for start, end, new in sorted(edits, reverse=True):
                text = text[:start] + new + text[end:]
            page.write_text(text)
    if not check and (not chosen or ROOT / "docs" / "errors.md" in chosen):
        import runpy

        runpy.run_path(str(ROOT / "tests" / "test_bad_input.py"), run_name="__main__")  # docs/errors.md
    print(f"{stale} example(s) {'differ' if check else 'rewritten'}", file=sys.stderr)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
