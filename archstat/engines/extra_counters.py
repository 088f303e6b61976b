"""archstat's counting rules beyond fvcore's, shared by both engines: attention, ``baddbmm`` and
the recurrent layers.

fvcore has no counter for ``scaled_dot_product_attention``, ``baddbmm``, ``lstm``, ``gru``,
``rnn_tanh`` or ``rnn_relu``, so a transformer's attention and a whole RNN would count 0 MACs.
archstat counts them as their matrix products, in fvcore's unit (one fused multiply-add = 1 MAC)
and with fvcore's habit of counting products only: scaling, softmax, masks, dropout, biases and
the element-wise gate arithmetic are not counted (docs/conventions.md, "archstat's own rules").
Each formula takes shapes only; the fvcore engine reads them off its trace, the meta engine off the
call's tensors, so both engines give the same numbers through the same function.

Every formula returns ``(MACs, activations)``; activations are the output elements of the
products, as fvcore counts them for ``bmm`` and ``linear``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import torch

Shape = Sequence[int]

# aten's attention operators: F.scaled_dot_product_attention and the kernels it may dispatch to,
# each taking (query, key, value, ...) first.
ATTENTION_OPS = frozenset({
    "scaled_dot_product_attention", "_scaled_dot_product_attention_math",
    "_scaled_dot_product_flash_attention", "_scaled_dot_product_flash_attention_for_cpu",
    "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
    "_scaled_dot_product_fused_attention_overrideable",
})
# Whole recurrent layers: one operator runs every layer, direction and time step.
RECURRENT_OPS = frozenset({"lstm", "gru", "rnn_tanh", "rnn_relu"})
# One time step of a cell. fvcore's trace sees a cell as the two `linear` products it is made of,
# so the meta engine counts a cell under `linear` too, with `cell_counts`.
CELL_OPS = frozenset({"lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"})
# The operator keys archstat counts by its own rules (the report says so in a note).
EXTENSION_OPS = ATTENTION_OPS | RECURRENT_OPS | {"baddbmm"}


def attention_counts(query: Shape, key: Shape, value: Shape) -> tuple[int, int]:
    """Q·Kᵀ and weights·V: L*S*E + L*S*Ev MACs per batch element and query head.

    ``query`` is (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev). The leading dimensions
    broadcast, and with grouped-query attention (``enable_gqa``) several query heads share one key
    head: either way every query head does its full products, so each leading size is the larger
    of the three. Activations: the L*S weights and the L*Ev outputs.
    """
    *_, length, depth = query
    source, value_depth = key[-2], value[-1]
    batch = math.prod(_broadcast(query[:-2], key[:-2], value[:-2]))
    return batch * length * source * (depth + value_depth), batch * length * (source + value_depth)


def _broadcast(*shapes: Shape) -> list[int]:
    """Shapes aligned from the right, the largest size of each dimension."""
    rank = max(len(shape) for shape in shapes)
    padded = [[1] * (rank - len(shape)) + list(shape) for shape in shapes]
    return [max(sizes) for sizes in zip(*padded, strict=True)]


# torch's fused kernels of MultiheadAttention and TransformerEncoderLayer: counting turns the fast
# path off (`composite_attention`), so only a forward that calls them itself reaches them; each
# counts as the layer's unfused computation, under the same operator keys.

def fused_attention_counts(query: Shape, key: Shape, heads: int, qkv_weight: Shape, proj_weight: Shape
                           ) -> tuple[dict[str, int], int]:
    """``_native_multi_head_attention``: MACs by operator and activations of the unfused layer
    (need_weights=False): in-projections of queries, keys and values (each E x E, a third of the
    packed ``qkv_weight``) and the out-projection as ``linear``, the products as attention.

    ``query`` (B, L, E), ``key`` (B, S, E); activations are each projection's and product's output
    elements, as fvcore and ``attention_counts`` count them.
    """
    embed, queries, keys = proj_weight[0], math.prod(query[:-1]), math.prod(key[:-1])
    per_projection = qkv_weight[0] // 3 * qkv_weight[1]
    products, product_outputs = attention_counts(
        [*query[:-2], heads, query[-2], embed // heads], [*key[:-2], heads, key[-2], embed // heads],
        [*key[:-2], heads, key[-2], embed // heads])
    linear = (queries + 2 * keys) * per_projection + queries * math.prod(proj_weight)
    outputs = (queries + 2 * keys) * embed + queries * embed
    return {"linear": linear, "scaled_dot_product_attention": products}, outputs + product_outputs


def fused_encoder_counts(src: Shape, heads: int, qkv_weight: Shape, proj_weight: Shape,
                         ffn_weight_1: Shape, ffn_weight_2: Shape) -> tuple[dict[str, int], int]:
    """``_transformer_encoder_layer_fwd``: the self-attention (``fused_attention_counts``), the two
    feed-forward linears and the two affine layer norms (fvcore's 5 MACs an element)."""
    macs, activations = fused_attention_counts(src, src, heads, qkv_weight, proj_weight)
    tokens = math.prod(src[:-1])
    macs["linear"] += tokens * (math.prod(ffn_weight_1) + math.prod(ffn_weight_2))
    macs["layer_norm"] = 2 * 5 * tokens * src[-1]
    return macs, activations + tokens * (ffn_weight_1[0] + ffn_weight_2[0])


def baddbmm_counts(batch1: Shape, batch2: Shape) -> tuple[int, int]:
    """``baddbmm(input, batch1, batch2)``: the product as fvcore's bmm counts it, n*c*t*d for
    (n, c, t) @ (n, t, d); the added ``input`` is not a product, as in fvcore's addmm."""
    (n, c, t), d = batch1, batch2[-1]
    return n * c * t * d, n * c * d


def recurrent_counts(input_shape: Shape, weights: Iterable[Shape]) -> tuple[int, int]:
    """A whole RNN/LSTM/GRU: every token passes every 2-D weight once, per layer and direction.

    Per time step and batch element that is, for each gate (RNN 1, GRU 3, LSTM 4), ``input *
    hidden`` for the input product and ``hidden * hidden`` for the hidden one (``proj * hidden``
    with an LSTM's ``proj_size``, plus ``hidden * proj`` for the projection): the sum of the
    weights' sizes. ``input_shape`` is (T, B, input), (B, T, input), (T, input), or a
    PackedSequence's data (tokens, input): tokens are all dimensions but the last. Biases (1-D)
    add no products.
    """
    tokens = math.prod(input_shape[:-1])
    matrices = [w for w in weights if len(w) == 2]
    return tokens * sum(rows * cols for rows, cols in matrices), tokens * sum(rows for rows, _ in matrices)


def cell_counts(input_shape: Shape, weight_ih: Shape, weight_hh: Shape) -> tuple[int, int]:
    """One step of an RNNCell/LSTMCell/GRUCell: the input and hidden products of every gate, what
    fvcore counts as the cell's two ``linear`` calls."""
    return recurrent_counts(input_shape, [weight_ih, weight_hh])


@dataclass(frozen=True)
class Argument:
    """One argument a rule's formula takes: its position in the operator's call and its keyword name
    (a call may pass it either way), read as a ``shape`` (a tensor's), an ``int`` (a plain value) or
    ``weights`` (the shapes of the call's last list of tensors: a recurrent layer's flat weights,
    after the hidden state, itself a list for an LSTM)."""

    position: int
    name: str
    kind: Literal["shape", "int", "weights"] = "shape"


@dataclass(frozen=True)
class Rule:
    """A counting rule as data: the arguments, in the formula's order, and the formula, which returns
    (MACs, or MACs by operator; activations). Each engine has one adapter that reads the arguments
    off what it sees (``engines/fvcore.py`` off the TorchScript graph, ``engines/meta_ops.py`` off the
    dispatched call), so no rule's argument reading is written twice."""

    arguments: tuple[Argument, ...]
    formula: Callable[..., tuple[int | dict[str, int], int]]


_WEIGHTS = Argument(-1, "params", "weights")
RULES: dict[str, Rule] = {
    **dict.fromkeys(ATTENTION_OPS, Rule((Argument(0, "query"), Argument(1, "key"), Argument(2, "value")),
                                        attention_counts)),
    "baddbmm": Rule((Argument(1, "batch1"), Argument(2, "batch2")), baddbmm_counts),
    **dict.fromkeys(RECURRENT_OPS, Rule((Argument(0, "input"), _WEIGHTS), recurrent_counts)),
    "_native_multi_head_attention": Rule(
        (Argument(0, "query"), Argument(1, "key"), Argument(4, "num_head", "int"), Argument(5, "qkv_weight"),
         Argument(7, "proj_weight")), fused_attention_counts),
    "_transformer_encoder_layer_fwd": Rule(
        (Argument(0, "src"), Argument(2, "num_heads", "int"), Argument(3, "qkv_weight"), Argument(5, "proj_weight"),
         Argument(14, "ffn_weight_1"), Argument(16, "ffn_weight_2")), fused_encoder_counts),
}


def apply(op: str, rule: Rule, read: Callable[[Argument], Any]) -> tuple[dict[str, int], int]:
    """``rule``'s (MACs by operator, activations), its arguments read by an engine's adapter ``read``;
    MACs given as one number are the operator's own."""
    macs, activations = rule.formula(*(read(argument) for argument in rule.arguments))
    return (macs if isinstance(macs, dict) else {op: macs}), activations


def extension_notes(ops: Iterable[str]) -> list[str]:
    """One note naming the operators of ``ops`` counted by archstat's rules, none if there are none."""
    ours = sorted(set(ops) & EXTENSION_OPS)
    if not ours:
        return []
    named = ", ".join(f"{op} ({_rule(op)} rule)" for op in ours)
    return [f"MACs counted by archstat's own rules, where fvcore has no counter (matrix products only; "
            f"docs/conventions.md): {named}."]


def _rule(op: str) -> str:
    return "attention" if op in ATTENTION_OPS else "recurrent" if op in RECURRENT_OPS else "batched-product"


@contextmanager
def composite_attention() -> Iterator[None]:
    """Turn off torch's fused fast path of MultiheadAttention and the transformer encoder while
    counting, so the trace holds the products (projections, attention, feed-forward) that both
    engines count instead of one fused kernel; torch's setting is restored on exit."""
    enabled = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        torch.backends.mha.set_fastpath_enabled(enabled)
