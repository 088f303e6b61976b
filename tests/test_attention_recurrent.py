"""Attention and recurrent layers: counted as their matrix products (archstat's rules where fvcore
has none), the same on both engines and in both modes, each pinned to a hand calculation written
out here or to fvcore's own counters on the unfused computation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from fvcore.nn import FlopCountAnalysis
from torch import nn

from archstat.analysis.counting import analyze
from archstat.engines import extra_counters
from archstat.engines import fvcore as _fvcore
from archstat.engines import meta as _meta
from archstat.engines.contract import Counts


class Call(nn.Module):
    """``forward(x)`` is ``fn(layers, x)``: a layer called with the arguments a test needs."""

    def __init__(self, fn: Callable[..., torch.Tensor], *layers: nn.Module) -> None:
        super().__init__()
        self.layers, self.fn = nn.ModuleList(layers), fn

    def forward(self, x: torch.Tensor) -> Any:
        return self.fn(self.layers, x)


def counted(model: nn.Module, shape: tuple[int, ...]) -> Counts:
    """Count ``model`` on both engines in eval and in train mode (under no_grad, as archstat
    counts); every count must agree, and the fvcore engine's eval-mode counts are returned."""
    results = []
    for training in (False, True):
        model.train(training)
        for engine in (_fvcore, _meta):
            with torch.no_grad():
                results.append(engine.count(model, (torch.rand(shape),)))
    model.eval()
    first = results[0]
    for other in results[1:]:
        assert other.macs == first.macs and other.activations == first.activations
    return first


def fvcore_total(model: nn.Module, *inputs: torch.Tensor) -> int:
    """fvcore used directly, with only its own counters (it warns about operators it skips)."""
    analysis = FlopCountAnalysis(model, inputs)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    return int(analysis.total())


# Attention.

def attention(batch_heads: int, length: int, source: int, depth: int, value_depth: int) -> int:
    """Q·Kᵀ (L x E by E x S) and weights·V (L x S by S x Ev) per batch element and head."""
    return batch_heads * (length * depth * source + length * source * value_depth)


def sdpa(fn: Callable[[torch.Tensor], torch.Tensor]) -> nn.Module:
    return Call(lambda _layers, x: fn(x))


