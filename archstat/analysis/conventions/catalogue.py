"""The conventions compared, each with its tool, version, word for the number and why it differs."""

from __future__ import annotations

from .dispatch_rules import PTFLOPS_VERSION
from .rows import Convention
from .thop_rules import THOP_VERSION, ULTRALYTICS_VERSION
from .torchinfo_rules import VERSION as TORCHINFO_VERSION

FVCORE = Convention(
    "fvcore", "FlopCountAnalysis(model, x).total()", "0.1.5.post20221221",
    "flops: 'one fused multiply-add as one flop' (= MACs)",
    "fvcore's own total: convolutions, linear layers and matrix products without biases, batch norm "
    "(2 per element with an affine transform), other norms, adaptive average pooling and upsampling; "
    "ReLU, max pooling and element-wise adds are listed as uncounted. fvcore has no counter for "
    "attention (scaled_dot_product_attention), baddbmm or recurrent layers (lstm, gru, rnn_tanh, rnn_relu) "
    "and counts them 0; archstat counts them by its own rules, each a line item of the difference.")
TORCHINFO = Convention(
    "torchinfo", "summary(model, input_data=x).total_mult_adds", TORCHINFO_VERSION,
    "Total mult-adds (printed in G = 10^9)",
    "torchinfo multiplies each leaf module's weight and bias elements by its output positions (a "
    "convolution's) or by the batch (anything else): biases count, batch norm counts 2C per sample "
    "instead of 2 per element, and a module without parameters (ReLU, pooling, a residual add) counts nothing.")
PTFLOPS = Convention(
    "ptflops", "get_model_complexity_info(model, res) (backend='pytorch')", PTFLOPS_VERSION,
    "MACs (printed in GMac = 10^9)",
    "ptflops' default backend adds biases and 1 per element for ReLU, pooling and upsampling, and "
    "counts every nn.ReLU, nn.MaxPool2d, nn.AvgPool2d and nn.AdaptiveAvgPool2d twice, once by its module "
    "hook and once by the F.relu / F.max_pool2d / F.adaptive_avg_pool2d it patches and the module's "
    "forward calls; 'x + y' is not patched, so residual adds count nothing.")
PTFLOPS_ATEN = Convention(
    "ptflops-aten", "get_model_complexity_info(model, res, backend='aten')", PTFLOPS_VERSION,
    "MACs (printed in GMac = 10^9)",
    "ptflops' aten backend counts only aten convolution, mm, addmm and bmm, each convolution and "
    "addmm with one more per output element for its bias; batch norm, pooling and activations count nothing.")
THOP = Convention(
    "thop", "thop.profile(model, (x,))", THOP_VERSION, "macs (clever_format: G = 10^9)",
    "thop counts convolutions and linear layers without biases, batch norm at 4 per element (2, doubled "
    "for the affine transform), average pooling at 1 per output and adaptive average pooling at window + 1 "
    "per output, and nothing for ReLU, max pooling or residual adds; its params are those of modules it has "
    "a rule for and that ran.")
ULTRALYTICS = Convention(
    "ultralytics-thop", "thop.profile(model, (x,)) of ultralytics-thop", ULTRALYTICS_VERSION,
    "macs (clever_format: G = 10^9)",
    "ultralytics-thop keeps thop's convolution, linear and batch-norm rules but finds rules through "
    "subclasses, counts each pooling window's inputs plus one divide per output, nearest upsampling as free, "
    "matrix products called outside a counted module, and every parameter tensor once.")
TORCH = Convention(
    "torch", "FlopCounterMode().get_total_flops()", "torch",
    "FLOPs (2 per multiply-add)",
    "torch's FlopCounterMode counts only convolutions and matrix products, without biases, and "
    "counts each multiply-add as two FLOPs.")
TORCHVISION = Convention(
    "torchvision", "weights.meta['_ops'] (its docs' GFLOPS)", "torchvision",
    "GFLOPS (multiply-adds in units of 10^9, 3 decimals)",
    "torchvision's table counts each convolution and linear multiply-add once (its 'GFLOPS' are "
    "GMACs), without biases, batch norm or pooling, rounded to 3 decimals of 10^9.")
KERAS = Convention(
    "keras", "model.summary(): Total params", "Keras",
    "Total params (trainable + non-trainable)",
    "Keras keeps batch norm's moving mean and variance as non-trainable weights and counts them; "
    "PyTorch holds them as buffers, which no PyTorch tool counts.")


def paper(title: str, year: int, source: str) -> Convention:
    """The paper's own figure, as the registry holds it. The call and version cells name where the
    figure stands (``source``: it may be another paper's table, e.g. ResNeXt's for ResNet-50 v1.5);
    without a source they name the layout's paper and its year."""
    return Convention("paper", source or title, "as cited" if source else str(year), "multiply-adds, as stated",
                      f"The paper states its figure for convolutions and fully connected layers, rounded "
                      f"({source or 'no source given'}).")
