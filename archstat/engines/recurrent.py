"""Whole recurrent layers (torch's ``lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu``) from their
arguments' shapes alone: their results on the meta device, and the matrix products a CPU forward
runs for them.

On meta, torch runs a whole recurrent layer as its C++ loop over layers, directions and time steps,
a dozen operators per step, each a Python meta kernel: 10,000 calls (24 s) for 256 tokens of a
2-layer bidirectional LSTM. Nothing a counter reads needs that loop: the results are shaped by the
arguments (``recurrent_results``), and the products a CPU forward shows a dispatch mode follow from
the same shapes (``cpu_products``), as ATen's CPU decomposition (``aten/native/RNN.cpp``) runs them,
checked operator by operator against a real CPU forward in ``tests/test_recurrent_products.py``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
# torch's own function for each recurrent operator (``torch.gru is torch._VF.gru``)
RECURRENT_FUNCTIONS = {torch.lstm: "lstm", torch.gru: "gru", torch.rnn_tanh: "rnn_tanh", torch.rnn_relu: "rnn_relu"}

Shape = tuple[int, ...]
Product = tuple[str, tuple[Shape, ...], Shape]  # ATen operator ("addmm", "mm"), its operands' shapes, its result's


@dataclass(frozen=True)
class RecurrentCall:
    """The positional arguments of one recurrent operator, by name. ``batch_sizes`` is None unless
    the input is a packed sequence (``data`` then its packed data, tokens x width)."""

    op: str
    data: Tensor
    batch_sizes: Tensor | None
    states: tuple[Tensor, ...]
    params: tuple[Tensor, ...]
    has_biases: bool
    num_layers: int
    bidirectional: bool
    batch_first: bool

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def per_layer(self) -> int:
        """Weights per layer and direction: input and hidden weights, two biases, an LSTM's projection."""
        return len(self.params) // (self.num_layers * self.directions)

    @property
    def projected(self) -> bool:
        return self.op == "lstm" and self.per_layer == (5 if self.has_biases else 3)

    def weights(self, layer: int, direction: int) -> tuple[Tensor, ...]:
        start = (layer * self.directions + direction) * self.per_layer
        return self.params[start:start + self.per_layer]


def parse(op: str, args: tuple[Any, ...]) -> RecurrentCall | None:
    """``args`` of ``torch.<op>`` by name, or None where they are not the two forms torch documents:
    ``(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`` and,
    for a packed sequence, ``(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
    bidirectional)``. The hidden state ``hx`` is a tensor, or a list of two for an LSTM."""
    if op not in GATES or len(args) != 9:
        return None
    packed = isinstance(args[3], (list, tuple))
    hx, params, flags = (args[2], args[3], args[4:]) if packed else (args[1], args[2], args[3:])
    has_biases, num_layers, _dropout, _train, bidirectional = flags[:5]
    if not (isinstance(num_layers, int) and num_layers > 0 and isinstance(params, (list, tuple)) and params
            and isinstance(args[0], Tensor) and (not packed or isinstance(args[1], Tensor))):
        return None
    states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
    call = RecurrentCall(op, args[0], args[1] if packed else None, states, tuple(params), bool(has_biases),
                         num_layers, bool(bidirectional), False if packed else bool(args[8]))
    plain = 4 if call.has_biases else 2  # an LSTM may add its projection
    if len(params) % (num_layers * call.directions) or call.per_layer not in (plain, plain + (op == "lstm")):
        return None
    if not all(isinstance(t, Tensor) for t in (*call.states, *call.params)):
        return None
    return call


def recurrent_results(op: str, args: tuple[Any, ...], graph: bool = True) -> tuple[Tensor, ...] | None:
    """The results of ``torch.<op>`` (a recurrent operator) on meta tensors, from shapes alone.

    The output is the input with its last dimension ``directions x hidden`` (hidden read off the
    initial state, an LSTM's ``proj_size`` where it has one), a packed sequence's data likewise; the
    final states are shaped like the initial ones. Anything else (real tensors, a width that does
    not fit the first weight, where torch's own error must show) is None: torch's. So is a call
    whose gradient autograd would record, unless ``graph`` is False (a pass that never runs
    backward): the results are then leaves that require a gradient, so that the code after the
    layer takes the paths it takes in a real forward.
    """
    call = parse(op, args)
    if call is None:
        return None
    x, state = call.data, call.states[0]
    tensors = [x, *call.states, *call.params]
    recording = graph and torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
    if recording or not all(t.is_meta for t in tensors):
        return None
    if call.batch_sizes is not None:
        shaped = x.dim() == 2 and state.dim() == 3
    else:
        shaped = x.dim() in (2, 3) and state.dim() == x.dim()
    first = call.params[0]
    if not shaped or first.dim() != 2 or first.shape[1] != x.shape[-1]:
        return None
    width = call.directions * state.shape[-1]
    results = (x.new_empty((*x.shape[:-1], width)), *(torch.empty_like(s) for s in call.states))
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        for result in results:
            result.requires_grad_()
    return results


