"""One request: built once (keywords or the command line), resolved once, the same options on every command.

Numbers are hand arithmetic: Linear(i, o) has i*o + o parameters and i*o MACs per row; a matrix
product (n x k) @ (k x m) is n*k*m MACs.
"""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

import archstat
from archstat.analysis import request as request_module
from archstat.analysis.compare import compare_models
from archstat.analysis.request import Request
from archstat.cli.app import app
from archstat.errors import UsageError


class NeedsKeyword(nn.Module):
    """forward(x, *, other): a layer, then a product with a keyword tensor the caller must give."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor, *, other: torch.Tensor) -> torch.Tensor:
        return self.fc(x) @ other


FC_MACS = 3 * 4 * 4  # (3 x 4) rows through Linear(4, 4)
PRODUCT_MACS = 3 * 4 * 5  # (3 x 4) @ (4 x 5)


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_request_counts_as_its_keywords_do():
    keywords = {"input_size": (3, 32, 32), "batch": 2, "num_classes": 7, "engine": "meta"}
    by_request = archstat.analyze(Request("resnet20", **keywords))  # type: ignore[arg-type]
    by_keywords = archstat.analyze("resnet20", **keywords)  # type: ignore[arg-type]
    assert by_request.totals == by_keywords.totals
    assert by_request.totals.params == 269_722 - (64 * 10 + 10) + (64 * 7 + 7)  # He et al.'s 0.27M, 7 classes


def test_a_request_parses_its_vocabularies_where_it_is_made():
    with pytest.raises(UsageError, match="--engine 'gpu'"):
        Request("resnet20", engine="gpu")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="input_size or input_data"):
        Request("resnet20", input_size="32", input_data=torch.zeros(1, 3, 32, 32))


def test_compare_builds_each_model_once_even_with_memory(monkeypatch: pytest.MonkeyPatch):
    built: list[str] = []
    real = request_module.resolve

    def counting(model, **kwargs):  # type: ignore[no-untyped-def]
        built.append(model)
        return real(model, **kwargs)

    monkeypatch.setattr(request_module, "resolve", counting)
    entries = compare_models(["resnet20", "resnet32"], engine="meta")
    assert built == ["resnet20", "resnet32"]
    assert {"params", "macs", "memory"} <= set(entries[0].values)


def test_forward_kwargs_reach_the_conventions_count():
    data = run("conventions", "tests.test_request:NeedsKeyword", "--input", "3x4", "--engine", "meta",
               "--forward-kwargs", json.dumps({"other": "4x5"}))
    assert data["macs"] == FC_MACS + PRODUCT_MACS == 108
    # torch's FlopCounterMode rule, read from the call log the keyword reached: FLOPs, 2 per MAC
    torch_counter = next(row for row in data["rows"] if row["key"] == "torch")
    assert torch_counter["value"] == 2 * (FC_MACS + PRODUCT_MACS)


def test_diff_takes_the_classifier_width():
    """AlexNet's 60,965,224 parameters (Krizhevsky et al.'s layout) with its 4096 x 1000 classifier cut
    to 10 classes: 4096 * 10 + 10 in place of 4096 * 1000 + 1000."""
    data = run("diff", "alexnet", "alexnet", "--num-classes", "10", "--engine", "meta")
    assert data["totals"]["a"]["params"] == 60_965_224 - (4096 * 1000 + 1000) + (4096 * 10 + 10)


def test_compare_takes_the_auxiliary_heads():
    """torchvision documents 27,161,264 parameters for its Inception3, auxiliary head included."""
    data = run("compare", "inception_v3", "googlenet", "--metric", "params", "--aux", "--engine", "meta")
    assert data["models"][0]["value"] == 27_161_264
