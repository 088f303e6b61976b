"""Measurements behind the papers' claims (``claims.papers``), beside ``claims.measure``'s.

The efficient-network papers count multiply-adds of their convolutions and fully connected layers only
(MobileNet's "mult-adds", MobileNetV3's "MAdds", ShuffleNet's and EfficientNet's "FLOPs"), so
``multiply_adds`` reads those operators of the report; archstat's total MACs add batch norm and pooling.
``on_meta`` measures count on the meta device (``analyze(engine="meta")``, the same counts as fvcore's,
tests/test_engines.py), for networks whose fvcore trace is slow (EfficientNet-B7 at 600x600).

Units: params are parameter elements; MACs are multiply-accumulates (one fused multiply-add = 1 MAC,
FLOPs = 2 x MACs).
"""

from __future__ import annotations

from ..analysis.counting import analyze
from ..analysis.report import Report
from ..inputs import Shape
from .measure import Measure, Session, label, layers_evidence
from .readings import Amount, Each, Measured, Ratio, Share

CONV_FC = ("conv", "linear")


def _report(session: Session, model: str, input_size: Shape | None, meta: bool) -> Report:
    if not meta:
        return session.report(model, input_size)
    return session.once(("meta-report", model, input_size),
                        lambda: analyze(model, input_size=input_size, engine="meta"))


def conv_fc(report: Report) -> int:
    """Multiply-adds of the convolutions and fully connected layers: what the papers count."""
    counts = report.totals.counts
    if counts is None:  # never a silent zero
        raise ValueError(f"{report.model}: no MACs were counted (the analysis asked for fields only).")
    return int(sum(counts.by_operator.get(op, 0) for op in CONV_FC))


def _where(model: str, input_size: Shape | None, meta: bool) -> str:
    return label(model, input_size) + (", counted on the meta device" if meta else "")


def multiply_adds(model: str, input_size: Shape | None = None, meta: bool = False) -> Measure:
    """MACs of the convolutions and fc layers of ``model`` (at ``input_size``; its paper's by default)."""
    def run(session: Session) -> Measured:
        report = _report(session, model, input_size, meta)
        value = conv_fc(report)
        return Measured(value, Amount("macs", value), (layers_evidence(report),))

    return Measure(f"multiply-adds of convolutions and fc layers({_where(model, input_size, meta)})", run)


def params(model: str, meta: bool = False) -> Measure:
    """Parameters of ``model`` (as ``archstat table`` counts them: auxiliary heads left out)."""
    def run(session: Session) -> Measured:
        report = _report(session, model, None, meta)
        value = report.totals.params
        return Measured(value, Amount("params", value), (layers_evidence(report),))

    return Measure(f"params({_where(model, None, meta)})", run)


def total_macs_increase(model: str, base: str) -> Measure:
    """archstat's total MACs of ``model`` over ``base``'s, minus 1: the relative increase (shown as the
    MACs added, a share of ``base``'s)."""
    def run(session: Session) -> Measured:
        top, bottom = session.report(model), session.report(base)
        a, b = top.totals.macs, bottom.totals.macs
        return Measured(a / b - 1, Share(a - b, b), (layers_evidence(top), layers_evidence(bottom)))

    return Measure(f"macs({model}) / macs({base}) - 1", run)


def stated_over(figure: float, what: str, bottom: Measure) -> Measure:
    """A figure the paper states (another network's, not in the zoo) over a measured one."""
    def run(session: Session) -> Measured:
        measured = bottom.run(session)
        under = float(measured.value)  # type: ignore[arg-type]
        return Measured(figure / under, Ratio(figure, under), measured.evidence)

    return Measure(f"{what} / {bottom.describe}", run)


def separable_saving(model: str) -> Measure:
    """Standard 3x3 convolutions' MACs over the depthwise separable ones that replace them, summed over
    ``model``'s ``*_dw`` / ``*_pw`` pairs. A standard 3x3 convolution from C to N channels on the same
    output grid costs 9 x the pointwise convolution's MACs (9 C N per element), the separable pair the
    depthwise (9 C) plus the pointwise (C N); their ratio is 1 / (1/N + 1/9)."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        leaves = report.layers[report.layers.is_leaf]
        pointwise = int(leaves[leaves.name.str.contains(r"_pw\.conv$")].macs.sum())
        depthwise = int(leaves[leaves.name.str.contains(r"_dw\.conv$")].macs.sum())
        standard, separable = 9 * pointwise, depthwise + pointwise
        return Measured(standard / separable, Ratio(standard, separable), (layers_evidence(report),))

    return Measure(f"MACs of standard 3x3 convolutions / of the depthwise separable ones in {model}", run)


def per_layer_savings(model: str) -> Measure:
    """The same ratio for each separable pair of ``model``, as context (the smallest and largest)."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        leaves = report.layers[report.layers.is_leaf].set_index("name")
        pairs = [name.removesuffix("_dw.conv") for name in leaves.index if name.endswith("_dw.conv")]
        ratios = [(p.rsplit(".", 1)[-1], round(9 * leaves.macs[f"{p}_pw.conv"]
                   / (leaves.macs[f"{p}_dw.conv"] + leaves.macs[f"{p}_pw.conv"]), 2)) for p in pairs]
        low, high = min(ratios, key=lambda r: r[1]), max(ratios, key=lambda r: r[1])
        return Measured(None, Each((low, high)))

    return Measure(f"the same ratio for each separable convolution of {model}: lowest and highest", run)
