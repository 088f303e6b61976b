"""archstat graph: the drawn topology checked against the papers' structure and the module tree.

The facts come from outside archstat's graph code: GoogLeNet's Table 1 (nine Inception modules,
four branches each and their widths), ResNet's Table 1 (3, 4, 6, 3 bottleneck blocks, projection
shortcuts where the shape changes), DenseNet's Table 1 (k = 32, blocks of 6, 12, 24, 16 layers,
compression 0.5), node counts from ``named_modules()``, MACs by hand.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from torch import nn
from typer.testing import CliRunner

from archstat.analysis.graph import MAX_NODES, Graph, graph_of
from archstat.cli.app import app
from archstat.models import build_model
from archstat.render.graph import dot, mermaid
from archstat.render.graphviz import PROGRAMS, draw, find_graphviz

runner = CliRunner()
GRAPHVIZ = find_graphviz()
needs_graphviz = pytest.mark.skipif(GRAPHVIZ is None, reason="no Graphviz (dot or graphviz-pure) installed")

# GoogLeNet Table 1: #1x1, #3x3 (after its reduce), #5x5 (after its reduce), pool proj.
INCEPTION = {
    "inception3a": (64, 128, 32, 32), "inception3b": (128, 192, 96, 64),
    "inception4a": (192, 208, 48, 64), "inception4b": (160, 224, 64, 64),
    "inception4c": (128, 256, 64, 64), "inception4d": (112, 288, 64, 64),
    "inception4e": (256, 320, 128, 128), "inception5a": (256, 320, 128, 128),
    "inception5b": (384, 384, 128, 128),
}


def level(name: str) -> int:
    return name.count(".") + 1


def into(graph: Graph, node_id: str) -> list[tuple[str, list[int]]]:
    """(source name, shape) of every edge into ``node_id``."""
    names = {n.id: n.name for n in graph.nodes}
    return [(names[e.source], e.shape) for e in graph.edges if e.target == node_id]


def expected_nodes(model: nn.Module, depth: int, merges: int) -> int:
    """Nodes at ``depth`` from the module tree alone: modules at that level, leaves above it, the
    merges the paper's blocks perform, one input and one output. Auxiliary heads never run in eval."""
    tree = [(n, m) for n, m in model.named_modules() if n and not n.startswith("aux")]
    leaves = {n for n, m in tree if next(m.children(), None) is None}
    shown = [n for n, _ in tree if level(n) == depth or (n in leaves and level(n) < depth)]
    return len(shown) + merges + 2


@pytest.fixture(scope="module")
def googlenet() -> Graph:
    return graph_of("googlenet", engine="meta", depth=2)


@pytest.fixture(scope="module")
def resnet50() -> Graph:
    return graph_of("resnet50", engine="meta", depth=3)


def test_one_concatenation_of_four_branches_per_inception_module(googlenet):
    cats = [n for n in googlenet.nodes if n.kind == "merge"]
    assert [n.name for n in cats] == [f"{name}: cat" for name in INCEPTION]
    for node in cats:
        module = node.name.split(":")[0]
        sources = into(googlenet, node.id)
        assert len(sources) == 4
        assert all(name.startswith(module + ".branch") for name, _ in sources)
        assert sorted(shape[0] for _, shape in sources) == sorted(INCEPTION[module])
        assert node.output_shape[1] == sum(INCEPTION[module])  # the filter concatenation's depth


def test_one_addition_per_resnet_block_with_the_shortcut_as_an_edge(resnet50):
    units = [f"layer{s + 1}.{u}" for s, count in enumerate((3, 4, 6, 3)) for u in range(count)]
    adds = [n for n in resnet50.nodes if n.kind == "merge"]
    assert [n.name for n in adds] == [f"{unit}: add" for unit in units]
    for i, (unit, node) in enumerate(zip(units, adds, strict=True)):
        sources = {name for name, _ in into(resnet50, node.id)}
        first_of_stage = unit.endswith(".0")  # the shape changes: a projection shortcut (option B)
        shortcut = f"{unit}.shortcut" if first_of_stage else f"{units[i - 1]}.relu3"
        assert sources == {f"{unit}.bn3", shortcut}


