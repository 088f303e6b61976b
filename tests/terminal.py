"""Reading what a command printed to a pseudo-terminal, shared by the tests that run one."""

from __future__ import annotations

import os
import select


def read_until_closed(leader: int, wait_s: float = 600) -> bytes:
    """Everything written to the terminal whose leader end is ``leader`` until the child closes it (or
    ``wait_s`` seconds pass with nothing written); Linux reports the closed end as an ``OSError``."""
    chunks = []
    while select.select([leader], [], [], wait_s)[0]:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
