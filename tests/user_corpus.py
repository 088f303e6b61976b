"""Users' own models, written for archstat's tests: torch.nn's catalogue and the patterns users write.

Each entry is a module-level factory (so the command line takes it as ``tests/user_corpus.py:NAME``)
and an ``Entry`` saying how to feed it and what it must give: MACs pinned to a hand calculation
(``macs``, the arithmetic written out), or to fvcore's ``FlopCountAnalysis`` used directly on the
same module (``macs=None``, the second method), or an ``ArchstatError`` whose message contains
``error``. Shapes are tiny: the whole corpus runs in seconds.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune


@dataclass(frozen=True)
class Entry:
    """How to feed one corpus model and what it must give (see the module docstring)."""

    name: str
    inputs: tuple[str, ...]
    macs: int | None = None  # a hand calculation; None: fvcore's FlopCountAnalysis, used directly
    forward_kwargs: dict[str, Any] | None = None
    error: str | None = None  # part of the ArchstatError message expected (on ``error_engines``)
    error_engines: tuple[str, ...] = ("fvcore", "meta")
    direct: bool = True  # fvcore's FlopCountAnalysis can run on it (positional tensors, traceable output)

    @property
    def build(self) -> Callable[[], nn.Module]:
        return globals()[self.name]


def _seeded(make: Callable[[], nn.Module]) -> nn.Module:
    torch.manual_seed(0)
    return make()


# --- convolutions -------------------------------------------------------------------------------


def conv1d() -> nn.Module:
    return nn.Sequential(nn.Conv1d(2, 4, 3))


def conv2d() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3, groups=2, bias=False))


def conv3d() -> nn.Module:
    return nn.Sequential(nn.Conv3d(2, 3, 3))


def conv_transpose1d() -> nn.Module:
    return nn.Sequential(nn.ConvTranspose1d(2, 3, 3, stride=2))


def conv_transpose2d() -> nn.Module:
    return nn.Sequential(nn.ConvTranspose2d(3, 4, 3))


def conv_transpose3d() -> nn.Module:
    return nn.Sequential(nn.ConvTranspose3d(2, 2, 2, stride=2))


# --- pooling ------------------------------------------------------------------------------------


def pool1d() -> nn.Module:
    return nn.Sequential(nn.Conv1d(2, 2, 1), nn.MaxPool1d(2), nn.AvgPool1d(2), nn.LPPool1d(2, 2),
                         nn.AdaptiveMaxPool1d(2), nn.AdaptiveAvgPool1d(1))


def pool2d() -> nn.Module:
    return nn.Sequential(nn.Conv2d(2, 2, 1), nn.MaxPool2d(2), nn.AvgPool2d(2, stride=1), nn.LPPool2d(2, 2),
                         nn.FractionalMaxPool2d(2, output_size=(3, 3)), nn.AdaptiveMaxPool2d(2),
                         nn.AdaptiveAvgPool2d(1))


def pool3d() -> nn.Module:
    return nn.Sequential(nn.Conv3d(2, 2, 1), nn.MaxPool3d(2), nn.AvgPool3d(2, stride=1), nn.LPPool3d(2, 1),
                         nn.FractionalMaxPool3d(2, output_size=(2, 2, 2)), nn.AdaptiveMaxPool3d(2),
                         nn.AdaptiveAvgPool3d(1))


class Unpool(nn.Module):
    """Max pooling with indices and its inverse in 1, 2 and 3 dimensions (three inputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)
        self.pools = nn.ModuleList([nn.MaxPool1d(2, return_indices=True), nn.MaxPool2d(2, return_indices=True),
                                    nn.MaxPool3d(2, return_indices=True)])
        self.unpools = nn.ModuleList([nn.MaxUnpool1d(2), nn.MaxUnpool2d(2), nn.MaxUnpool3d(2)])

    def forward(self, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = []
        for x, pool, unpool in zip((a, self.conv(b), c), self.pools, self.unpools, strict=True):
            values, indices = pool(x)
            outs.append(unpool(values, indices))
        return tuple(outs)


def unpool() -> nn.Module:
    return Unpool()


# --- padding ------------------------------------------------------------------------------------


def padding1d() -> nn.Module:
    return nn.Sequential(nn.Conv1d(2, 2, 1), nn.ZeroPad1d(1), nn.ConstantPad1d(1, 0.5), nn.ReflectionPad1d(1),
                         nn.ReplicationPad1d(1), nn.CircularPad1d(1))


def padding2d() -> nn.Module:
    return nn.Sequential(nn.Conv2d(2, 2, 1), nn.ZeroPad2d(1), nn.ConstantPad2d(1, 0.5), nn.ReflectionPad2d(1),
                         nn.ReplicationPad2d(1), nn.CircularPad2d(1))


def padding3d() -> nn.Module:
    return nn.Sequential(nn.Conv3d(2, 2, 1), nn.ZeroPad3d(1), nn.ConstantPad3d(1, 0.5), nn.ReflectionPad3d(1),
                         nn.ReplicationPad3d(1), nn.CircularPad3d(1))


# --- normalisation ------------------------------------------------------------------------------


def norm1d() -> nn.Module:
    return nn.Sequential(nn.Conv1d(4, 4, 1), nn.BatchNorm1d(4), nn.InstanceNorm1d(4, affine=True),
                         nn.GroupNorm(2, 4), nn.LayerNorm(6), nn.RMSNorm(6), nn.LocalResponseNorm(2))


def norm2d() -> nn.Module:
    return nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4), nn.SyncBatchNorm(4), nn.InstanceNorm2d(4),
                         nn.GroupNorm(4, 4), nn.LayerNorm([5, 5]), nn.LocalResponseNorm(3))


