"""The one place archstat runs an external program: Graphviz, which lays out dot text and draws it
as SVG or PNG.

Graphviz is found as ``dot`` on the PATH (a system Graphviz: ``apt-get install graphviz``, ``brew
install graphviz``), else as ``graphviz-pure``, a port of ``dot`` shipped as a wheel with no system
dependency (``pip install 'archstat[graph]'``), on the PATH or next to the running Python. Either
draws both formats itself, so PNG needs nothing more.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import AnalysisError, UsageError

PROGRAMS = ("dot", "graphviz-pure")  # in the order they are preferred
MISSING = ("drawing svg, png or html needs Graphviz: pip install 'archstat[graph]' (graphviz-pure), or a "
           "system Graphviz ('dot'); --format dot or mermaid needs neither.")
_TIMEOUT_S = 300  # a 1,000-node layout takes seconds; minutes means something is wrong


def find_graphviz() -> str | None:
    """The path of the Graphviz program to run, or None when there is none."""
    for program in PROGRAMS:
        found = shutil.which(program) or shutil.which(program, path=str(Path(sys.executable).parent))
        if found:
            return found
    return None


def draw(dot_text: str, fmt: str, program: str | None = None) -> bytes:
    """``dot_text`` laid out and drawn as ``fmt`` ("svg" or "png") by ``program`` (default:
    ``find_graphviz()``); a ``UsageError`` naming the extra when no Graphviz is installed."""
    program = program or find_graphviz()
    if program is None:
        raise UsageError(MISSING)
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AnalysisError(f"Graphviz ({program}) could not draw the graph: {error}") from error
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AnalysisError(f"Graphviz ({program}) failed with exit code {done.returncode}: "
                            f"{detail[0] if detail else 'no output'}")
    return done.stdout
