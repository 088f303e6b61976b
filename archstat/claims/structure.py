"""Structure checks behind ``archstat claims``: what a built network is made of, not how much.

Each function returns a ``Measure`` (see ``claims.measure``) whose value is read off the built module
(on the meta device: no memory) or off the rows of ``archstat table``: a kernel size, the order of
layers, the widths of VGG's stages, whether a network runs at an input size. A check that compares
against a document's description returns True or False and says what it found: in words for a
layout (kinds, kernel sizes, shapes), as data (``claims.readings``) for a count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..analysis.params import AUX_PREFIX, param_counts
from ..engines.meta_device import shapes_only
from ..errors import ArchstatError
from ..inputs import Shape, format_shape
from ..models import get_model_info
from .measure import Measure, Session, label, layers_evidence
from .readings import Amount, Classifier, Evidence, Heads, Measured, Uncalled

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

_KINDS = {"Conv2d": "conv", "LocalResponseNorm": "LRN", "MaxPool2d": "max-pool", "AvgPool2d": "avg-pool",
          "AdaptiveAvgPool2d": "global avg-pool", "Linear": "fc", "Dropout": "dropout"}


def _kind(module: nn.Module) -> str:
    """'conv' for a convolution or a block whose first layer is one (ConvReLU), else the layer's kind."""
    first = next((m for m in module.modules() if next(m.children(), None) is None), module)
    return _KINDS.get(type(first).__name__, type(first).__name__)


def _side(value: Any) -> int | str:
    """(11, 11) -> 11, (1, 7) -> '1x7', 3 -> 3."""
    if isinstance(value, tuple):
        return value[0] if len(set(value)) == 1 else format_shape(value)
    return int(value)


def _conv_text(name: str, conv: nn.Conv2d) -> str:
    k = conv.kernel_size
    return f"{name} {k[0]}x{k[1]} {conv.in_channels}->{conv.out_channels}"


def _convs(module: nn.Module) -> Iterator[tuple[str, nn.Conv2d]]:
    return ((n, m) for n, m in module.named_modules() if isinstance(m, nn.Conv2d))


def module_attr(model: str, path: str, attr: str) -> Measure:
    """An attribute of one module of the built network: kernel_size, stride, out_channels, in_features."""
    def run(session: Session) -> Measured:
        value = _side(getattr(session.meta(model).get_submodule(path), attr))
        return Measured(value, str(value))

    return Measure(f"{attr} of {path} in {model}", run)


def child_kinds(model: str, container: str) -> Measure:
    """The kinds of a container's children in order: 'conv, LRN, max-pool, ...'."""
    def run(session: Session) -> Measured:
        children = list(session.meta(model).get_submodule(container).named_children())
        kinds = ", ".join(_kind(m) for _, m in children)
        table = pd.DataFrame([(n, type(m).__name__, _kind(m)) for n, m in children], columns=["layer", "type", "kind"])
        return Measured(kinds, kinds, (Evidence(f"{model}: children of {container}", table),))

    return Measure(f"order of the layers in {model}.{container}", run)


def stated_layers(model: str, stated: tuple[tuple[str, int], ...]) -> Measure:
    """A document's layer list (``('conv1 kernel', 5)``, ``('pool1 kernel', 2)``, ``('input', 224)``)
    against the built AlexNet; True when every item matches, the mismatches in words otherwise."""
    def run(session: Session) -> Measured:
        meta = session.meta(model)
        rows = [(item, said, _built(session, model, meta, item)) for item, said in stated]
        wrong = [f"{item} {said} (built: {built})" for item, said, built in rows if not _same(said, built)]
        text = (f"{len(wrong)} of {len(rows)} items differ: " + "; ".join(wrong)) if wrong else "every item matches"
        table = pd.DataFrame([(i, s, b, "yes" if _same(s, b) else "NO") for i, s, b in rows],
                             columns=["item", "document", "built", "same"])
        return Measured(not wrong, text, (Evidence(f"the document's list against {model}", table),))

    return Measure(f"each stated kernel size, kernel count, pool size and input side against {model}", run)


