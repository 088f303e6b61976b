"""`archstat claims` in two processes gives what one process gives, and the cheaper paths behind it
(shape-only meta passes, the manual SGD step) compute what the slower ones computed.

No timing here: the speed is measured in benchmarks/first_use.py (docs/performance.md)."""

import copy
import multiprocessing
import subprocess
import sys

import pytest
import torch
from torch import nn

from archstat.claims.catalogue import CATALOGUE
from archstat.claims.hardware import TIMED, sgd_step
from archstat.claims.measure import Session
from archstat.claims.parallel import groups, measure_all
from archstat.claims.rules import evaluate, judged

# Cheap claims from five sources, none timed: documents 003 and 004, and three papers.
CHEAP = ("c16", "c17", "c18", "c19", "c22", "c24", "p01", "p02", "p13")


def _chosen(ids):
    return [CATALOGUE.get(i) for i in ids]


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked")
def test_two_processes_measure_what_one_session_measures():
    """A second method: each claim evaluated in one session, in this process (``rules.evaluate``)."""
    claims = _chosen(CHEAP)
    assert len(groups(claims)) > 1  # so that the workers do run
    measured = measure_all(claims, "meta", workers=2)
    session = Session("meta")
    for claim, parts in zip(claims, measured, strict=True):
        alone = evaluate(claim, CATALOGUE.sources[claim.source], session)
        together = judged(claim, CATALOGUE.sources[claim.source], parts)
        assert together.verdict == alone.verdict, claim.id
        assert [p.measured.value for p in together.parts] == [p.measured.value for p in alone.parts], claim.id
        assert [p.measured.reading for p in together.parts] == [p.measured.reading for p in alone.parts], claim.id


def test_timed_claims_share_one_task_and_come_first():
    """Two timings never run at once (each would take the other's core), and the longest task starts first."""
    claims = list(CATALOGUE.claims)
    tasks = groups(claims)
    assert {claims[i].id for i in tasks[0]} == set(TIMED)
    assert sorted(i for task in tasks for i in task) == list(range(len(claims)))  # each claim once
    for task in tasks[1:]:
        assert len({claims[i].source for i in task}) == 1  # a source's claims stay together


def test_the_manual_sgd_step_is_torchs_sgd():
    """``sgd_step`` (hardware claims) against ``torch.optim.SGD`` from the same weights and input."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    frozen = nn.Linear(2, 2)
    frozen.requires_grad_(False)
    net.append(frozen)
    twin = copy.deepcopy(net)
    x = torch.randn(2, 3, 8, 8)
    sgd_step(net, x, lr=0.1)
    optimizer = torch.optim.SGD([p for p in twin.parameters() if p.requires_grad], lr=0.1)
    optimizer.zero_grad()
    twin(x).sum().backward()
    optimizer.step()
    for (name, mine), theirs in zip(net.named_parameters(), twin.parameters(), strict=True):
        assert torch.equal(mine, theirs), name


def test_meta_passes_outside_the_engine_import_neither_dynamo_nor_sympy():
    """The design calculators (torch's FlopCounterMode), a field trace, forwards that only ask for a shape
    and a document's network made real: each used to import torch._dynamo and sympy (about 1 s) on first
    use. Fresh interpreter, where nothing else has imported them."""
    script = (
        "import sys, torch\n"
        "from archstat.claims.catalogue import CATALOGUE\n"
        "from archstat.claims.measure import Session\n"
        "from archstat.claims.rules import measure_parts\n"
        "from archstat.engines.fields import trace_fields\n"
        "from archstat.models import build_model\n"
        "session = Session('meta')\n"
        "for claim_id in ('c05', 'c15', 'c17'):\n"
        "    measure_parts(CATALOGUE.get(claim_id), session)\n"
        "trace = trace_fields(build_model('resnet20', device='meta'), torch.empty(1, 3, 32, 32, device='meta'))\n"
        "assert trace.depth == 20, trace.depth\n"
        "loaded = {'torch._dynamo', 'sympy', 'torch.fx.experimental.symbolic_shapes'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=180)
