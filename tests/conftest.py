"""Test-wide settings."""

import atexit
import os
import shutil
import tempfile

import torch

# `archstat speed --calibrate` (run by the docs test) keeps its ceilings in the cache folder: the suite uses a
# folder of its own, so a developer's or CI's cache is neither read nor written (subprocesses inherit it),
# removed when the process that made it exits (each xdist worker makes one).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="archstat-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

# The suite runs many small forward passes; one thread avoids oversubscribing CI's two cores
# (two threads made the 1000-layer nets several times slower there).
torch.set_num_threads(1)

# Where torchvision is installed but its compiled operators do not load (PyPI's CUDA wheel beside the CPU
# torch), importing it fails, and so does importing ptflops or timm, which import it: archstat's own
# remedy (docs/install.md), applied before any test file imports them. Nothing happens otherwise.
from archstat.analysis.hub import make_torchvision_importable  # noqa: E402

make_torchvision_importable()
