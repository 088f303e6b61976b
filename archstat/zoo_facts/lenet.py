"""What the papers state about the networks ``archstat/models/lenet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

MODELS = (
    ModelInfo(
        name="lenet5", family="LeNet", paper="Gradient-Based Learning Applied to Document Recognition", year=1998,
        input_size=(1, 32, 32), num_classes=10, paper_params=60_000, params_exact=True, paper_macs=None,
        paper_depth=7,
        paper_source="Section II-B (per-layer counts; 60,000 trainable, 340,908 connections)",
        layout=(
            "Paper layout, C3 with Table I's partial connections (1,516 params; a full C3 would have "
            "2,416). The 60,000 are trainable parameters: the output layer's 84 x num_classes RBF "
            "prototypes (840 for 10 classes) are fixed (requires_grad=False), so all parameters total "
            "60,840. Common re-implementations differ: full C3, plain average/max pooling (S2, S4 with "
            "0 params) and a Linear(84, 10) output give 61,706 params."
        ),
        top5_error=None, has_aux=False, min_input=32,
        extra={
            "paper_connections": "340,908 (multiply-adds plus one per bias per output value)",
            "input_range": "32..35 (C5 must produce 1x1)",
            "mnist_test_error": "0.95% (0.8% with distorted training data)",
        },
    ),
)