def cross_map_lrn() -> nn.Module:
    """The legacy LRN, an autograd Function: fvcore's trace sees one PythonOp where the meta pass sees the
    operators inside; neither has MACs, so only the lists of uncounted operators differ."""
    return nn.Sequential(nn.Conv2d(4, 4, 1), nn.CrossMapLRN2d(3))


def norm3d() -> nn.Module:
    return nn.Sequential(nn.Conv3d(2, 2, 1), nn.BatchNorm3d(2), nn.InstanceNorm3d(2, track_running_stats=True))


def batchnorm() -> nn.Module:
    """A convolution and its BatchNorm, counted in train mode too (statistics of the batch)."""
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


# --- activations and dropout --------------------------------------------------------------------


def activations() -> nn.Module:
    return nn.Sequential(
        nn.Linear(8, 8), nn.ReLU(), nn.ReLU6(), nn.LeakyReLU(), nn.PReLU(), nn.RReLU(), nn.ELU(), nn.CELU(),
        nn.SELU(), nn.GELU(), nn.SiLU(), nn.Mish(), nn.Sigmoid(), nn.LogSigmoid(), nn.Hardsigmoid(),
        nn.Hardswish(), nn.Hardtanh(), nn.Hardshrink(), nn.Softshrink(), nn.Tanh(), nn.Tanhshrink(),
        nn.Softplus(), nn.Softsign(), nn.Threshold(0.1, 0.0), nn.Softmax(dim=1), nn.Softmin(dim=1),
        nn.LogSoftmax(dim=1), nn.GLU(), nn.Unflatten(1, (1, 2, 2)), nn.Softmax2d())


def dropout() -> nn.Module:
    return nn.Sequential(nn.Conv2d(2, 4, 1), nn.Dropout(), nn.Dropout2d(), nn.AlphaDropout(),
                         nn.FeatureAlphaDropout(), nn.Unflatten(2, (1, 3)), nn.Dropout3d(), nn.Flatten(2),
                         nn.Dropout1d())


# --- linear, embedding, reshaping -----------------------------------------------------------------


class BilinearNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bilinear, self.identity, self.linear = nn.Bilinear(3, 4, 5), nn.Identity(), nn.Linear(5, 2)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.linear(self.identity(self.bilinear(a, b)))


def bilinear() -> nn.Module:
    return BilinearNet()


def embedding() -> nn.Module:
    return nn.Sequential(nn.Embedding(20, 6), nn.Flatten(), nn.Linear(5 * 6, 2))


class BagNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bag, self.fc = nn.EmbeddingBag(20, 6, mode="mean"), nn.Linear(6, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.fc(self.bag(ids))


def embedding_bag() -> nn.Module:
    return BagNet()


def reshaping() -> nn.Module:
    return nn.Sequential(nn.Conv2d(8, 8, 1), nn.PixelShuffle(2), nn.PixelUnshuffle(2), nn.ChannelShuffle(2),
                         nn.Upsample(scale_factor=2), nn.UpsamplingNearest2d(scale_factor=1),
                         nn.UpsamplingBilinear2d(size=(6, 6)), nn.Unfold(2), nn.Fold((6, 6), 2),
                         nn.Flatten(), nn.Unflatten(1, (8, 36)))


class Distances(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc, self.cosine, self.pairwise = nn.Linear(6, 6), nn.CosineSimilarity(), nn.PairwiseDistance()

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.cosine(self.fc(a), b), self.pairwise(self.fc(a), b)


def distances() -> nn.Module:
    return Distances()


# --- recurrent and attention (their counts come from the attention branch) -------------------------


class Recurrent(nn.Module):
    def __init__(self, kind: type[nn.Module]) -> None:
        super().__init__()
        self.rnn, self.fc = kind(4, 5, batch_first=True), nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.rnn(x)[0]
        return self.fc(out[:, -1])


def rnn() -> nn.Module:
    return Recurrent(nn.RNN)


def lstm() -> nn.Module:
    return Recurrent(nn.LSTM)


def gru() -> nn.Module:
    return Recurrent(nn.GRU)


class Cells(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn, self.lstm, self.gru = nn.RNNCell(4, 5), nn.LSTMCell(4, 5), nn.GRUCell(4, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rnn(x) + self.lstm(x)[0] + self.gru(x)


def cells() -> nn.Module:
    return Cells()


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attention(x, x, x, need_weights=False)[0]


def attention() -> nn.Module:
    return Attention()


def encoder() -> nn.Module:
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    return nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, batch_first=True), 1)

    def forward(self, target: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        return self.decoder(target, memory)


def decoder() -> nn.Module:
    return Decoder()


def transformer() -> nn.Module:
    return nn.Transformer(8, 2, 1, 1, 16, batch_first=True)


# --- lazy layers ----------------------------------------------------------------------------------


def lazy1d() -> nn.Module:
    return nn.Sequential(nn.LazyConv1d(3, 3), nn.LazyBatchNorm1d(), nn.LazyInstanceNorm1d(),
                         nn.LazyConvTranspose1d(2, 3), nn.Flatten(), nn.LazyLinear(2))


def lazy2d() -> nn.Module:
    return nn.Sequential(nn.LazyConv2d(3, 3), nn.LazyBatchNorm2d(), nn.LazyInstanceNorm2d(),
                         nn.LazyConvTranspose2d(2, 3))


def lazy3d() -> nn.Module:
    return nn.Sequential(nn.LazyConv3d(2, 2), nn.LazyBatchNorm3d(), nn.LazyInstanceNorm3d(),
                         nn.LazyConvTranspose3d(2, 2))


# --- patterns ---------------------------------------------------------------------------------------


class Shared(nn.Module):
    """One Linear called twice: its parameters count once, its MACs twice."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(F.relu(self.fc(x)))


def shared() -> nn.Module:
    return Shared()


class Tied(nn.Module):
    """A language-model head tied to its embedding (one weight tensor in two modules)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed, self.head = nn.Embedding(20, 6), nn.Linear(6, 20, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(ids))


def tied() -> nn.Module:
    return Tied()


class Containers(nn.Module):
    """A ModuleDict of branches, and a ParameterList and ParameterDict used directly in forward."""

    def __init__(self) -> None:
        super().__init__()
        self.branches = nn.ModuleDict({"a": nn.Linear(4, 3), "b": nn.Linear(4, 3)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(3))])
        self.project = nn.ParameterDict({"w": nn.Parameter(torch.ones(3, 2))})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixed = self.branches["a"](x) * self.scales[0] + self.branches["b"](x) * self.scales[1]
        return mixed @ self.project["w"]


def containers() -> nn.Module:
    return Containers()


class DictOut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, 3), nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"a": self.a(x), "b": self.b(x)}


def dict_output() -> nn.Module:
    return DictOut()


Pair = namedtuple("Pair", ["first", "second"])


class NamedTupleOut(DictOut):
    def forward(self, x: torch.Tensor) -> Pair:  # type: ignore[override]
        return Pair(self.a(x), self.b(x))


def namedtuple_output() -> nn.Module:
    return NamedTupleOut()


class Prediction:
    """A result object of the user's own: tensors as attributes."""

    def __init__(self, logits: torch.Tensor, extra: torch.Tensor) -> None:
        self.logits, self.extra = logits, extra


class CustomOut(DictOut):
    def forward(self, x: torch.Tensor) -> Prediction:  # type: ignore[override]
        return Prediction(self.a(x), self.b(x))


def custom_output() -> nn.Module:
    return CustomOut()


