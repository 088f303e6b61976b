"""One name per uncounted operator, whichever engine listed it.

The report lists the operators no MAC formula counts; it must not depend on the engine. fvcore's
trace and the meta engine's ``TorchFunctionMode`` see the same forward at two levels, so each
engine's raw names go through ``canonical`` here:

- an in-place form is listed under its plain name (``sigmoid_`` as ``sigmoid``): the trace records
  ``sigmoid_`` inside an LSTM cell where a Python forward calls ``torch.sigmoid``;
- ``unsafe_chunk`` / ``unsafe_split`` are ``chunk`` / ``split``, which fvcore drops (``FVCORE_IGNORED``);
- a cell's step (``lstm_cell``...), one call to the meta engine, is to the tracer the element-wise
  operators it is made of: ``STEP_OPERATORS`` lists them, as the trace of torch 2.x records them;
- size arithmetic (``embed_dim // num_heads`` in ``nn.MultiheadAttention``, a recomputed
  interpolation size, ``x.numel()`` in a product) is Python numbers to the meta engine and tensors
  of sizes to the tracer: it is no operator on data, and the fvcore engine leaves it out
  (``engines.fvcore``).
"""

from __future__ import annotations

from collections import Counter

from .meta_ops import FVCORE_IGNORED

_SAME_AS = {"unsafe_chunk": "chunk", "unsafe_split": "split", "unsafe_split_with_sizes": "split_with_sizes",
            "type": "to"}

# One step of each cell, by canonical name (read off fvcore's trace of nn.LSTMCell, nn.GRUCell and
# nn.RNNCell; the projections are counted as `linear`, the relu of rnn_relu_cell is ignored).
STEP_OPERATORS: dict[str, Counter[str]] = {
    "lstm_cell": Counter({"add": 2, "mul": 3, "sigmoid": 3, "tanh": 2}),
    "gru_cell": Counter({"add": 4, "mul": 2, "sigmoid": 2, "sub": 1, "tanh": 1}),
    "rnn_tanh_cell": Counter({"add": 1, "tanh": 1}),
    "rnn_relu_cell": Counter({"add": 1}),
}


def canonical(name: str) -> str | None:
    """The name an uncounted operator is listed under; None for one fvcore drops without a word."""
    if name in FVCORE_IGNORED:
        return None
    plain = name[:-1] if name.endswith("_") and not name.endswith("__") else name
    plain = _SAME_AS.get(plain, plain)
    return None if plain in FVCORE_IGNORED else plain


def canonical_counter(raw: Counter[str] | dict[str, int]) -> Counter[str]:
    """``raw`` operator counts under their canonical names, dropped ones left out."""
    named: Counter[str] = Counter()
    for name, count in raw.items():
        if (plain := canonical(name)) is not None:
            named[plain] += count
    return named