def test_densenet_concatenations_grow_by_the_growth_rate():
    graph = graph_of("densenet121", engine="meta", depth=3, input_size="64")
    k, channels = 32, 64  # the stem has 2k maps
    cats = iter(n for n in graph.nodes if n.kind == "merge")
    for block, layers in enumerate((6, 12, 24, 16), start=1):
        for layer in range(1, layers + 1):
            node = next(cats)
            assert node.name == f"block{block}.layer{layer}: cat"
            assert sorted(shape[0] for _, shape in into(graph, node.id)) == sorted((channels, k))
            assert node.output_shape[1] == channels + k
            channels += k
        channels //= 2  # the transition's compression, theta = 0.5
    assert next(cats, None) is None


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_resnet18_node_counts_follow_the_module_tree(depth):
    graph = graph_of("resnet18", engine="meta", depth=depth, input_size="64")
    adds = 8 if depth > 2 else 0  # 2 + 2 + 2 + 2 basic blocks, one addition each
    assert len(graph.nodes) == expected_nodes(build_model("resnet18"), depth, adds)
    assert len(graph.edges) >= len(graph.nodes) - 1  # connected from the input to the output


@pytest.mark.parametrize("depth", [1, 3])
def test_googlenet_node_counts_follow_the_module_tree(depth):
    graph = graph_of("googlenet", engine="meta", depth=depth, input_size="64")
    assert len(graph.nodes) == expected_nodes(build_model("googlenet"), depth, 9 if depth > 1 else 0)


def test_both_engines_draw_the_same_graph_with_their_counts():
    fvcore, meta = (graph_of("resnet18", engine=e, depth=3, input_size="64") for e in ("fvcore", "meta"))
    assert [n.name for n in fvcore.nodes] == [n.name for n in meta.nodes]
    assert [(e.source, e.target, e.shape) for e in fvcore.edges] == [(e.source, e.target, e.shape) for e in meta.edges]
    assert (fvcore.engine, meta.engine) == ("fvcore", "meta")
    for graph in (fvcore, meta):
        conv1 = graph.node("conv1.conv")
        assert conv1.macs == 64 * 3 * 7 * 7 * 32 * 32  # out ch x in ch x kernel x output pixels
        assert conv1.params == 64 * 3 * 7 * 7 and conv1.settings == "7x7/2, 3->64"
        assert conv1.receptive_field == [7, 7]


