"""Checks that keep the package's design honest, read from the source with ``ast``.

The layers, low to high (docs/architecture.md): core (errors, inputs, options,
_lazy, the package ``__init__``) < engines < models < analysis < design < claims < render < cli.
A module may import from its own layer and the ones below, never from one above, and the import
graph between modules has no cycle.

How an import becomes an edge (the rule, chosen so an edge means "this runs that module's code"):

* Every ``import`` / ``from ... import`` counts, in functions too, except under ``if TYPE_CHECKING:``
  (never run); ``importlib.import_module("literal")`` counts too. Names computed at run time are
  not seen; tests/test_cli_layout.py checks that nothing registers commands by discovery.
* ``from P import n`` is an edge to ``P.n`` when that is a module, otherwise to ``P`` itself; a
  package ``P`` means its ``__init__``. ``import a.b.c`` is an edge to ``a.b.c``.
* Importing ``a.b.c`` first runs the ``__init__`` of ``a.b``: that is an edge too, unless the
  importer lives inside ``a.b`` (its own package is initialised before it runs, and importing it
  again adds nothing). So ``archstat.render.x -> archstat.models.vgg`` also means ``-> archstat.models``,
  which imports every family; ``archstat.models.vgg -> archstat.models.registry`` does not.
* A package ``__init__`` importing its own submodules (a re-export, ``archstat/__init__`` offering
  ``analyze``) is exempt from the layer rule, not from the cycle rule: a submodule that imports its
  own package's ``__init__`` back is a cycle.
* ``archstat.__main__`` is the ``python -m archstat`` entry point: it is above the CLI, not in core.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "archstat"
LAYERS = ["core", "engines", "models", "analysis", "design", "claims", "render", "cli", "entry"]
MAX_LINES = 400
OUTPUT_SINK = "archstat.cli.output"


@dataclass(frozen=True)
class Import:
    """One import statement as written: the dotted target (absolute) and the names taken from it."""

    target: str
    names: tuple[str, ...]
    line: int


@cache
def modules() -> dict[str, Path]:
    """Dotted name -> file for every module of the package (a package is its ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _run_time_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` except those under ``if TYPE_CHECKING:`` (their ``else`` runs)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _run_time_nodes(other)
            continue
        yield child
        yield from _run_time_nodes(child)


def _absolute(name: str, module: str | None, level: int) -> str:
    """The absolute target of ``from <level dots><module> import ...`` written in module ``name``."""
    if level == 0:
        return module or ""
    base = name.split(".") if is_package(name) else name.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports(name: str, type_checking: bool = False) -> Iterator[Import]:
    """The imports module ``name`` runs (with ``type_checking``: those under TYPE_CHECKING as well)."""
    nodes = ast.walk(tree(name)) if type_checking else _run_time_nodes(tree(name))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (Import(alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            yield Import(_absolute(name, node.module, node.level), names, node.lineno)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield Import(node.args[0].value, (), node.lineno)


def _with_packages(importer: str, target: str) -> Iterator[str]:
    """``target`` and the packages above it whose ``__init__`` importing it runs (see the module doc)."""
    yield target  # named in the import: a dependency even on the importer's own package
    parts = target.split(".")
    for end in range(2, len(parts)):
        step = ".".join(parts[:end])
        if not importer.startswith(step + "."):
            yield step


def edges(name: str, type_checking: bool = False) -> set[str]:
    """The archstat modules that importing module ``name`` runs, directly (with ``type_checking``: also
    those a type checker reads under ``if TYPE_CHECKING:``)."""
    found: set[str] = set()
    for imp in imports(name, type_checking=type_checking):
        if imp.target != "archstat" and not imp.target.startswith("archstat."):
            continue
        subs = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in modules()]
        targets = subs + ([imp.target] if len(subs) < len(imp.names) or not imp.names else [])
        for target in targets:
            while target not in modules():  # "import archstat.x.Name" cannot happen; be safe anyway
                target = target.rsplit(".", 1)[0]
            found.update(_with_packages(name, target))
    found.discard(name)
    return found


def layer(name: str) -> int:
    parts = name.split(".")
    if name == "archstat.__main__":
        return LAYERS.index("entry")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else LAYERS.index("core")


def graph(type_checking: bool = False) -> dict[str, set[str]]:
    return {name: edges(name, type_checking) for name in modules()}


def cycles(edges_of: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges_of.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges_of):
        if node not in index:
            visit(node)
    return found


def cycle_edges(edges_of: dict[str, set[str]]) -> list[str]:
    """The edges inside each cycle, as ``a -> b`` lines (every one of them takes part in a loop)."""
    return [f"{a} -> {b}" for component in cycles(edges_of) for a in component
            for b in sorted(edges_of[a]) if b in component]


def upward_edges(edges_of: dict[str, set[str]]) -> list[str]:
    """Imports from a lower layer into a higher one, less a package ``__init__``'s re-exports."""
    return [f"{a} ({LAYERS[layer(a)]}) -> {b} ({LAYERS[layer(b)]})" for a in sorted(edges_of)
            for b in sorted(edges_of[a]) if layer(b) > layer(a) and not (is_package(a) and b.startswith(a + "."))]


def test_the_rules_see_the_imports_they_should():
    """The edge rule itself, on modules whose imports are known."""
    assert "archstat.errors" in edges("archstat.inputs")  # from .errors import ...
    assert "archstat" in edges("archstat.cli.app")  # from .. import __version__: the root __init__ itself
    assert "archstat.models.registry" in edges("archstat.models")  # a package re-exports its own
    assert "archstat.models" not in edges("archstat.models.vgg")  # its own package: already running
    assert "archstat" not in edges("archstat.engines.meta")  # the root package: always already running


def test_no_import_cycles_not_even_for_a_type_checker():
    found = cycle_edges(graph(type_checking=True))
    assert not found, "import cycles between modules:\n" + "\n".join(found)


def test_no_import_from_a_lower_layer_into_a_higher_one():
    found = upward_edges(graph())
    assert not found, "imports from a lower layer into a higher one:\n" + "\n".join(found)


def long_modules() -> dict[str, int]:
    """File -> line count of every module over the limit."""
    lengths = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
               for path in modules().values()}
    return {name: count for name, count in sorted(lengths.items()) if count > MAX_LINES}


def test_no_module_is_over_400_lines():
    found = long_modules()
    assert not found, f"modules over {MAX_LINES} lines: {found}"


def test_fvcore_is_imported_in_one_adapter_module():
    """Every fvcore import, TYPE_CHECKING ones too: a type from fvcore also ties a module to it."""
    where = sorted(f"{modules()[n].relative_to(ROOT)}:{imp.line}" for n in modules()
                   for imp in imports(n, type_checking=True) if imp.target.split(".")[0] == "fvcore")
    users = sorted({line.split(":")[0] for line in where})
    assert users == ["archstat/engines/fvcore.py"], "fvcore imported at:\n" + "\n".join(where)


FORMAT_NAMES = {"fmt", "format", "output_format"}
FORMAT_VALUES = {"table", "csv", "json", "markdown", "latex"}


def _is_member(node: ast.AST) -> bool:
    """``OutputFormat.json`` (also ``options.OutputFormat.json``)."""
    return (isinstance(node, ast.Attribute) and node.attr in FORMAT_VALUES
            and getattr(node.value, "id", getattr(node.value, "attr", None)) == "OutputFormat")


def _is_format_name(node: ast.AST) -> bool:
    """A variable holding the format: ``fmt``, ``format``, ``args.format``, ``fmt.value``."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    return getattr(node, "id", getattr(node, "attr", None)) in FORMAT_NAMES


def _is_format_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in FORMAT_VALUES


def _branches_on_format(node: ast.AST) -> bool:
    """A comparison, ``in`` test, ``match`` case or dispatch dict that chooses by output format."""
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        items = [e for s in sides for e in (s.elts if isinstance(s, (ast.Tuple, ast.List, ast.Set)) else [s])]
        return any(_is_member(e) for e in items) or (
            any(_is_format_name(s) for s in sides) and any(_is_format_text(e) for e in items))
    if isinstance(node, ast.MatchValue):
        return _is_member(node.value)
    if isinstance(node, ast.Dict):
        return any(key is not None and _is_member(key) for key in node.keys)
    return False


def format_branches() -> list[str]:
    """``file:line`` of every place outside the output sink that chooses by output format."""
    return sorted({f"{modules()[n].relative_to(ROOT)}:{node.lineno}" for n in modules() if n != OUTPUT_SINK
                   for node in ast.walk(tree(n)) if _branches_on_format(node) and hasattr(node, "lineno")})


def test_the_format_check_sees_branches():
    samples = ["if fmt is OutputFormat.json: pass", "x = fmt == 'csv'", "y = f in (OutputFormat.csv, 1)",
               "z = {OutputFormat.markdown: 1}", "match fmt:\n    case OutputFormat.table: pass"]
    assert all(any(_branches_on_format(n) for n in ast.walk(ast.parse(s))) for s in samples)
    harmless = ["def f(format=OutputFormat.table): pass", "x = name == 'table'", "y = Engine.meta == e"]
    assert not any(_branches_on_format(n) for s in harmless for n in ast.walk(ast.parse(s)))


def test_only_the_output_sink_chooses_by_output_format():
    found = format_branches()
    assert not found, f"branches on OutputFormat outside {OUTPUT_SINK}:\n" + "\n".join(found)