def cpu_products(call: RecurrentCall) -> list[Product] | None:
    """The matrix products a CPU forward of ``call`` shows a dispatch mode, in order; None where
    torch must answer (an input it would refuse, a packed sequence whose batch sizes are not on the
    CPU). Per layer, then per direction (forward, then reverse):

    - the input projection of the whole sequence at once, ``tokens x input`` by ``input x gates
      x hidden``: ``addmm`` with its bias where ``at::linear`` flattens the input (a 2-D input, as a
      packed sequence's data, or a contiguous 3-D one: ``batch_first`` at a batch above 1 is not,
      unless ``TORCH_LINEAR_FLATTEN_3D=1``), else ``mm`` (torch adds the bias apart);
    - each time step's hidden product, ``batch x hidden`` by ``hidden x gates x hidden`` (``addmm``
      with a bias, else ``mm``; a packed sequence's batch at that step);
    - an LSTM's projection after each step, ``batch x hidden`` by ``hidden x proj`` (``mm``).

    Every later layer reads the previous one's contiguous output. Nothing else a CPU runs for a
    recurrent layer is a product (the gates' sums and nonlinearities, chunks, stacks). The steps'
    products of one batch are one tuple, repeated.
    """
    steps = _steps(call)
    if steps is None:
        return None
    x, gates = call.data, GATES[call.op]
    products: list[Product] = []
    rows, width = sum(steps), x.shape[-1]
    flattened = call.batch_sizes is not None or _contiguous_sequence(x, call.batch_first) \
        or os.environ.get("TORCH_LINEAR_FLATTEN_3D") == "1"
    for layer in range(call.num_layers):
        layer_width = 0
        for direction in range(call.directions):
            weights = call.weights(layer, direction)
            w_ih, w_hh, proj = weights[0], weights[1], weights[-1] if call.projected else None
            cols, hidden_in = w_ih.shape[0], w_hh.shape[-1]
            hidden = cols // gates
            fits = w_ih.dim() == w_hh.dim() == 2 and w_ih.shape[1] == width and w_hh.shape[0] == cols \
                and cols % gates == 0 and (tuple(proj.shape) == (hidden_in, hidden) if proj is not None
                                           else hidden_in == hidden)
            if not fits:
                return None
            products.append(_linear(rows, width, cols, call.has_biases and flattened))
            # one tuple per distinct batch, repeated: a long sequence makes no garbage to collect
            step: dict[int, tuple[Product, ...]] = {}
            for batch in (steps if direction == 0 else steps[::-1]):
                if batch not in step:
                    step[batch] = (_linear(batch, hidden_in, cols, call.has_biases),) if proj is None else \
                        (_linear(batch, hidden_in, cols, call.has_biases),
                         ("mm", ((batch, hidden), (hidden, hidden_in)), (batch, hidden_in)))
                products += step[batch]
            layer_width += hidden_in
        width, flattened = layer_width, True
    return products


def _linear(rows: int, inner: int, cols: int, addmm: bool) -> Product:
    """``at::linear`` of ``rows x inner`` by a ``cols x inner`` weight: ``addmm`` with its bias, or ``mm``."""
    if addmm:
        return "addmm", ((cols,), (rows, inner), (inner, cols)), (rows, cols)
    return "mm", ((rows, inner), (inner, cols)), (rows, cols)


def _steps(call: RecurrentCall) -> list[int] | None:
    """The batch at each time step, in forward order: a packed sequence's batch sizes, else the batch
    ``sequence`` times; None for an input torch would refuse or that has no step."""
    x = call.data
    if call.batch_sizes is not None:
        sizes = call.batch_sizes
        if sizes.is_meta or sizes.dim() != 1 or sizes.is_floating_point() or x.dim() != 2:
            return None
        steps = [int(n) for n in sizes.tolist()]
        return steps if steps and min(steps) > 0 and sum(steps) == x.shape[0] else None
    if x.dim() != 3 or x.numel() == 0:
        return None
    sequence, batch = (x.shape[1], x.shape[0]) if call.batch_first else (x.shape[0], x.shape[1])
    return [batch] * sequence


def _contiguous_sequence(x: Tensor, batch_first: bool) -> bool:
    """Whether ``x`` as torch reads it, sequence first (``x.transpose(0, 1)`` where ``batch_first``),
    is contiguous: each dimension's stride the product of the sizes after it, dimensions of size 1 aside."""
    sizes, strides = list(x.shape), list(x.stride())
    if batch_first:
        sizes[0], sizes[1], strides[0], strides[1] = sizes[1], sizes[0], strides[1], strides[0]
    expected = 1
    for size, stride in zip(reversed(sizes), reversed(strides), strict=True):
        if size != 1 and stride != expected:
            return False
        expected *= size
    return True


def mkldnn_fused(call: RecurrentCall) -> bool:
    """Whether a CPU forward runs this call as oneDNN kernels (``mkldnn_rnn_layer``, one per layer
    and direction), where no counter of ATen products sees a product: torch's own conditions
    (``use_mkldnn`` in ``RNN.cpp``): an LSTM, oneDNN on, an input that is not packed nor empty, no
    projection, and float32, or bfloat16 / float16 where this processor runs them in oneDNN
    (float16 only with no gradient to record)."""
    if call.op != "lstm" or call.batch_sizes is not None or call.projected or call.data.numel() == 0:
        return False
    if not (torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled):
        return False
    dtype, supported = call.data.dtype, mkldnn_half_support()
    return dtype == torch.float32 or (dtype == torch.bfloat16 and supported[0]) \
        or (dtype == torch.float16 and supported[1] and not torch.is_grad_enabled())


@functools.cache
def mkldnn_half_support() -> tuple[bool, bool]:
    """Whether oneDNN runs bfloat16 and float16 on this processor (asked once; call it before a
    dispatch mode starts, which would see the question as an operator)."""
    try:
        ops = torch.ops.mkldnn
        return bool(ops._is_mkldnn_bf16_supported()), bool(ops._is_mkldnn_fp16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN's operators
        return False, False