def _built(session: Session, model: str, meta: nn.Module, item: str) -> int | str:
    """The built network's value of one item of a layer list ('conv2 kernel', 'fc8 width', 'input')."""
    if item == "input":  # the input sides the network runs at, one output row per image
        sides = [s for s in range(1, 513) if _outcome(meta, (3, s, s)) == "one row per image"]
        return f"{sides[0]}..{sides[-1]}" if len(sides) > 1 else (sides[0] if sides else "none")
    layer, what = item.split()
    if layer.startswith("fc"):
        name = "fc" if layer == "fc8" else layer  # the zoo names the paper's fc8 'fc'
        fc = meta.get_submodule(f"classifier.{name}")
        assert isinstance(fc, nn.Linear)
        return fc.out_features
    if layer.startswith("pool"):
        return _side(meta.get_submodule(f"features.{layer}").kernel_size)
    conv = meta.get_submodule(f"features.{layer}.conv")
    assert isinstance(conv, nn.Conv2d)
    return _side(conv.kernel_size) if what == "kernel" else conv.out_channels


def _same(said: int, built: int | str) -> bool:
    """A stated value against a built one; a range 'a..b' (input sides) contains the stated side."""
    if isinstance(built, str) and ".." in built:
        low, high = map(int, built.split(".."))
        return low <= said <= high
    return said == built


def _runs(session: Session, model: str, shape: Shape) -> tuple[bool, str]:
    """Does ``model`` run at ``shape``? The engine's own one-line error when it does not."""
    def compute() -> tuple[bool, str]:
        try:
            report = session.report(model, input_size=shape)
        except ArchstatError as error:
            return False, str(error).splitlines()[0]
        return True, f"runs, output {format_shape(report.modules.output_shape.iloc[0][1:])}"

    return session.once(("runs", model, shape), compute)


def runs(model: str, input_size: Shape) -> Measure:
    """True when ``archstat table`` can run the network at ``input_size``; else the error it reports."""
    def run(session: Session) -> Measured:
        ok, text = _runs(session, model, input_size)
        return Measured(ok, text)

    return Measure(f"archstat table {model} --input {format_shape(input_size)}", run)


def output_on(model: str, module: str, input_size: Shape) -> Measure:
    """Output shape of one module of the network fed ``input_size`` directly (meta device)."""
    def run(session: Session) -> Measured:
        sub = session.meta(model).get_submodule(module)
        with torch.no_grad(), shapes_only():
            out = sub(torch.empty((1, *input_size), device="meta"))
        text = format_shape(tuple(out.shape[1:]))
        return Measured(text, text)

    return Measure(f"output of {model}.{module} on {format_shape(input_size)}", run)


def field(model: str, module: str) -> Measure:
    """Receptive field of one module's output, in input pixels (height), from ``archstat table``."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        size = report.modules[report.modules.name == module].iloc[0].receptive_field
        return Measured(int(size[0]), Amount("receptive_field", size), (layers_evidence(report),))

    return Measure(f"receptive field of {module} in {model}", run)


def stages(model: str, what: str) -> Measure:
    """VGG's stages, read off the layer names convS_i / poolS: 'convs' per stage, 'widths', 'kernels'."""
    def run(session: Session) -> Measured:
        features = session.meta(model).get_submodule("features")
        convs: list[tuple[str, Any]] = [(n, m.get_submodule("conv")) for n, m in features.named_children()
                                        if n.startswith("conv")]
        by_stage: dict[str, list[Any]] = {}
        for name, conv in convs:
            by_stage.setdefault(re.sub(r"conv(\d+)_\d+", r"\1", name), []).append(conv)
        pools = [m for n, m in features.named_children() if n.startswith("pool")]
        if what == "convs":
            counts = [len(c) for c in by_stage.values()]
            text = ", ".join(map(str, counts)) + f" convolutions in {len(counts)} stages"
            return Measured(len(counts) == 5 and all(2 <= n <= 3 for n in counts), text)
        if what == "widths":
            text = "-".join(str(c[0].out_channels) for c in by_stage.values())
            return Measured(text, text)
        kernels = sorted({f"{c.kernel_size[0]}x{c.kernel_size[1]}" for _, c in convs})
        windows = sorted({f"{_side(p.kernel_size)}x{_side(p.kernel_size)}/{_side(p.stride)}" for p in pools})
        text = f"conv {', '.join(kernels)}; max-pool {', '.join(windows)}"
        return Measured(text, text)

    return Measure(f"{what} of the five stages of {model}", run)


def branch_layout(model: str, module: str) -> Measure:
    """An Inception module's branches, each as its layers in order: '1x1 | 1x1, 3x3 | ...'."""
    def run(session: Session) -> Measured:
        branches = session.meta(model).get_submodule(module).children()
        text = " | ".join(", ".join(_layer_words(m) for m in branch.modules()
                                    if next(m.children(), None) is None and _layer_words(m))
                          for branch in branches)
        return Measured(text, text)

    return Measure(f"branches of {model}.{module}, layers in order", run)