SDPA_CASES = {
    "plain": (lambda x: F.scaled_dot_product_attention(x, x[:, :, :7], x[:, :, :7, :6]), (2, 3, 9, 8),
              attention(2 * 3, 9, 7, 8, 6)),
    "mask": (lambda x: F.scaled_dot_product_attention(x, x, x, attn_mask=torch.ones(9, 9, device=x.device)),
             (2, 3, 9, 8), attention(2 * 3, 9, 9, 8, 8)),
    "causal-dropout": (lambda x: F.scaled_dot_product_attention(x, x, x, is_causal=True, dropout_p=0.5),
                       (2, 3, 9, 8), attention(2 * 3, 9, 9, 8, 8)),  # masked and dropped products still count
    "gqa": (lambda x: F.scaled_dot_product_attention(x, x[:, :2], x[:, :2], enable_gqa=True), (1, 4, 9, 8),
            attention(4, 9, 9, 8, 8)),  # 4 query heads, each against one of 2 key heads
    "broadcast-batch": (lambda x: F.scaled_dot_product_attention(x, x[:1], x[:1]), (3, 2, 9, 8),
                        attention(3 * 2, 9, 9, 8, 8)),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_scaled_dot_product_attention_counts_its_two_products(case: str) -> None:
    fn, shape, expected = SDPA_CASES[case]
    counts = counted(sdpa(fn), shape)
    assert counts.macs[""] == {"scaled_dot_product_attention": expected}
    assert "scaled_dot_product_attention" not in counts.uncounted[""]


def test_scaled_dot_product_attention_equals_explicit_matmuls_in_fvcore() -> None:
    """The same attention written with matmul, which fvcore counts by itself."""
    def explicit(_layers: Any, x: torch.Tensor) -> torch.Tensor:
        key = x[:, :2].repeat_interleave(2, dim=1)  # grouped-query attention made explicit
        weights = torch.matmul(x, key.transpose(-2, -1)).softmax(-1)
        return torch.matmul(weights, key[..., :6])

    x = torch.rand(1, 4, 9, 8)
    grouped = sdpa(lambda x: F.scaled_dot_product_attention(x, x[:, :2], x[:, :2, :, :6], enable_gqa=True))
    assert sum(counted(grouped, x.shape).macs[""].values()) == fvcore_total(Call(explicit), x)


def projections(queries: int, keys: int, embed: int, kdim: int, vdim: int) -> int:
    """MultiheadAttention's in-projections of queries, keys and values, and its out-projection."""
    return queries * embed * embed + keys * (kdim + vdim) * embed + queries * embed * embed


def mha(need_weights: bool, batch_first: bool, kdim: int | None = None, vdim: int | None = None,
        mask: bool = False) -> nn.Module:
    """Self-attention on x, or with kdim/vdim attention to keys and values of 7 positions."""
    layer = nn.MultiheadAttention(16, 2, batch_first=batch_first, kdim=kdim, vdim=vdim)

    def call(layers: Any, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0] if batch_first else x.shape[1]
        other = (batch, 7) if batch_first else (7, batch)
        key = x if kdim is None else torch.ones(*other, kdim, device=x.device)
        value = x if vdim is None else torch.ones(*other, vdim, device=x.device)
        attn_mask = torch.ones(5, 5, device=x.device).bool().triu(1) if mask else None  # causal
        return layers[0](x, key, value, need_weights=need_weights, attn_mask=attn_mask)[0]

    return Call(call, layer)


# Batch 2, 5 queries, embedding 16 in 2 heads of 8.
MHA_CASES = {
    "self-batch-first": (dict(need_weights=False, batch_first=True), (2, 5, 16),
                         {"linear": projections(10, 10, 16, 16, 16), "scaled_dot_product_attention":
                          attention(2 * 2, 5, 5, 8, 8)}),
    "self-sequence-first-weights": (dict(need_weights=True, batch_first=False), (5, 2, 16),
                                    {"linear": projections(10, 10, 16, 16, 16), "bmm": attention(2 * 2, 5, 5, 8, 8)}),
    "kdim-vdim": (dict(need_weights=True, batch_first=True, kdim=6, vdim=4), (2, 5, 16),
                  {"linear": projections(10, 14, 16, 6, 4), "bmm": attention(2 * 2, 5, 7, 8, 8)}),
    "kdim-vdim-no-weights": (dict(need_weights=False, batch_first=False, kdim=6, vdim=4), (5, 2, 16),
                             {"linear": projections(10, 14, 16, 6, 4),
                              "scaled_dot_product_attention": attention(2 * 2, 5, 7, 8, 8)}),
    # With a mask and weights asked for, torch adds the mask in the product itself (baddbmm).
    "mask-weights": (dict(need_weights=True, batch_first=True, mask=True), (2, 5, 16),
                     {"linear": projections(10, 10, 16, 16, 16), "baddbmm": 2 * 2 * 5 * 8 * 5,
                      "bmm": 2 * 2 * 5 * 5 * 8}),
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_counts_projections_and_products(case: str) -> None:
    options, shape, expected = MHA_CASES[case]
    assert counted(mha(**options), shape).macs[""] == expected


def test_fused_fast_path_counts_as_fvcore_counts_the_unfused_layer() -> None:
    """fvcore alone counts MultiheadAttention with weights in train mode (linear and bmm only):
    archstat's count of the layer in eval mode, where torch would take its fused kernel, is equal."""
    model = mha(need_weights=True, batch_first=True).eval()
    x = torch.rand(2, 5, 16)
    reference = fvcore_total(mha(need_weights=True, batch_first=True).train(), x)
    with torch.no_grad():
        assert sum(_fvcore.count(model, (x,)).macs[""].values()) == reference
        assert torch.backends.mha.get_fastpath_enabled()  # torch's setting is back after counting


def encoder_layer(tokens: int, pairs: int, embed: int, feedforward: int) -> Counter[str]:
    """A post-norm encoder layer: self-attention, two layer norms (5 MACs per element, fvcore's
    affine norm) and the feed-forward pair of linears. ``pairs``: batch*heads*L*S."""
    head = embed // 2
    return Counter({"linear": projections(tokens, tokens, embed, embed, embed) + 2 * tokens * embed * feedforward,
                    "scaled_dot_product_attention": pairs * 2 * head, "layer_norm": 2 * 5 * tokens * embed})


def decoder_layer(tokens: int, memory: int, self_pairs: int, cross_pairs: int, embed: int,
                  feedforward: int) -> Counter[str]:
    """Self-attention, attention to the memory, feed-forward, three layer norms."""
    head = embed // 2
    linear = (projections(tokens, tokens, embed, embed, embed) + projections(tokens, memory, embed, embed, embed)
              + 2 * tokens * embed * feedforward)
    return Counter({"linear": linear, "scaled_dot_product_attention": (self_pairs + cross_pairs) * 2 * head,
                    "layer_norm": 3 * 5 * tokens * embed})


def test_transformer_encoder_layer() -> None:
    counts = counted(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), (2, 5, 16))
    assert counts.macs[""] == encoder_layer(tokens=10, pairs=2 * 2 * 5 * 5, embed=16, feedforward=32)
    # By hand: in-projection 10*16*48, out-projection 10*16*16, feed-forward 2*10*16*32.
    assert counts.macs[""]["linear"] == 7680 + 2560 + 10240


def test_transformer_encoder_with_padding_mask() -> None:
    """In eval mode torch would pack the unmasked tokens into a nested tensor; archstat counts every
    position, as the layer computes them in train mode."""
    padding = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    stack = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2)
    counts = counted(Call(lambda layers, x: layers[0](x, src_key_padding_mask=padding.to(x.device)), stack),
                     (2, 5, 16))
    layer = encoder_layer(10, 2 * 2 * 5 * 5, 16, 32)
    assert counts.macs[""] == layer + layer


