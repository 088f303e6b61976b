"""archstat plot: the pictures are written, refuse to overwrite, and say what is missing."""

import builtins

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app
from archstat.render.plot import kind_shares

runner = CliRunner()


def test_plot_writes_png_and_svg(tmp_path):
    for name in ("alexnet.png", "alexnet.svg"):
        out = tmp_path / name
        result = runner.invoke(app, ["plot", "alexnet", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    assert (tmp_path / "alexnet.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "alexnet.svg").read_bytes()[:500]


def test_plot_compare_and_metric(tmp_path):
    out = tmp_path / "cmp.png"
    assert runner.invoke(app, ["plot", "compare", "lenet5", "alexnet", "--out", str(out)]).exit_code == 0
    out = tmp_path / "rf.png"
    args = ["plot", "vgg11", "--input", "64", "--metric", "receptive_field", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0


def test_plot_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "keep.png"
    out.write_bytes(b"mine")
    result = runner.invoke(app, ["plot", "lenet5", "--out", str(out)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_bytes() == b"mine"
    assert runner.invoke(app, ["plot", "lenet5", "--out", str(out), "--force"]).exit_code == 0


def test_plot_bad_suffix_and_missing_matplotlib(tmp_path, monkeypatch):
    result = runner.invoke(app, ["plot", "lenet5", "--out", str(tmp_path / "x.jpg")])
    assert result.exit_code == 2 and ".png or .svg" in result.stderr
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = runner.invoke(app, ["plot", "lenet5", "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "archstat[plot]" in result.stderr


def test_alexnet_fully_connected_layers_hold_the_parameters_and_convs_the_macs():
    import archstat

    shares = kind_shares(archstat.analyze("alexnet"))
    # by hand: fc6+fc7+fc8 = 37,752,832 + 16,781,312 + 4,097,000 of 60,965,224 params
    assert shares["params"]["fully connected"] == pytest.approx(100 * 58_631_144 / 60_965_224)
    assert shares["macs"]["convolution"] > 90


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_the_picture_names_the_mode(tmp_path, mode):
    """The title says which mode the counts are of; SVG text kept as text so the test can read it."""
    import matplotlib

    from archstat.analysis.counting import analyze
    from archstat.render.plot import compare_figure, layer_figure

    report = analyze("lenet5", engine="meta", mode=mode)
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        layer = layer_figure(report, tmp_path / "layer.svg").read_text(encoding="utf-8")
        both = compare_figure([report, report], tmp_path / "both.svg").read_text(encoding="utf-8")
    assert f"lenet5: parameters and MACs by layer (input 1x32x32, {mode} mode)" in layer
    assert f"the computation ({mode} mode)" in both
    other = "train" if mode == "eval" else "eval"
    assert f"{other} mode" not in layer + both