def _layer_words(module: nn.Module) -> str:
    if isinstance(module, nn.Conv2d):
        return f"{module.kernel_size[0]}x{module.kernel_size[1]}"
    if isinstance(module, nn.MaxPool2d):
        return f"max-pool {_side(module.kernel_size)}x{_side(module.kernel_size)}"
    return ""


def nested_branches(model: str, module: str) -> Measure:
    """True when a branch of the module splits again into branches of its own."""
    def run(session: Session) -> Measured:
        top = session.meta(model).get_submodule(module)
        inner = [n for n, m in top.named_modules() if n and type(m) is type(top)]
        text = ("branches inside branches: " + ", ".join(f"{module}.{n}" for n in inner)) if inner else "none"
        return Measured(bool(inner), text)

    return Measure(f"branches nested in {model}.{module}", run)


def added_1x1(model: str, than: str) -> Measure:
    """True when the convolutions ``model`` has beyond ``than`` (by layer name) are all 1x1 and keep
    their channel count (VGG's configuration C against B)."""
    def run(session: Session) -> Measured:
        theirs = {n for n, _ in _convs(session.meta(than))}
        extra = [(n, c) for n, c in _convs(session.meta(model)) if n not in theirs]
        ok = bool(extra) and all(c.kernel_size == (1, 1) and c.in_channels == c.out_channels for _, c in extra)
        listed = ", ".join(_conv_text(n.removesuffix(".conv"), c) for n, c in extra)
        return Measured(ok, f"{len(extra)} more: {listed}")

    return Measure(f"convolutions of {model} that {than} does not have", run)


def conv_chain(net: str, expect: str) -> Measure:
    """The convolutions of a residual unit in order; ``expect`` 'two equal 3x3' or 'reduce, 3x3, restore'."""
    def run(session: Session) -> Measured:
        convs = [c for _, c in _convs(session.meta(net))]
        text = ", ".join(_conv_text("", c).strip() for c in convs)
        shapes = [(c.kernel_size, c.in_channels, c.out_channels) for c in convs]
        if expect == "two equal 3x3":
            ok = len(shapes) == 2 and all(k == (3, 3) for k, _, _ in shapes) and shapes[0][2] == shapes[1][2]
        else:
            ok = (len(shapes) == 3 and [k for k, _, _ in shapes] == [(1, 1), (3, 3), (1, 1)]
                  and shapes[0][2] < shapes[0][1] and shapes[2][2] == shapes[0][1])
        return Measured(ok, text)

    return Measure(f"convolutions of {net} in order", run)


def head(model: str, what: str) -> Measure:
    """The end of the network: 'hidden fc' counts fully connected layers before the classifier (the
    last Linear); 'global pool' is True when a global average pool feeds the classifier directly."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        leaves = report.modules[report.modules.is_leaf & report.modules.output_shape.notna()].reset_index(drop=True)
        fcs = leaves[leaves.type == "Linear"]
        last = fcs.iloc[-1]
        if what == "hidden fc":
            fc = session.meta(model).get_submodule(last["name"])
            assert isinstance(fc, nn.Linear)
            found = Classifier(tuple(fcs.name[:-1]), last["name"], fc.in_features, fc.out_features, int(last.params))
            return Measured(len(fcs) - 1, found, (layers_evidence(report),))
        before = leaves.iloc[: fcs.index[-1]]
        feeder = before[~before.type.isin(["Flatten", "Dropout", "ReLU"])].iloc[-1]
        shape = feeder.output_shape
        ok = "AvgPool" in feeder.type and shape[-1] == shape[-2] == 1
        text = f"{feeder['name']} ({feeder.type}, output {format_shape(shape[1:])}) feeds {last['name']}"
        return Measured(ok, text, (layers_evidence(report),))

    return Measure(f"the head of {model}: {what}", run)


def aux_heads(model: str) -> Measure:
    """Auxiliary classifiers (top-level modules named aux*), with their parameters."""
    def run(session: Session) -> Measured:
        heads = tuple((n, param_counts(m, False, n)[0]) for n, m in session.meta(model).named_children()
                      if n.startswith(AUX_PREFIX))
        return Measured(len(heads), Heads(heads))

    return Measure(f"auxiliary classifier heads of {model}", run)


def module_grids(model: str, prefix: str) -> Measure:
    """The spatial sides of the top-level modules named ``prefix``*, in order: '35, 17, 8'."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        rows = report.modules[(report.modules.level == 1) & report.modules.name.str.startswith(prefix)]
        grids: dict[int, list[str]] = {}
        for name, shape in zip(rows.name, rows.output_shape, strict=True):
            grids.setdefault(int(shape[-1]), []).append(f"{name} ({format_shape(shape[1:])})")
        value = ", ".join(map(str, grids))
        text = "; ".join(f"{side}x{side}: {', '.join(names)}" for side, names in grids.items())
        return Measured(value, text, (layers_evidence(report),))

    return Measure(f"grids of the {prefix}* modules of {label(model)}", run)


