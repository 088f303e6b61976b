"""MACs of the backward pass, as torch's ``FlopCounterMode`` counts a real one (its FLOPs / 2).

torch counts only the gradient products of convolutions and matrix products (its flop registry:
``convolution_backward``, ``mm``, ``bmm`` and the fused attention kernels' backward); every other
operator's gradient (batch norm, pooling, activations, additions) counts nothing. For a step
``loss = f(x).sum(); loss.backward()`` with an input that needs no gradient, per forward call:

- convolution (``convolution_backward``, by its output mask): the input's gradient costs the
  forward's MACs when the input needs a gradient (not for the first layer); the weight's gradient
  costs the forward's MACs times ``groups`` when the weight is trainable. The factor is torch's:
  it counts the weight gradient as one dense convolution over all input channels, so a depthwise
  layer's weight gradient counts ``channels`` times its forward;
- matrix products (``linear``, ``addmm``, ``mm``, ``bmm``, ``baddbmm``, ``matmul``, two-operand
  ``einsum``): one product the size of the forward's per operand that needs a gradient (a matrix
  times a vector is ``mv``, which torch does not count; an einsum with nothing to contract is a
  multiplication);
- ``scaled_dot_product_attention``: torch's rule for the fused kernels' backward, when any of
  query, key or value needs a gradient: the scores recomputed and four gradient products,
  ``batch * heads * Lq * Lk * (3 * Eq + 2 * Ev)``.

Which tensors need a gradient the meta pass decides as autograd would (``needs_gradient``): a
trainable parameter does, and so does every floating-point result of a call with such an input,
except results made "like" a tensor (``zeros_like``, ``new_zeros``) and ``detach``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from torch import Tensor

Args = tuple[Any, ...]
Kwargs = dict[str, Any]
Needs = Callable[[Any], bool]  # does this argument (a tensor, or anything else) need a gradient?
Rule = Callable[[Args, Kwargs, Any, Needs], int]

# Calls whose results never need a gradient, whatever their inputs: new tensors shaped like one.
_NO_GRADIENT = frozenset({"detach", "detach_", "zeros_like", "ones_like", "empty_like", "full_like",
                          "rand_like", "randn_like", "randint_like", "new_zeros", "new_ones", "new_empty",
                          "new_full", "new_tensor"})
# Calls whose backward runs matrix products that no rule here follows: listed, never silently zero.
NO_RULE = frozenset({"lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell",
                     "rnn_relu_cell"})


def carries_gradient(func: Any, result: Tensor) -> bool:
    """Whether ``result`` of ``func`` needs a gradient when one of the call's inputs does."""
    floating = result.is_floating_point() or result.is_complex()
    return floating and _name(func) not in _NO_GRADIENT


