"""Test-wide settings."""

import torch

# The suite runs many small forward passes; one thread avoids oversubscribing CI's two cores
# (two threads made the 1000-layer nets several times slower there).
torch.set_num_threads(1)
