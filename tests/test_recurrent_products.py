"""Recurrent layers in the call log that every peer tool's rules read (``engines.recurrent``): the
matrix products archstat logs from shapes alone are, operator by operator, the ones a real CPU forward
shows a dispatch mode, and every tool's row of ``conventions`` equals the installed tool to the unit,
over GRU, plain RNN (tanh and ReLU) and the LSTMs a CPU does not run as one oneDNN kernel: one to
three layers, one or two directions, with and without biases, sequence or batch first, contiguous or
strided input, batches of one to four, packed sequences, an unbatched input. Sizes are small: each
case is a few milliseconds of CPU and one run of each tool.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils._python_dispatch import TorchDispatchMode

from archstat.engines.call_log import record_calls

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
PRODUCTS = ("mm", "addmm", "bmm", "mkldnn_rnn_layer")
KINDS = {"gru": nn.GRU, "rnn": nn.RNN, "lstm": nn.LSTM}


class Recurrent(nn.Module):
    """One recurrent layer over an input of shape (1, batch, sequence, features), the tools' batch of
    one carrying the layer's own batch: read batch first, sequence first as a contiguous copy or as a
    strided view (``x.transpose(0, 1)``), features first (the input is (1, batch, features, sequence),
    read batch first through ``x.transpose(1, 2)``: strided even at a batch of one), packed (lengths
    ``sequence``, then one less each), or unbatched (``batch`` 0: the input is (1, sequence, features))."""

    def __init__(self, kind: str, layout: str, features: int = 3, hidden: int = 4, **options: Any) -> None:
        super().__init__()
        self.layout = layout
        self.rnn = KINDS[kind](features, hidden, batch_first=layout in ("batch first", "features first"), **options)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[0]
        if self.layout == "packed":
            lengths = [x.shape[1] - i for i in range(x.shape[0])]
            y = self.rnn(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))[0]
            return y.data
        if self.layout == "features first":  # a feature map's (batch, features, positions), as a patch stem's
            x = x.transpose(1, 2)
        if self.layout in ("sequence first", "strided"):
            x = x.transpose(0, 1)
            x = x.contiguous() if self.layout == "sequence first" else x
        return self.rnn(x)[0]


# case: (kind, layout, batch, sequence, options)
CASES: dict[str, tuple[str, str, int, int, dict[str, Any]]] = {
    "gru": ("gru", "sequence first", 1, 5, {}),
    "gru-bi-2-batch-first": ("gru", "batch first", 3, 4, {"num_layers": 2, "bidirectional": True}),
    "gru-bi-3-nobias-strided": ("gru", "strided", 2, 3, {"num_layers": 3, "bidirectional": True, "bias": False}),
    "gru-2-nobias-batch-first": ("gru", "batch first", 1, 7, {"num_layers": 2, "bias": False}),
    "gru-bi-2-features-first": ("gru", "features first", 1, 5, {"num_layers": 2, "bidirectional": True}),
    "gru-bi-packed": ("gru", "packed", 3, 5, {"num_layers": 2, "bidirectional": True}),
    "gru-unbatched": ("gru", "unbatched", 0, 6, {"bidirectional": True}),
    "rnn-tanh-bi-batch-first": ("rnn", "batch first", 2, 6, {"bidirectional": True}),
    "rnn-relu-3": ("rnn", "sequence first", 4, 2, {"num_layers": 3, "nonlinearity": "relu"}),
    "rnn-relu-bi-2-nobias-strided": ("rnn", "strided", 2, 5, {"num_layers": 2, "bidirectional": True,
                                                             "bias": False, "nonlinearity": "relu"}),
    "rnn-tanh-nobias-packed": ("rnn", "packed", 2, 4, {"bias": False}),
    "lstm-proj-bi-2-batch-first": ("lstm", "batch first", 2, 3, {"num_layers": 2, "bidirectional": True,
                                                                  "proj_size": 2}),
    "lstm-packed": ("lstm", "packed", 3, 3, {}),
    "lstm-bi-strided": ("lstm", "strided", 2, 3, {"bidirectional": True}),  # one oneDNN kernel a layer
}


def build(case: str) -> tuple[nn.Module, tuple[int, ...]]:
    kind, layout, batch, sequence, options = CASES[case]
    module = Recurrent(kind, layout, **options).eval()
    shape = {"unbatched": (1, sequence, 3), "features first": (batch, 3, sequence)}.get(layout, (batch, sequence, 3))
    return module, shape


class _Products(TorchDispatchMode):
    """The products (and oneDNN recurrent kernels) a real forward shows a dispatch mode: name, shapes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, tuple[Any, ...]]] = []

    def __torch_dispatch__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        name = func._overloadpacket.__name__
        if name in PRODUCTS:
            self.seen.append((name, tuple(tuple(a.shape) for a in args if isinstance(a, torch.Tensor))[:3]))
        return func(*args, **(kwargs or {}))