def backward_macs(func: Any, args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
    """MACs torch counts in the backward of this forward call (0 for calls it counts none for)."""
    rule = _RULES.get(_name(func))
    return rule(args, kwargs, out, needs) if rule is not None and isinstance(out, Tensor) else 0


def has_no_rule(func: Any, args: Args, kwargs: Kwargs) -> bool:
    """A call whose backward holds products no rule here counts: recurrent layers, and an einsum
    of other than two operands or with an ellipsis."""
    if _name(func) == "einsum":
        return not _two_operands(args, kwargs)
    return _name(func) in NO_RULE


def _two_operands(args: Args, kwargs: Kwargs) -> bool:
    equation, operands = str(_arg(args, kwargs, 0, "equation")), _arg(args, kwargs, 1, "tensors")
    return "..." not in equation and isinstance(operands, (list, tuple)) and len(operands) == 2


def _name(func: Any) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


def _arg(args: Args, kwargs: Kwargs, pos: int, name: str) -> Any:
    return kwargs[name] if name in kwargs else (args[pos] if len(args) > pos else None)


def _shape(value: Any) -> list[int]:
    return [int(d) for d in value.shape]


def _conv(transposed: bool | None) -> Rule:
    """Input gradient: the forward's MACs; weight gradient: the forward's MACs times groups (torch
    counts it as a convolution over all input channels). ``None``: argument 6 says if transposed."""
    def rule(args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
        flag = bool(_arg(args, kwargs, 6, "transposed")) if transposed is None else transposed
        x, weight = args[0], _arg(args, kwargs, 1, "weight")
        xs, ws, ys = _shape(x), _shape(weight), _shape(out)
        if len(xs) < len(ws):  # an unbatched input is convolved as a batch of one
            xs, ys = [1, *xs], [1, *ys]
        forward = xs[0] * math.prod(ws) * math.prod((xs if flag else ys)[2:])
        # a weight is (out, in / groups, ...), transposed (in, out / groups, ...)
        groups = (ys[1] if flag else xs[1]) // ws[1]
        return forward * needs(x) + forward * groups * needs(weight)
    return rule


def _products(forward: int, *operands: Any, needs: Needs) -> int:
    """One product the size of the forward's per operand that needs a gradient."""
    return forward * sum(bool(needs(t)) for t in operands)


def _linear(args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
    x, weight = args[0], _arg(args, kwargs, 1, "weight")
    return _products(math.prod(_shape(x)) * _shape(weight)[0], x, weight, needs=needs)


def _addmm(a_pos: int) -> Rule:
    """addmm / baddbmm (a_pos 1) and mm / bmm (a_pos 0): batch * rows * inner * columns."""
    def rule(args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
        a, b = args[a_pos], args[a_pos + 1] if len(args) > a_pos + 1 else next(iter(kwargs.values()))
        return _products(math.prod(_shape(a)) * _shape(b)[-1], a, b, needs=needs)
    return rule


def _matmul(args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
    """torch.matmul as torch runs it: a vector second operand, or a vector times a batch of
    matrices, makes dot or mv, which count nothing; otherwise an mm or a bmm of the broadcast
    batch, output elements times the inner size."""
    a, b = args[0], args[1] if len(args) > 1 else next(iter(kwargs.values()))
    if b.dim() == 1 or (a.dim() == 1 and b.dim() > 2):  # dot or mv (a batch folded into mv)
        return 0
    return _products(out.numel() * _shape(a)[-1], a, b, needs=needs)


def _einsum(args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
    """Two operands: torch contracts them as one bmm of every kept index; nothing to contract is a
    multiplication."""
    equation = str(_arg(args, kwargs, 0, "equation")).replace(" ", "")
    operands = _arg(args, kwargs, 1, "tensors")
    if not _two_operands(args, kwargs):
        return 0  # listed by has_no_rule
    inputs, output = equation.split("->") if "->" in equation else (equation, "")
    left, right = inputs.split(",")
    sizes = {**dict(zip(left, _shape(operands[0]), strict=True)), **dict(zip(right, _shape(operands[1]), strict=True))}
    contracted = (set(left) & set(right)) - set(output)
    if not contracted:
        return 0
    kept = (set(left) & (set(right) | set(output))) | (set(right) & set(output))
    return _products(math.prod(sizes[k] for k in kept), *operands, needs=needs)


def _attention(args: Args, kwargs: Kwargs, out: Any, needs: Needs) -> int:
    """torch's sdpa_backward_flop_count: scores recomputed, then grad of scores, V, Q and K."""
    q, k, v = args[0], _arg(args, kwargs, 1, "key"), _arg(args, kwargs, 2, "value")
    if not (needs(q) or needs(k) or needs(v)):
        return 0
    heads, lq, eq = math.prod(_shape(q)[:-2]), _shape(q)[-2], _shape(q)[-1]
    return heads * lq * _shape(k)[-2] * (3 * eq + 2 * _shape(v)[-1])


_RULES: dict[str, Rule] = {
    **{f"conv{n}d": _conv(False) for n in (1, 2, 3)},
    **{f"conv_transpose{n}d": _conv(True) for n in (1, 2, 3)},
    "convolution": _conv(None), "_convolution": _conv(None),
    "linear": _linear, "addmm": _addmm(1), "baddbmm": _addmm(1), "mm": _addmm(0), "bmm": _addmm(0),
    "matmul": _matmul, "einsum": _einsum, "scaled_dot_product_attention": _attention,
}