class KeywordInputs(nn.Module):
    """A forward with a keyword tensor and a keyword number."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, scale: float = 1.0) -> torch.Tensor:
        out = self.fc(x) * scale
        return out.masked_fill(mask, 0.0) if mask is not None else out


def keyword_inputs() -> nn.Module:
    return KeywordInputs()


def scripted() -> nn.Module:
    return torch.jit.script(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2)))


def data_parallel() -> nn.Module:
    return nn.DataParallel(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 2)))


def pruned() -> nn.Module:
    """A Linear pruned by torch.nn.utils.prune: weight_orig and weight_mask, and a pre-hook multiplying them."""
    net = nn.Sequential(nn.Linear(6, 4))
    prune.l1_unstructured(net[0], "weight", amount=0.5)
    return net


def frozen() -> nn.Module:
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    net[0].requires_grad_(False)
    return net


class ReadsValues(nn.Module):
    """A forward that branches on a tensor's value: the meta engine has no values to read."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) if bool(x.sum() >= 0) else x


def reads_values() -> nn.Module:
    return ReadsValues()


class Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.fc = nn.Conv2d(3, 4, 3), nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x).flatten(1))


def broken() -> nn.Module:
    return Broken()


def copy_of(entry: Entry) -> nn.Module:
    """A fresh, seeded build of ``entry``'s model (for the second method, never the one under test)."""
    return _seeded(entry.build)