def on_cpu(module: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[Any, ...]]]:
    with torch.no_grad(), _Products() as products:
        module(x)
    return products.seen


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize("grad", [False, True], ids=["no_grad", "grad"])
def test_products_as_a_cpu_forward_shows_them(case, dtype, grad):
    """The log's products equal a real CPU forward's, in order, shapes and all (a bfloat16 LSTM is one
    oneDNN kernel where this processor runs bfloat16 in oneDNN, as float32's). With or without a
    gradient to record (``conventions`` logs without, ``speed`` with), the layer is answered from
    shapes alone: torch's loop over the steps never runs."""
    module, shape = build(case)
    module = module.to(dtype)
    x = torch.zeros((1, *shape), dtype=dtype)
    with torch.set_grad_enabled(grad):
        log = record_calls(module, (x,), (), {})
    logged = [(c.name, tuple(c.args)[:3]) for c in log.aten if c.name in PRODUCTS and not c.cpu_fused]
    real = on_cpu(module, x)
    if any(name == "mkldnn_rnn_layer" for name, _ in real):  # oneDNN: one kernel a direction, no product
        assert [name for name, _ in real] == ["mkldnn_rnn_layer"] * 2
        assert logged == []
    else:
        assert logged == real and len(real) > 2
        assert not (case == "lstm-bi-strided" and dtype is torch.float32)  # the one case oneDNN always takes
    assert not {c.name for c in log.aten if c.name.rstrip("_") in ("sigmoid", "tanh", "relu")}


def recurrent_macs(case: str) -> int:
    """By hand: every token passes each layer's and direction's weights once, ``gates x hidden x
    (input + hidden)`` multiply-adds (``hidden`` the projection's width in the hidden product of a
    projected LSTM, which adds ``hidden x proj``); later layers read ``directions x`` the output."""
    kind, layout, batch, sequence, options = CASES[case]
    gates = {"gru": 3, "rnn": 1, "lstm": 4}[kind]
    hidden, proj = 4, options.get("proj_size", 0)
    directions = 2 if options.get("bidirectional") else 1
    tokens = {"packed": sum(sequence - i for i in range(batch)), "unbatched": sequence}.get(layout, batch * sequence)
    width, total = 3, 0
    for _ in range(options.get("num_layers", 1)):
        out = proj or hidden
        total += directions * tokens * (gates * hidden * (width + out) + hidden * proj)
        width = directions * out
    return total


OPS = {"gru": "gru", "rnn": "rnn_tanh", "lstm": "lstm"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_tool_on_recurrent_variants(case):
    """Every row of ``conventions --run`` equals the installed tool run for real on the CPU, to the
    unit; archstat's MACs are the hand count; fvcore's row leaves the layer out as a line item."""
    from archstat.analysis.conventions.report import conventions
    from archstat.analysis.hub import make_torchvision_importable

    make_torchvision_importable()  # ptflops imports torchvision where it is installed
    for tool in ("torchinfo", "ptflops", "thop"):
        pytest.importorskip(tool)

    module, shape = build(case)
    report = conventions(module, input_size=shape, engine="meta", run=True)
    assert report.macs == recurrent_macs(case)
    for key in ("fvcore", "torchinfo", "ptflops", "ptflops-aten", "thop", "torch"):
        row = report.row(key)
        if key == "ptflops" and CASES[case][1] == "packed":  # its hook reads input.shape: the tool fails
            assert row.value is None and "does not reproduce" in row.status, (row.value, row.status)
            assert str(row.actual).startswith("failed:"), row.actual
            continue
        assert row.value is not None and row.value == row.actual, (key, row.value, row.actual, row.status)
        if row.actual_params is not None:
            assert row.params == row.actual_params, key
        assert sum(n for _, n in row.items) == row.difference, key
    kind, options = CASES[case][0], CASES[case][4]
    op = "rnn_relu" if options.get("nonlinearity") == "relu" else OPS[kind]
    assert report.row("fvcore").items == [(f"{op} (archstat's own rule; fvcore has no counter for it)",
                                           -report.macs)]


class _Names(TorchDispatchMode):
    """The names of the ATen operators that run."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_dispatch__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        self.names.add(func._overloadpacket.__name__)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("case", ["gru-bi-2-features-first", "rnn-relu-3", "gru-bi-packed",
                                  "lstm-proj-bi-2-batch-first"])
def test_meta_engine_answers_recurrent_layers_from_shapes(case):
    """The meta engine counts the layer by hand's count without running torch's loop over the steps
    (its products and gates), as it already did for an unpacked LSTM."""
    import archstat

    module, shape = build(case)
    with _Names() as ran:
        report = archstat.analyze(module, input_size=shape, engine="meta")
    assert report.totals["macs"] == recurrent_macs(case)
    assert not ran.names & {"addmm", "mm", "sigmoid_", "tanh_", "relu"}  # no product, no gate: one layer call
