"""Write docs/notebook.ipynb: the cells below, executed in a fresh kernel, saved with their outputs.

Run from a virtual environment holding torch, archstat and nbclient, nbformat and ipykernel (the
commands are in docs/notebooks.md):

    python docs/make_notebook.py            # executes every cell (about a minute on 2 cores)

Without a kernel (nbclient, nbformat, ipykernel not installed), ``--in-process`` reruns the stored
notebook's code cells in this process and formats their values with IPython's own display formatter,
as the kernel would; the cells themselves are kept as they are:

    python docs/make_notebook.py --in-process
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

PAGE = Path(__file__).with_name("notebook.ipynb")

CELLS = [
    ("markdown", "# archstat in a notebook\n\n"
     "Every result displays as its table: the rows, a total row, and the notes that give the units "
     "(1 MAC = one fused multiply-add; FLOPs = 2 x MACs) and the input. The `meta` engine counts the same "
     "numbers as the default `fvcore` engine without building any weight, so these cells run in seconds."),
    ("code", "import archstat\n\nreport = archstat.analyze(\"vgg16\", engine=\"meta\")\nreport"),
    ("markdown", "Outside a notebook (or with `print`), a result is one line:"),
    ("code", "print(report)"),
    ("markdown", "Folded to the first level of modules, and as Markdown:"),
    ("code", "from IPython.display import Markdown\n\nMarkdown(report.to_markdown(depth=1))"),
    ("markdown", "## Memory, in bytes"),
    ("code", "archstat.estimate_memory(\"lenet5\", batch=8)"),
    ("markdown", "## Models side by side\n\nOne row per metric; each later model's value over the first's."),
    ("code", "from archstat.analysis.compare import compare_models\n\n"
             "compare_models([\"alexnet\", \"vgg16\", \"googlenet\"], engine=\"meta\")"),
    ("markdown", "## Two layouts, layer by layer\n\nResNet-50 v1 and v1.5 differ only in where the stride-2 "
     "convolution of each first bottleneck sits."),
    ("code", "from archstat.analysis.diff import diff_models\n\n"
             "diff_models(\"resnet50\", \"resnet50_v1_5\", engine=\"meta\")"),
    ("markdown", "## For a paper\n\n`to_latex()` writes a booktabs table (`\\usepackage{booktabs}`; `graphicx` when "
     "wide, `longtable` when long: its first line says which), the same as `archstat table ... --format latex`."),
    ("code", "print(report.to_latex(depth=1))"),
]


def build() -> Any:
    import nbformat

    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for number, (kind, source) in enumerate(CELLS):
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = f"cell-{number}"  # fixed ids: a rerun changes only what the outputs change
        book.cells.append(cell)
    return book


def _lines(text: str) -> list[str]:
    """A text as nbformat stores it: a list of lines, each with its newline."""
    return text.splitlines(keepends=True)


def rerun_in_process() -> None:
    """The stored notebook's code cells run here; each output as the kernel makes it."""
    from IPython.core.interactiveshell import InteractiveShell

    book = json.loads(PAGE.read_text(encoding="utf-8"))
    shell, scope, count = InteractiveShell.instance(), {"__name__": "__main__"}, 0
    for cell in book["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(tree, f"cell-{count}", "exec"), scope)
            value = eval(compile(ast.Expression(last.value), f"cell-{count}", "eval"), scope) if last else None
        cell["execution_count"], cell["outputs"] = count, []
        if printed.getvalue():
            cell["outputs"].append({"name": "stdout", "output_type": "stream", "text": _lines(printed.getvalue())})
        if value is not None:
            data, metadata = shell.display_formatter.format(value)
            cell["outputs"].append({"data": {k: _lines(v) for k, v in data.items()}, "execution_count": count,
                                    "metadata": metadata, "output_type": "execute_result"})
    PAGE.write_text(json.dumps(book, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> int:
    if "--in-process" in sys.argv:
        rerun_in_process()
        print(f"wrote {PAGE}")
        return 0
    import nbformat
    from nbclient import NotebookClient

    book = build()
    NotebookClient(book, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(PAGE.parent)}}).execute()
    book.metadata.pop("widgets", None)
    nbformat.write(book, PAGE)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