def _self_attention(length: int, width: int = 8, heads: int = 2) -> int:
    """Q, K, V and output projections (L x E x E each) and, per head, Q K^T and A V (L x L x d each)."""
    return 4 * length * width * width + heads * 2 * length * length * (width // heads)


def _cross_attention(queries: int, keys: int, width: int = 8, heads: int = 2) -> int:
    """Q and output projections over the queries, K and V over the keys, Q K^T and A V per head."""
    return 2 * queries * width * width + 2 * keys * width * width + heads * 2 * queries * keys * (width // heads)


def _feed_forward(length: int, width: int = 8, hidden: int = 16) -> int:
    return 2 * length * width * hidden


_SELF_ATTENTION_L3 = _self_attention(3)
_ENCODER_LAYER_L3 = _SELF_ATTENTION_L3 + _feed_forward(3) + 2 * 5 * 3 * 8  # two LayerNorms, 5 per element

# MACs written out: fvcore's conventions (a convolution is output elements x kernel elements x input
# channels per group; a transposed one input elements x kernel elements x output channels; a matrix
# product m x k x n; a linear layer in x out per row).
ENTRIES: list[Entry] = [
    Entry("conv1d", ("2x10",), macs=4 * 8 * (2 * 3)),
    Entry("conv2d", ("3x8x8",), macs=4 * 6 * 6 * (3 * 9) + 4 * 4 * 4 * (2 * 9)),
    Entry("conv3d", ("2x5x5x5",), macs=3 * 3 ** 3 * (2 * 27)),
    Entry("conv_transpose1d", ("2x5",), macs=5 * 3 * (2 * 3)),
    Entry("conv_transpose2d", ("3x5x5",), macs=25 * 4 * (3 * 9)),
    Entry("conv_transpose3d", ("2x2x2x2",)),
    Entry("pool1d", ("2x16",)),
    Entry("pool2d", ("2x20x20",)),
    Entry("pool3d", ("2x12x12x12",)),
    # max_unpool checks its indices with torch._check, which fvcore's tracer rejects: the meta pass counts
    Entry("unpool", ("2x8", "2x8x8", "2x4x4x4"), macs=8 * 8 * 2 * 2, direct=False),
    Entry("padding1d", ("2x6",)),
    Entry("padding2d", ("2x5x5",)),
    Entry("padding3d", ("2x4x4x4",)),
    Entry("norm1d", ("4x6",)),
    Entry("norm2d", ("4x5x5",)),
    Entry("norm3d", ("2x3x3x3",)),
    Entry("cross_map_lrn", ("4x5x5",), macs=25 * 4 * 4),
    Entry("batchnorm", ("3x8x8",)),
    Entry("activations", ("8",), macs=8 * 8),
    Entry("dropout", ("2x3x3",), macs=3 * 3 * 4 * 2),
    Entry("bilinear", ("3", "4"), macs=5 * 2),  # fvcore has no formula for bilinear: listed as not counted
    Entry("embedding", ("5:int64",), macs=5 * 6 * 2),
    Entry("embedding_bag", ("5:int64",)),
    Entry("reshaping", ("8x3x3",)),
    Entry("distances", ("6", "6")),
    # fvcore has no formula for these (direct=False). archstat's recurrent rule (docs/conventions.md):
    # per time step, each gate in x H + H x H; 3 steps, input 4, hidden 5, then Linear(5, 2).
    Entry("rnn", ("3x4",), macs=3 * (4 * 5 + 5 * 5) + 5 * 2, direct=False),
    Entry("lstm", ("3x4",), macs=3 * 4 * (4 * 5 + 5 * 5) + 5 * 2, direct=False),
    Entry("gru", ("3x4",), macs=3 * 3 * (4 * 5 + 5 * 5) + 5 * 2, direct=False),
    Entry("cells", ("4",), macs=(1 + 4 + 3) * (4 * 5 + 5 * 5), direct=False),
    # Attention as its matrix products, E = 8, 2 heads of d = 4: projections L x E x E each, Q K^T and
    # A V L x S x d per head; LayerNorm 5 per element (fvcore's, with affine).
    Entry("attention", ("3x8",), macs=3 * (3 * 8 * 8) + 2 * (3 * 3 * 4 + 3 * 3 * 4) + 3 * 8 * 8,
          direct=False),
    Entry("encoder", ("3x8",), macs=_ENCODER_LAYER_L3, direct=False),
    Entry("decoder", ("3x8", "4x8"), macs=_SELF_ATTENTION_L3 + _cross_attention(3, 4) + _feed_forward(3)
          + 3 * 5 * 3 * 8, direct=False),
    Entry("transformer", ("3x8", "4x8"), macs=_ENCODER_LAYER_L3 + 5 * 3 * 8  # the encoder's final norm
          + _self_attention(4) + _cross_attention(4, 3) + _feed_forward(4) + 3 * 5 * 4 * 8 + 5 * 4 * 8,
          direct=False),
    Entry("lazy1d", ("2x8",)),
    Entry("lazy2d", ("2x6x6",)),
    Entry("lazy3d", ("2x3x3x3",)),
    Entry("shared", ("6",), macs=2 * 6 * 6),
    Entry("tied", ("5:int64",), macs=5 * 6 * 20),
    Entry("containers", ("4",), macs=2 * 4 * 3 + 3 * 2),
    Entry("dict_output", ("4",), macs=4 * 3 + 4 * 2),
    Entry("namedtuple_output", ("4",), macs=4 * 3 + 4 * 2),
    Entry("custom_output", ("4",), macs=4 * 3 + 4 * 2, direct=False),
    Entry("keyword_inputs", ("3x4",), macs=3 * 4 * 4, forward_kwargs={"mask": "3x4:bool", "scale": 0.5},
          direct=False),
    Entry("scripted", ("3x8x8",), macs=4 * 6 * 6 * 27 + 4 * 6 * 6 * 2, direct=False),
    Entry("data_parallel", ("3x8x8",)),
    Entry("pruned", ("6",), macs=6 * 4),
    Entry("frozen", ("3x8x8",), macs=4 * 6 * 6 * 27 + 4 * 6 * 6 * 2),
    Entry("reads_values", ("4",), macs=4 * 4),  # on meta: counted from a real trace, with a note
    Entry("broken", ("3x8x8",), error="forward failed in layer 'fc' (Linear)", direct=False),
]

# Engines that list different operators as not counted (their MACs agree): none. The in-place and
# out-of-place forms, a cell's step, size arithmetic and a custom autograd.Function (one PythonOp) are
# named alike on both (engines/uncounted.py, engines/pass_patches.py).
UNCOUNTED_LISTS_DIFFER: set[str] = set()

# torch.nn's public module classes that no entry uses, and why.
EXCLUDED = {
    **dict.fromkeys(
        ["AdaptiveLogSoftmaxWithLoss", "BCELoss", "BCEWithLogitsLoss", "CTCLoss", "CosineEmbeddingLoss",
         "CrossEntropyLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss",
         "LinearCrossEntropyLoss", "MSELoss", "MarginRankingLoss", "MultiLabelMarginLoss",
         "MultiLabelSoftMarginLoss", "MultiMarginLoss", "NLLLoss", "NLLLoss2d", "PoissonNLLLoss",
         "SmoothL1Loss", "SoftMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss"],
        "a loss: it compares a prediction with a target, it is not a layer of the network counted"),
    "Container": "deprecated since torch 0.4 (a Module without forward); ModuleList/ModuleDict cover it",
    "RNNBase": "the base class of RNN, LSTM and GRU, never used directly",
    "RNNCellBase": "the base class of RNNCell, LSTMCell and GRUCell, never used directly",
    "Module": "the base class of every entry",
}