class _AddCounter(TorchFunctionMode):
    """Counts additions of two feature maps of one shape: a residual connection's merge."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        name = getattr(func, "__name__", "")
        tensors = [a for a in args[:2] if isinstance(a, torch.Tensor) and a.ndim == 4]
        if name in ("add", "__add__", "__iadd__", "add_", "__radd__") and len(tensors) == 2 \
                and tensors[0].shape == tensors[1].shape:
            self.count += 1
        return func(*args, **(kwargs or {}))


def residual_adds(model: str) -> Measure:
    """How many residual additions (feature map + feature map) the forward makes, on the meta device."""
    def run(session: Session) -> Measured:
        def count() -> int:
            meta = session.meta(model)
            shape = session.input_size(model)
            with torch.no_grad(), shapes_only(), _AddCounter() as counter:
                meta(torch.empty((1, *shape), device="meta"))
            return counter.count

        value = session.once(("adds", model), count)
        return Measured(value, f"{value} residual additions")

    return Measure(f"residual additions in the forward of {model}", run)


def working_sides(net: str, limit: int = 300) -> Measure:
    """The square input sides, 1 to ``limit``, at which the network gives one output row per image."""
    def run(session: Session) -> Measured:
        meta, channels = session.meta(net), session.input_size(net)[0]
        outcome = [_outcome(meta, (channels, s, s)) for s in range(1, limit + 1)]
        spans: list[list[Any]] = []
        for side, what in enumerate(outcome, 1):
            if spans and spans[-1][2] == what:
                spans[-1][1] = side
            else:
                spans.append([side, side, what])
        table = pd.DataFrame([(f"{a}..{b}", w) for a, b, w in spans], columns=["input side (px)", "outcome"])
        good = [f"{a}..{b}" for a, b, w in spans if w == "one row per image"]
        text = "; ".join(f"{a}..{b} px: {w}" for a, b, w in spans)
        return Measured(bool(good), text, (Evidence(f"{net}: what each input side gives", table),))

    return Measure(f"input sides 1..{limit} at which {net} gives one output row per image", run)


def _outcome(meta: nn.Module, shape: Shape) -> str:
    """What one forward on a meta input of ``shape`` gives (shapes only: ``engines.meta_device``)."""
    try:
        with torch.no_grad(), shapes_only():
            out = meta(torch.empty((1, *shape), device="meta"))
    except Exception:  # a network's forward may raise anything on a wrong size
        return "fails"
    return "one row per image" if out.shape[0] == 1 else "runs, but several rows per image"


def uncalled(model: str) -> Measure:
    """Modules holding parameters that the forward never calls (defined, never used)."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        layers = report.modules
        rows = layers[layers.is_leaf & layers.output_shape.isna() & (layers.params > 0)]
        found = Uncalled(tuple((n, int(p)) for n, p in zip(rows.name, rows.params, strict=True)))
        return Measured(len(rows), found, (layers_evidence(report),))

    return Measure(f"modules of {model} defined but never called", run)


def metadata(models: tuple[str, ...], field: str = "top5_error") -> Measure:
    """A fact the zoo's metadata records from the papers (competition errors): shown, never judged."""
    def run(session: Session) -> Measured:
        facts = [(m, getattr(get_model_info(m), field) or "not recorded") for m in models]
        text = "; ".join(f"{m}: {fact}" for m, fact in facts)
        table = pd.DataFrame(facts, columns=["model", field])
        return Measured(None, text, (Evidence(f"zoo metadata: {field}", table),))

    return Measure(f"{field} of {', '.join(models)} in the zoo's metadata", run)