USER_MODEL = '''
import torch
from torch import nn

class TwoPaths(nn.Module):
    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(3, 8, 3, padding=1)
        self.right = nn.Conv2d(3, 8, 1)
        self.head = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        a, b = self.left(x), self.right(x)
        return self.head(torch.cat([a + b, a], 1))
'''


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_a_users_model_as_mermaid(tmp_path, engine):
    path = tmp_path / "two.py"
    path.write_text(USER_MODEL)
    result = runner.invoke(app, ["graph", f"{path}:TwoPaths", "--input", "3x16x16", "--engine", engine,
                                 "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    front, body = text.split("\nflowchart TD\n")
    assert re.fullmatch(r'---\ntitle: "[^"]+"\n---', front)  # YAML front matter: the title quoted
    nodes = dict(re.findall(r'^  (n\d+)[\[(]+"(.*?)"[\])]+$', text, re.M))
    edges = re.findall(r"^  (n\d+) -->(?:\|\"[^\"]*\"\|)? (n\d+)$", text, re.M)
    names = {key: label.split("<br/>")[0] for key, label in nodes.items()}
    drawn = sorted((names[a], names[b]) for a, b in edges)
    assert drawn == sorted([("input", "left"), ("input", "right"), ("left", "(model): add"),
                            ("right", "(model): add"), ("(model): add", "(model): cat"), ("left", "(model): cat"),
                            ("(model): cat", "head"), ("head", "output")])
    assert "55.3 kMACs" in nodes[next(k for k, v in names.items() if v == "left")]  # 8*3*3*3 * 16*16
    assert set(re.findall(r"^  style (n\d+) ", text, re.M)) == set(nodes)


def test_a_deep_net_is_folded_by_default_and_says_so():
    deep = nn.Sequential(*[nn.Sequential(*[nn.Conv2d(2, 2, 1) for _ in range(20)]) for _ in range(50)])
    graph = graph_of(deep, engine="meta", input_size=[(2, 4, 4)])
    assert graph.depth == 1 and len(graph.nodes) == 50 + 2  # 50 stages, the input, the output
    every_layer = 50 * 20 + 2
    assert every_layer > MAX_NODES
    assert any(f"folded to --depth 1 (52 nodes): every layer would be {every_layer} nodes" in note
               for note in graph.notes)


def test_focus_keeps_one_module_and_its_neighbours():
    graph = graph_of("googlenet", engine="meta", depth=2, focus="inception3a", input_size="64")
    inside = [n.name for n in graph.nodes if n.kind != "outside"]
    assert inside == [f"inception3a.{b}" for b in ("branch1x1", "branch3x3", "branch5x5", "branch_pool")] + [
        "inception3a: cat"]
    assert sorted(n.name for n in graph.nodes if n.kind == "outside")[0] == "inception3b.branch1x1"
    result = runner.invoke(app, ["graph", "googlenet", "--engine", "meta", "--focus", "inception9z"])
    assert result.exit_code == 2 and "focus (--focus) 'inception9z' is not a module of googlenet" in result.output


@needs_graphviz
def test_svg_parses_as_xml_with_one_group_per_node(resnet50):
    svg = draw(dot(resnet50), "svg")
    root = ET.fromstring(svg)
    groups = root.findall(".//{http://www.w3.org/2000/svg}g[@class='node']")
    assert sorted(g.get("id") for g in groups) == sorted(n.id for n in resnet50.nodes)


@needs_graphviz
def test_every_installed_graphviz_parses_the_dot_text(googlenet, tmp_path):
    text = dot(googlenet)
    assert text.startswith("digraph archstat {") and text.rstrip().endswith("}")
    for program in filter(None, (shutil.which(p) for p in PROGRAMS)):
        ET.fromstring(draw(text, "svg", program))
    out = tmp_path / "g.png"
    result = runner.invoke(app, ["graph", "googlenet", "--engine", "meta", "--depth", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_graphviz_svg_says_which_extra(monkeypatch, tmp_path):
    monkeypatch.setattr("archstat.render.graphviz.find_graphviz", lambda: None)
    result = runner.invoke(app, ["graph", "lenet5", "--engine", "meta", "-o", str(tmp_path / "x.svg")])
    assert result.exit_code == 2
    assert "archstat[graph]" in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.svg").exists()


def test_format_from_the_suffix_and_bad_suffix(tmp_path):
    out = tmp_path / "lenet.dot"
    assert runner.invoke(app, ["graph", "lenet5", "--engine", "meta", "-o", str(out)]).exit_code == 0
    assert out.read_text().startswith("digraph archstat {")
    result = runner.invoke(app, ["graph", "lenet5", "-o", str(tmp_path / "lenet.txt")])
    assert result.exit_code == 2 and ".txt" in result.output
    assert runner.invoke(app, ["graph", "lenet5", "--format", "png"]).exit_code == 2  # a picture needs a file


@pytest.mark.parametrize("color", ["params", "memory", "field"])
def test_shading_is_the_share_of_the_whole(color):
    graph = graph_of("lenet5", engine="meta", color=color)
    shares = {n.name: n.share for n in graph.nodes}
    total = graph.totals["params"]
    if color == "params":
        assert shares["f6.linear"] == pytest.approx(10164 / total)  # F6: (120 + 1) x 84
    if color == "field":  # LeNet-5's last conv sees the whole 32x32 input
        assert max(shares.values()) == 1.0
    assert all(0 <= s <= 1 for s in shares.values())


def test_mermaid_and_dot_escape_quotes():
    graph = graph_of("lenet5", engine="meta")
    graph.nodes[1].name = 'a "quoted" <name>'
    assert '\\"quoted\\"' in dot(graph)
    text = mermaid(graph)
    assert "#quot;quoted#quot; #lt;name#gt;" in text
    assert Counter(text)["["] == Counter(text)["]"]


def test_a_module_called_four_times_is_four_nodes_each_with_its_own_shape():
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "lenet_like.py"
    graph = graph_of(f"{fixture}:Net", engine="meta", input_size="3x128x128")
    pools = [n for n in graph.nodes if n.name.startswith("pool")]
    assert [n.name for n in pools] == ["pool", "pool (call 2)", "pool (call 3)", "pool (call 4)"]
    # 128 -5+1-> 124 /2-> 62 -5+1-> 58 /2-> 29 -4+1-> 26 /2-> 13 -4+1-> 10 /2-> 5
    assert [n.output_shape for n in pools] == [[1, 6, 62, 62], [1, 16, 29, 29], [1, 32, 13, 13], [1, 32, 5, 5]]
    assert [n.params for n in pools] == [0, None, None, None]  # counts once, on the first call


def test_a_merge_is_named_and_shaped_by_its_combining_op(tmp_path):
    class Gated(nn.Module):  # the two-input net of docs/own-models.md: image features gated by a mask's
        def __init__(self) -> None:
            super().__init__()
            self.image, self.mask = nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(1, 8, 3, padding=1)
            self.fc = nn.Linear(8, 2)

        def forward(self, image, mask):
            return self.fc((self.image(image) * self.mask(mask)).mean((2, 3)))

    graph = graph_of(Gated(), engine="meta", input_size=[(3, 16, 16), (1, 16, 16)])
    assert [n.name for n in graph.nodes] == ["input 1", "input 2", "image", "mask", "(model): mul", "fc", "output"]
    mul = graph.node("(model): mul")
    assert mul.output_shape == [1, 8, 16, 16] and mul.receptive_field == [3, 3]
    assert [e.shape for e in graph.edges if e.source == mul.id] == [[8]]  # the mean leaves the merge


TOKENS_MODEL = '''
import torch
from torch import nn

class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.fc = nn.Linear(16, 4)
        self.side = nn.Linear(8, 4)

    def forward(self, x, extra=None):
        y = self.fc(self.emb(x))
        return y if extra is None else y + self.side(extra).unsqueeze(1)
'''


def _mermaid_nodes(text: str) -> dict[str, str]:
    """Node name -> its label's lines after the name, from mermaid text."""
    labels = re.findall(r'^  n\d+[\[(]+"(.*?)"[\])]+$', text, re.M)
    return {label.split("<br/>")[0]: label for label in labels}


def test_a_users_token_model_with_int64_ids_mode_and_forward_kwargs(tmp_path):
    """128 int64 token ids: the lookup has no MACs, fc 128 x 16 x 4 = 8,192 (8.19 kMACs); the keyword
    tensor ``extra`` (1x8) adds side's 8 x 4 = 32 MACs, by hand; the title says the mode."""
    path = tmp_path / "tokens.py"
    path.write_text(TOKENS_MODEL)
    out = tmp_path / "e.mmd"
    result = runner.invoke(app, ["graph", f"{path}:Tokens", "--input", "128:int64", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    nodes = _mermaid_nodes(text)
    assert "8.19 kMACs" in nodes["fc"] and "MACs" not in nodes["emb"] and "side" not in nodes
    assert "eval mode" in text.split("\n")[1]
    result = runner.invoke(app, ["graph", f"{path}:Tokens", "--input", "128:int64", "--mode", "train",
                                 "--forward-kwargs", '{"extra": "8"}', "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    nodes = _mermaid_nodes(result.stdout)
    assert "32 MACs" in nodes["side"] and "train mode" in result.stdout.split("\n")[1]