def test_transformer_decoder_layer() -> None:
    layer = nn.TransformerDecoderLayer(16, 2, 32)  # sequence first: (3 targets, batch 2), memory of 5
    counts = counted(Call(lambda layers, x: layers[0](x[:3], x), layer), (5, 2, 16))
    assert counts.macs[""] == decoder_layer(6, 10, 2 * 2 * 3 * 3, 2 * 2 * 3 * 5, 16, 32)


def test_small_transformer() -> None:
    model = nn.Transformer(16, 2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=32,
                           batch_first=True)
    counts = counted(Call(lambda layers, x: layers[0](x, x[:, :3]), model), (2, 5, 16))
    final_norms = Counter({"layer_norm": 5 * (10 + 6) * 16})  # after the encoder and after the decoder
    encoder = encoder_layer(10, 2 * 2 * 5 * 5, 16, 32)
    expected = encoder + encoder + decoder_layer(6, 10, 2 * 2 * 3 * 3, 2 * 2 * 3 * 5, 16, 32) + final_norms
    assert counts.macs[""] == expected
    assert counts.macs["layers.0.encoder.layers.1.self_attn"] == {"linear": projections(10, 10, 16, 16, 16),
                                                                  "scaled_dot_product_attention": 2 * 2 * 5 * 5 * 16}


# Recurrent layers: per token, every gate's input product and hidden product.

def lstm(inputs: int, hidden: int, proj: int = 0) -> int:
    """One LSTM layer and direction, per token: 4 gates of input and hidden products, the hidden
    product from the projection's size when there is one, and the projection itself."""
    recurrent = proj or hidden
    return 4 * (inputs * hidden + recurrent * hidden) + proj * hidden


RECURRENT_CASES = {
    "lstm": (lambda: nn.LSTM(10, 20), (5, 3, 10), {"lstm": 4 * (10 * 20 + 20 * 20) * 5 * 3}),
    "lstm-unbatched": (lambda: nn.LSTM(10, 20), (5, 10), {"lstm": lstm(10, 20) * 5}),
    "lstm-batch-first-no-bias": (lambda: nn.LSTM(10, 20, batch_first=True, bias=False), (3, 5, 10),
                                 {"lstm": lstm(10, 20) * 15}),
    "lstm-bidirectional": (lambda: nn.LSTM(10, 20, bidirectional=True), (5, 3, 10), {"lstm": 2 * lstm(10, 20) * 15}),
    "lstm-two-layers": (lambda: nn.LSTM(10, 20, num_layers=2), (5, 3, 10),
                        {"lstm": (lstm(10, 20) + lstm(20, 20)) * 15}),
    "lstm-two-layers-bidirectional": (lambda: nn.LSTM(10, 20, num_layers=2, bidirectional=True), (5, 3, 10),
                                      {"lstm": 2 * (lstm(10, 20) + lstm(2 * 20, 20)) * 15}),
    "lstm-projection": (lambda: nn.LSTM(10, 20, proj_size=5, num_layers=2), (5, 3, 10),
                        {"lstm": (4 * (10 * 20 + 5 * 20) + 20 * 5 + 4 * (5 * 20 + 5 * 20) + 20 * 5) * 15}),
    "gru": (lambda: nn.GRU(10, 20, num_layers=2), (5, 3, 10),
            {"gru": 3 * (10 * 20 + 20 * 20 + 20 * 20 + 20 * 20) * 15}),
    "rnn-tanh": (lambda: nn.RNN(10, 20, bidirectional=True), (5, 3, 10), {"rnn_tanh": 2 * (10 * 20 + 20 * 20) * 15}),
    "rnn-relu": (lambda: nn.RNN(10, 20, nonlinearity="relu"), (5, 3, 10), {"rnn_relu": (10 * 20 + 20 * 20) * 15}),
    # Cells: fvcore traces a step as its two linear products; the meta engine counts the same.
    "lstm-cell": (lambda: nn.LSTMCell(10, 20), (3, 10), {"linear": 4 * (10 * 20 + 20 * 20) * 3}),
    "lstm-cell-unbatched": (lambda: nn.LSTMCell(10, 20), (10,), {"linear": 4 * (10 * 20 + 20 * 20)}),
    "gru-cell": (lambda: nn.GRUCell(10, 20, bias=False), (3, 10), {"linear": 3 * (10 * 20 + 20 * 20) * 3}),
    "rnn-cell": (lambda: nn.RNNCell(10, 20, nonlinearity="relu"), (3, 10), {"linear": (10 * 20 + 20 * 20) * 3}),
}


