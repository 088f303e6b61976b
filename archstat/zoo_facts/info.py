"""``ModelInfo``: the facts about one zoo model, declared once, read without torch.

Every field is plain data (text, numbers, tuples), so ``archstat list``, shell completion, the
registry and a user's own ``register_model`` all build and read the same record.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelInfo:
    """Facts about one registered network.

    ``name`` is the builder's function name, the name every command takes. ``family`` groups the zoo
    ("ResNet", "Inception"); ``paper`` and ``year`` name the paper the layout is taken from (its
    first arXiv version where there is one). ``input_size`` is the default input as (channels,
    height, width), in pixels; ``num_classes`` the classifier width the paper uses (1000 for
    ImageNet, 10 for MNIST and CIFAR-10).

    ``paper_params`` and ``paper_macs`` are the paper's own figures (a parameter count; multiply-adds
    per image at ``input_size``, one fused multiply-add counted once), ``None`` where the paper
    states none; ``params_exact`` says whether the paper's parameter figure is an exact count (tests
    then require equality) or a rounded one. ``paper_depth`` is the depth the paper names the
    network by, in weight layers. ``paper_source`` says where in the paper the figures stand.
    ``layout`` says what this layout is and how it differs from other published ones;
    ``top5_error`` is the paper's top-5 error, as text with its evaluation protocol. ``has_aux``:
    the network has auxiliary classifiers (left out of the default counts). ``min_input``: the
    smallest square input side that runs, in pixels. ``discrepancy`` explains why the measured
    figures differ from the paper's by more than rounding, where they do. ``extra``: further facts,
    by name, as text (copied).

    A released re-implementation whose layout differs from its paper's (torchvision's GoogLeNet, the
    TF-slim Inception-ResNet-v2) is registered as a variant: ``variant_of`` names the zoo's paper
    layout, ``differs`` lists each way the two differ, and ``paper_params``/``paper_macs`` hold the
    figures the release documents, with ``paper_source`` saying whose they are.
    """

    name: str
    family: str
    paper: str
    year: int
    input_size: tuple[int, int, int]
    num_classes: int = 1000
    paper_params: float | None = None
    params_exact: bool = False
    paper_macs: float | None = None
    paper_depth: int | None = None
    paper_source: str = ""
    layout: str = ""
    top5_error: str | None = None
    has_aux: bool = False
    min_input: int | None = None
    discrepancy: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    variant_of: str | None = None
    differs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A caller's mapping or list is copied, so the record stays what it was when it was made.
        object.__setattr__(self, "input_size", tuple(self.input_size))
        object.__setattr__(self, "extra", dict(self.extra))
        object.__setattr__(self, "differs", tuple(self.differs))