@pytest.mark.parametrize("case", list(RECURRENT_CASES))
def test_recurrent_layers_by_hand(case: str) -> None:
    factory, shape, expected = RECURRENT_CASES[case]
    counts = counted(factory(), shape)
    assert counts.macs[""] == expected
    assert not set(counts.uncounted[""]) & (extra_counters.RECURRENT_OPS | extra_counters.CELL_OPS)


def test_packed_sequence_counts_the_real_tokens() -> None:
    """Lengths 5, 4 and 2 in a batch of 3: 11 tokens pass the LSTM, not 15."""
    def packed(layers: Any, x: torch.Tensor) -> torch.Tensor:
        return layers[0](nn.utils.rnn.pack_padded_sequence(x, torch.tensor([5, 4, 2])))[0].data

    assert counted(Call(packed, nn.LSTM(10, 20)), (5, 3, 10)).macs[""] == {"lstm": lstm(10, 20) * 11}


def test_cells_count_what_fvcore_counts_alone() -> None:
    """fvcore counts a cell's traced linear calls itself: the meta engine's formula gives the same."""
    for cell in (nn.LSTMCell(10, 20), nn.GRUCell(10, 20), nn.RNNCell(10, 20)):
        x = torch.rand(3, 10)
        with torch.no_grad():
            assert sum(_meta.count(cell, (x,)).macs[""].values()) == fvcore_total(cell, x)


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_report_names_archstat_rules(engine: str) -> None:
    model = Call(lambda layers, x: F.scaled_dot_product_attention(x, x, x) + layers[0](x)[0].sum(),
                 nn.LSTM(10, 20, batch_first=True))
    report = analyze(model, input_size=(5, 10), engine=engine)
    assert report.totals["macs"] == 5 * 5 * (10 + 10) + lstm(10, 20) * 5
    assert report.totals["uncounted_ops"] == ["add", "sum"]
    assert any("lstm (recurrent rule)" in note and "scaled_dot_product_attention (attention rule)" in note
               for note in report.notes)


def test_fused_kernels_called_directly_count_as_their_layers() -> None:
    """torch's fused kernels, which counting keeps torch itself from calling, count as the unfused
    layers when a forward calls them: the same MACs by operator and activations."""
    attention_layer = nn.MultiheadAttention(16, 2, batch_first=True)
    fused_attention = Call(lambda layers, x: torch._native_multi_head_attention(
        x, x, x, 16, 2, layers[0].in_proj_weight, layers[0].in_proj_bias, layers[0].out_proj.weight,
        layers[0].out_proj.bias, need_weights=False)[0], attention_layer)
    unfused_attention = Call(lambda layers, x: layers[0](x, x, x, need_weights=False)[0], attention_layer)
    encoder = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
    sa, norms = encoder.self_attn, (encoder.norm1, encoder.norm2)
    fused_encoder = Call(lambda layers, x: torch._transformer_encoder_layer_fwd(
        x, 16, 2, sa.in_proj_weight, sa.in_proj_bias, sa.out_proj.weight, sa.out_proj.bias, False, False, 1e-5,
        norms[0].weight, norms[0].bias, norms[1].weight, norms[1].bias, encoder.linear1.weight,
        encoder.linear1.bias, encoder.linear2.weight, encoder.linear2.bias, None, None), encoder)
    for fused, unfused in ((fused_attention, unfused_attention), (fused_encoder, encoder)):
        fused_counts, unfused_counts = counted(fused, (2, 5, 16)), counted(unfused, (2, 5, 16))
        assert fused_counts.macs[""] == unfused_counts.macs[""]
        assert fused_counts.activations[""] == unfused_counts.activations[""]
